import ServiceLifecycle
import Synchronization

/// A read model built from the global stream: it sees every event once, in global order, and a
/// checkpoint named ``name`` in the store remembers how far it got.
///
/// Delivery is at least once: the checkpoint is saved after ``apply(_:)`` returns, so a process
/// that stops between the two sees that batch again. A projection whose read model lives with the
/// checkpoint (the same store) or that is idempotent per event position is exact.
public protocol Projection: Sendable {
    /// The name its checkpoint is saved under: unique per projection in a store.
    var name: String { get }
    /// Folds a batch of events (in global order, after the last batch) into the read model.
    func apply(_ events: [RecordedEvent]) throws
    /// Forgets everything, for a rebuild from the first event.
    func reset() throws
}

/// A projection whose read model is one value in memory, made by a pure fold:
/// `evolve(state, event) -> state`.
public final class StateProjection<State: Sendable>: Projection {
    public let name: String
    private let initial: State
    private let evolve: @Sendable (State, RecordedEvent) -> State
    private let state: Mutex<State>

    public init(name: String, initial: State, evolve: @escaping @Sendable (State, RecordedEvent) -> State) {
        self.name = name
        self.initial = initial
        self.evolve = evolve
        state = Mutex(initial)
    }

    /// The read model now.
    public var current: State { state.withLock { $0 } }

    public func apply(_ events: [RecordedEvent]) {
        state.withLock { state in
            for event in events { state = evolve(state, event) }
        }
    }

    public func reset() {
        state.withLock { $0 = initial }
    }
}

/// Keeps a ``Projection`` up to date with a store: catches up from its checkpoint, then follows
/// the store live, saving the checkpoint after every batch. A `Service`: run it in a
/// `ServiceGroup` (or call ``run()`` in a task group); it returns on graceful shutdown or
/// cancellation, with the checkpoint of the last batch applied.
public struct ProjectionRunner: Service {
    public let store: any EventStore
    public let projection: any Projection
    public let batchSize: Int

    public init(store: any EventStore, projection: any Projection, batchSize: Int = 256) {
        self.store = store
        self.projection = projection
        self.batchSize = max(1, batchSize)
    }

    public func run() async throws {
        // A latch rather than `cancelWhenGracefulShutdown`, whose waiter starts an unstructured task.
        let shutdown = AppendSignal(head: 0)
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.follow() }
                group.addTask {
                    do { try await shutdown.wait(after: 0) } catch is CancellationError {}
                }
                try await group.next()
                group.cancelAll()
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            shutdown.advance(to: 1)
        }
    }

    /// Applies batches as they come until cancelled.
    func follow() async throws {
        var feed = EventFeed(store: store, after: try store.checkpoint(of: projection.name) ?? 0, batchSize: batchSize)
        while let batch = try await feed.next() {
            try apply(batch)
        }
    }

    /// Applies everything committed after the checkpoint, without waiting for more; returns the
    /// checkpoint reached. For start-up, tests and tools.
    @discardableResult
    public func catchUp() throws -> Int64 {
        let start = try store.checkpoint(of: projection.name) ?? 0
        var feed = EventFeed(store: store, after: start, batchSize: batchSize)
        while let batch = try feed.available() {
            try apply(batch)
        }
        return feed.position
    }

    /// Throws the read model away and replays the whole history into it: ``Projection/reset()``,
    /// the checkpoint back to 0, then ``catchUp()``. Returns the checkpoint reached.
    @discardableResult
    public func rebuild() throws -> Int64 {
        try projection.reset()
        try store.saveCheckpoint(0, of: projection.name)
        return try catchUp()
    }

    private func apply(_ batch: [RecordedEvent]) throws {
        guard let last = batch.last else { return }
        try projection.apply(batch)
        try store.saveCheckpoint(last.position, of: projection.name)
    }
}
