import Foundation

/// An event-sourced aggregate as two pure functions: `decide` turns a command and the current
/// state into new events (or throws to refuse it), `evolve` folds an event into the state. The
/// state is never stored: it is the fold of the stream's events. ``AggregateRepository`` does the
/// loading and appending around them.
///
/// ```swift
/// enum Account: Aggregate {
///     static let initialState = Balance(cents: 0)
///     static func decide(_ command: Command, state: Balance) throws -> [Event] { ... }
///     static func evolve(_ state: Balance, _ event: Event) -> Balance { ... }
/// }
/// ```
public protocol Aggregate {
    associatedtype State: Sendable
    associatedtype Command
    associatedtype Event

    /// The state of a stream with no events.
    static var initialState: State { get }
    /// The events `command` produces in `state`; throws (a domain error) to refuse it. An empty
    /// array means the command changes nothing.
    static func decide(_ command: Command, state: State) throws -> [Event]
    /// `state` after `event`. Must not fail: an event is a fact already recorded.
    static func evolve(_ state: State, _ event: Event) -> State
    /// The event's type name and bytes as stored.
    static func encode(_ event: Event) throws -> (type: String, data: Data)
    /// The event back from what was stored.
    static func decode(_ event: RecordedEvent) throws -> Event
}

/// An event that names its own type and is stored as JSON: ``Aggregate``'s encode and decode come
/// for free when its events conform.
public protocol DomainEvent: Codable {
    /// The stored type name (`account.deposited`).
    var eventType: String { get }
}

extension Aggregate where Event: DomainEvent {
    public static func encode(_ event: Event) throws -> (type: String, data: Data) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (event.eventType, try encoder.encode(event))
    }

    public static func decode(_ event: RecordedEvent) throws -> Event {
        do {
            return try JSONDecoder().decode(Event.self, from: event.data)
        } catch {
            throw EventStoreError(.unreadableRecord,
                "event \(event.id) (\(event.type)) at version \(event.version) of '\(event.stream)' does not decode as \(Event.self): \(error)")
        }
    }
}

/// An aggregate's state as of a stream version.
public struct LoadedAggregate<State: Sendable>: Sendable {
    public var state: State
    /// The version of the last event folded in: the expected version of the next append.
    public var version: Int64
}

/// What handling a command did.
public struct CommandOutcome<State: Sendable>: Sendable {
    /// The state after the new events.
    public var state: State
    /// The events appended (empty when the command decided nothing).
    public var events: [RecordedEvent]
    /// The stream's version after the append.
    public var version: Int64
    /// How many times the command was decided: 2 when the first append met a conflict.
    public var attempts: Int
}

/// Loads aggregates from an ``EventStore`` and handles commands on them: load the stream, decide,
/// append with the loaded version as the expected version.
public struct AggregateRepository<A: Aggregate>: Sendable {
    /// What to do when another writer appended between the load and the append.
    public enum ConflictPolicy: Sendable {
        /// Throw the ``VersionConflict``.
        case surface
        /// Reload and decide once more (the command may now be refused); throw if that conflicts too.
        case retryOnce
    }

    public let store: any EventStore
    public let ids: EventIDGenerator

    public init(_ aggregate: A.Type = A.self, store: any EventStore, ids: EventIDGenerator) {
        self.store = store
        self.ids = ids
    }

    /// The state of `stream`: the fold of its events over ``Aggregate/initialState``.
    public func load(_ stream: String) throws -> LoadedAggregate<A.State> {
        var state = A.initialState
        var version: Int64 = 0
        while true {
            let page = try store.read(stream: stream, after: version, limit: 1_000)
            for event in page {
                state = A.evolve(state, try A.decode(event))
                version = event.version
            }
            if page.count < 1_000 { return LoadedAggregate(state: state, version: version) }
        }
    }

    /// Decides `command` on `stream` and appends what it decided; every event carries `metadata`.
    @discardableResult
    public func handle(
        _ command: A.Command, on stream: String, metadata: EventMetadata = EventMetadata(),
        onConflict: ConflictPolicy = .retryOnce
    ) throws -> CommandOutcome<A.State> {
        var attempts = 0
        while true {
            attempts += 1
            let loaded = try load(stream)
            let decided = try A.decide(command, state: loaded.state)
            guard !decided.isEmpty else {
                return CommandOutcome(state: loaded.state, events: [], version: loaded.version, attempts: attempts)
            }
            let events = try decided.map { event in
                let (type, data) = try A.encode(event)
                return NewEvent(id: ids.next(), type: type, data: data, metadata: metadata)
            }
            do {
                let result = try store.append(events, to: stream, expectedVersion: .exactly(loaded.version))
                let state = decided.reduce(loaded.state, A.evolve)
                let recorded = try store.read(stream: stream, after: loaded.version, limit: events.count)
                return CommandOutcome(state: state, events: recorded, version: result.lastVersion, attempts: attempts)
            } catch let conflict as VersionConflict {
                guard onConflict == .retryOnce, attempts == 1 else { throw conflict }
            }
        }
    }
}
