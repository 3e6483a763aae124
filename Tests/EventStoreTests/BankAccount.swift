import EventStore
import Foundation
import Synchronization

/// A tiny example aggregate for the tests: an account that is opened, then takes deposits and
/// withdrawals, and refuses to go below zero.
enum BankAccount: Aggregate {
    struct State: Sendable, Equatable {
        var isOpen = false
        var balance = 0
    }

    enum Command {
        case open
        case deposit(Int)
        case withdraw(Int)
    }

    enum Event: DomainEvent, Equatable {
        case opened
        case deposited(amount: Int)
        case withdrew(amount: Int)

        var eventType: String {
            switch self {
            case .opened: "account.opened"
            case .deposited: "account.deposited"
            case .withdrew: "account.withdrew"
            }
        }
    }

    struct Refused: Error, Equatable {
        var reason: String
    }

    static let initialState = State()

    static func decide(_ command: Command, state: State) throws -> [Event] {
        switch command {
        case .open:
            return state.isOpen ? [] : [.opened]
        case .deposit(let amount):
            guard state.isOpen else { throw Refused(reason: "account not open") }
            return [.deposited(amount: amount)]
        case .withdraw(let amount):
            guard state.isOpen else { throw Refused(reason: "account not open") }
            guard amount <= state.balance else { throw Refused(reason: "balance \(state.balance) < \(amount)") }
            return [.withdrew(amount: amount)]
        }
    }

    static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .opened: state.isOpen = true
        case .deposited(let amount): state.balance += amount
        case .withdrew(let amount): state.balance -= amount
        }
        return state
    }
}

/// A store that lets another writer in just before the next `times` appends to `stream`: the race
/// an aggregate's expected version exists for.
final class InterferingStore: EventStore {
    let inner: any EventStore
    let stream: String
    let competitor: @Sendable () -> NewEvent
    private let remaining: Mutex<Int>

    init(_ inner: any EventStore, on stream: String, times: Int, competitor: @escaping @Sendable () -> NewEvent) {
        self.inner = inner
        self.stream = stream
        self.competitor = competitor
        remaining = Mutex(times)
    }

    func append(_ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion) throws -> AppendResult {
        let interfere = stream == self.stream && remaining.withLock { remaining in
            defer { remaining -= 1 }
            return remaining > 0
        }
        if interfere { try inner.append([competitor()], to: stream, expectedVersion: .any) }
        return try inner.append(events, to: stream, expectedVersion: expectedVersion)
    }

    func read(stream: String, after version: Int64, limit: Int) throws -> [RecordedEvent] {
        try inner.read(stream: stream, after: version, limit: limit)
    }
    func readAll(after position: Int64, limit: Int) throws -> [RecordedEvent] { try inner.readAll(after: position, limit: limit) }
    func version(of stream: String) throws -> Int64 { try inner.version(of: stream) }
    func headPosition() throws -> Int64 { try inner.headPosition() }
    func checkpoint(of subscriber: String) throws -> Int64? { try inner.checkpoint(of: subscriber) }
    func saveCheckpoint(_ position: Int64, of subscriber: String) throws { try inner.saveCheckpoint(position, of: subscriber) }
    func waitForAppend(after position: Int64) async throws { try await inner.waitForAppend(after: position) }
}

