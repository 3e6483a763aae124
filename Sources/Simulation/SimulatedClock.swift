import Synchronization

/// Virtual time for a simulation: a clock that moves only when the simulator moves it.
///
/// A task in ``sleep(until:tolerance:)`` parks until ``Simulator`` has nothing else to run and
/// advances `now` to its deadline. Sleepers wake earliest deadline first; sleepers with the same
/// deadline wake in the order they went to sleep, so a seed's run is the same every time. A sleep
/// until `now` or earlier returns at once. Cancelling a sleeping task removes its sleeper and makes
/// `sleep` throw `CancellationError` (a task already cancelled throws without sleeping).
///
/// Thread safety: every method may be called from any thread, but during a run a sleep that starts
/// on a thread other than the simulation's own is an escape (the task that sleeps is not on the
/// simulation's executor, so it will wake elsewhere): the clock counts it and the run fails.
public final class SimulatedClock: Clock, Sendable {
    /// A point in virtual time: an offset from the start of the run.
    public struct Instant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
        /// Virtual time since the start of the run.
        public var offset: Duration

        public init(offset: Duration) {
            self.offset = offset
        }

        public func advanced(by duration: Duration) -> Instant {
            Instant(offset: offset + duration)
        }

        public func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }

        public var description: String { "+\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        // Unsafe rather than checked: each continuation leaves `sleepers` under the lock before it
        // is resumed (by a wake-up or by cancellation, never both), so it is resumed exactly once.
        var continuation: UnsafeContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextNumber: UInt64 = 0
        /// Live sleepers by registration number (looked up, never iterated: its order is not observed).
        var sleepers: [UInt64: Sleeper] = [:]
        var queue = SleeperQueue()
        /// The simulation's thread while a run drives this clock; nil when no run does.
        var simulationThread: UInt?
        var foreignSleeps = 0
        var firstForeignSleep: Instant?
        /// Tells the run loop a sleep started elsewhere (it may be waiting for outside activity).
        var onForeignSleep: (@Sendable () -> Void)?

        /// Drops queue entries whose sleeper was cancelled, so `queue.first` is a live sleeper.
        mutating func discardCancelledEntries() {
            while let first = queue.first, sleepers[first.number] == nil {
                _ = queue.popFirst()
            }
        }
    }

    private let state = Mutex(State())

    /// A clock at offset zero. Only ``Simulator`` makes them (one per run): nothing else moves one.
    init() {}

    public var now: Instant {
        state.withLock { $0.now }
    }

    public var minimumResolution: Duration { .zero }

    /// How many tasks are asleep on this clock now.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// The earliest deadline of a sleeping task: where the simulator moves `now` next.
    public var nextDeadline: Instant? {
        state.withLock { state in
            state.discardCancelledEntries()
            return state.queue.first.map { Instant(offset: $0.deadline) }
        }
    }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let thread = currentThreadIdentity()
        let number: UInt64 = state.withLock { state in
            defer { state.nextNumber += 1 }
            return state.nextNumber
        }
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
                var foreignSleepHook: (@Sendable () -> Void)?
                let immediate: Result<Void, any Error>? = state.withLock { state in
                    // The cancellation flag is set before `onCancel` runs, and both sides hold the lock,
                    // so a sleeper is either never registered or always removed by `onCancel`.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let simulationThread = state.simulationThread, simulationThread != thread {
                        state.foreignSleeps += 1
                        if state.firstForeignSleep == nil { state.firstForeignSleep = state.now }
                        foreignSleepHook = state.onForeignSleep
                    }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[number] = Sleeper(deadline: deadline, continuation: continuation)
                    state.queue.insert(.init(deadline: deadline.offset, number: number))
                    return nil
                }
                foreignSleepHook?()
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: number) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    // MARK: - Driven by the simulator

    /// Binds the clock to the thread that runs the simulation (nil: unbinds it), so sleeps from
    /// other threads count as escapes; `onForeignSleep` is called (outside the lock) on each.
    func bind(toThread thread: UInt?, onForeignSleep: (@Sendable () -> Void)? = nil) {
        state.withLock { state in
            state.simulationThread = thread
            state.onForeignSleep = onForeignSleep
        }
    }

    /// Sleeps that started on a thread other than the simulation's, and the virtual time of the first.
    var foreignSleeps: (count: Int, first: Instant?) {
        state.withLock { ($0.foreignSleeps, $0.firstForeignSleep) }
    }

    /// What ``wakeEarliest(notAfter:)`` did.
    enum Wake {
        /// Moved `now` to the earliest deadline and resumed this many sleepers.
        case woke(Int)
        /// The earliest deadline is after the limit: `now` moved to the limit, nobody woke.
        case stoppedAtLimit
        /// Nothing sleeps.
        case nothingSleeps
    }

    /// Moves `now` to the earliest deadline and resumes every sleeper due then, in registration
    /// order; or, when that deadline is after `limit`, moves `now` to `limit` and wakes nobody.
    /// One lock for the decision and the move: the run loop calls this once per virtual instant.
    func wakeEarliest(notAfter limit: Duration?) -> Wake {
        enum Decision {
            // The first sleeper apart: most instants wake one, and that needs no array.
            case wake(first: Sleeper, more: [Sleeper])
            case stopAtLimit
            case nothingSleeps
        }
        let decision: Decision = state.withLock { state in
            state.discardCancelledEntries()
            guard let earliest = state.queue.first else { return .nothingSleeps }
            if let limit, earliest.deadline > limit {
                if limit > state.now.offset { state.now = Instant(offset: limit) }
                return .stopAtLimit
            }
            state.now = Instant(offset: earliest.deadline)
            var first: Sleeper?
            var more: [Sleeper] = []
            while let entry = state.queue.first, entry.deadline == earliest.deadline {
                _ = state.queue.popFirst()
                guard let sleeper = state.sleepers.removeValue(forKey: entry.number) else { continue }
                if first == nil { first = sleeper } else { more.append(sleeper) }
            }
            // `discardCancelledEntries` left a live sleeper first in the queue.
            guard let first else { preconditionFailure("SimulatedClock: the earliest queue entry had no sleeper") }
            return .wake(first: first, more: more)
        }
        switch decision {
        case .wake(let first, let more):
            first.continuation.resume()
            for sleeper in more { sleeper.continuation.resume() }
            return .woke(1 + more.count)
        case .stopAtLimit:
            return .stoppedAtLimit
        case .nothingSleeps:
            return .nothingSleeps
        }
    }
}
