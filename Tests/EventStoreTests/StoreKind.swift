import EventStore
import Foundation
import Synchronization
import Testing

/// The implementations every conformance test runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh, empty store of this kind; an SQLite store lives in a new temporary directory that
    /// is removed afterwards. It syncs at `NORMAL`: the contract does not depend on the sync level
    /// (`SQLiteEventStoreTests` checks that `FULL` is the default), and hundreds of fsyncs of
    /// several milliseconds each would only slow the suite.
    func withStore<T>(time: RecordingTime = .fixed(unixNanoseconds: 1_700_000_000_000_000_000),
                      _ body: (any EventStore) async throws -> T) async throws -> T {
        switch self {
        case .inMemory:
            return try await body(InMemoryEventStore(time: time))
        case .sqlite:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            return try await body(SQLiteEventStore(path: directory.path + "/events.sqlite", time: time, durability: .normal))
        }
    }
}

/// A directory under the system's temporary directory, made with `mkdtemp` (no global randomness
/// in the test's own code), removed by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/event-store-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw EventStoreError(.invalidArgument, "could not make a temporary directory: errno \(errno)")
        }
        path = String(cString: made)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A recording time the test sets by hand.
final class SettableTime: Sendable {
    private let now: Mutex<Int64>
    init(_ start: Int64) { now = Mutex(start) }
    func set(_ value: Int64) { now.withLock { $0 = value } }
    var recording: RecordingTime { RecordingTime { self.now.withLock { $0 } } }
}

/// `count` events with ids `prefix-1`, `prefix-2`…, type `test.happened`, data `{"n":i}`.
func events(_ prefix: String, _ count: Int, from first: Int = 1) -> [NewEvent] {
    (first..<(first + count)).map { index in
        NewEvent(id: EventID("\(prefix)-\(index)"), type: "test.happened", data: Data("{\"n\":\(index)}".utf8))
    }
}

/// A count shared between a test and the tasks it starts.
final class SharedCount: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
