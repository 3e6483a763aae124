import EventStore
import Foundation
import Synchronization
import Testing
import TestSupport

/// The ``EventStore`` contract, run against every implementation.
@Suite("EventStore conformance")
struct EventStoreConformanceTests {
    @Test("appends get consecutive versions per stream and increasing positions across streams", arguments: StoreKind.allCases)
    func versionsAndPositions(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let first = try store.append(events("a", 2), to: "account-a", expectedVersion: .noStream)
            #expect(first == AppendResult(stream: "account-a", lastVersion: 2, firstPosition: 1, lastPosition: 2, alreadyStored: false))
            try store.append(events("b", 1), to: "account-b", expectedVersion: .noStream)
            let third = try store.append(events("a", 2, from: 3), to: "account-a", expectedVersion: .exactly(2))
            #expect(third.firstPosition == 4 && third.lastPosition == 5 && third.lastVersion == 4)

            let all = try store.readAll(after: 0, limit: 100)
            #expect(all.map(\.position) == [1, 2, 3, 4, 5])
            #expect(all.map(\.id.rawValue) == ["a-1", "a-2", "b-1", "a-3", "a-4"])
            #expect(all.map(\.version) == [1, 2, 1, 3, 4])
            #expect(try store.read(stream: "account-a").map(\.version) == [1, 2, 3, 4])
            #expect(try store.version(of: "account-a") == 4)
            #expect(try store.version(of: "account-b") == 1)
            #expect(try store.version(of: "nobody") == 0)
            #expect(try store.headPosition() == 5)
        }
    }

    @Test("a wrong expected version is a conflict that says expected vs actual, and writes nothing", arguments: StoreKind.allCases)
    func expectedVersions(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try store.append(events("o", 1), to: "order-1", expectedVersion: .exactly(0))
            #expect(throws: VersionConflict(stream: "order-1", expected: .noStream, actual: 1)) {
                try store.append(events("x", 1), to: "order-1", expectedVersion: .noStream)
            }
            let conflict = #expect(throws: VersionConflict.self) {
                try store.append(events("x", 1), to: "order-1", expectedVersion: .exactly(3))
            }
            #expect(conflict?.description.contains("expected version 3, but it is at version 1") == true)
            #expect(throws: VersionConflict(stream: "order-2", expected: .exactly(1), actual: 0)) {
                try store.append(events("y", 1), to: "order-2", expectedVersion: .exactly(1))
            }
            #expect(try store.headPosition() == 1)

            try store.append(events("o", 1, from: 2), to: "order-1", expectedVersion: .exactly(1))
            try store.append(events("o", 1, from: 3), to: "order-1", expectedVersion: .any)
            try store.append(events("p", 1), to: "order-2", expectedVersion: .any)
            #expect(try store.read(stream: "order-1").map(\.id.rawValue) == ["o-1", "o-2", "o-3"])
        }
    }

    @Test("a stream reads forward after a version, and the global stream after a position, in pages", arguments: StoreKind.allCases)
    func readingForward(kind: StoreKind) async throws {
        try await kind.withStore { store in
            for index in 1...5 {
                try store.append(events("s", 1, from: index), to: "s", expectedVersion: .any)
                try store.append(events("t", 1, from: index), to: "t", expectedVersion: .any)
            }
            #expect(try store.read(stream: "s", after: 2, limit: 2).map(\.version) == [3, 4])
            #expect(try store.read(stream: "s", after: 5, limit: 10).isEmpty)
            #expect(try store.read(stream: "s", after: 9, limit: 10).isEmpty)
            #expect(try store.readAll(after: 7, limit: 2).map(\.position) == [8, 9])
            #expect(try store.readAll(after: 10, limit: 2).isEmpty)
        }
    }

    @Test("repeating a whole append is a no-op that returns the earlier result; a partial or cross-stream repeat is refused", arguments: StoreKind.allCases)
    func idempotentAppends(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let original = try store.append(events("e", 2), to: "outbox", expectedVersion: .noStream)
            try store.append(events("f", 1), to: "outbox", expectedVersion: .exactly(2))
            // The retry carries the same expected version as the first try; the stream moved on since.
            let repeated = try store.append(events("e", 2), to: "outbox", expectedVersion: .noStream)
            #expect(repeated == AppendResult(stream: "outbox", lastVersion: 2, firstPosition: 1, lastPosition: 2, alreadyStored: true))
            #expect(original.alreadyStored == false)
            let again = try store.append(events("e", 2), to: "outbox", expectedVersion: .any)
            #expect(again.alreadyStored && again.lastPosition == 2)
            #expect(try store.headPosition() == 3)

            let partial = #expect(throws: EventStoreError.self) {
                try store.append(events("e", 2, from: 2), to: "outbox", expectedVersion: .any)
            }
            #expect(partial?.code == .duplicateEventID)
            let elsewhere = #expect(throws: EventStoreError.self) {
                try store.append(events("e", 1), to: "other", expectedVersion: .any)
            }
            #expect(elsewhere?.code == .duplicateEventID)
            #expect(elsewhere?.message.contains("already stored in stream 'outbox'") == true)
            let twice = #expect(throws: EventStoreError.self) {
                try store.append(events("g", 1) + events("g", 1), to: "outbox", expectedVersion: .any)
            }
            #expect(twice?.code == .duplicateEventID)
            #expect(try store.headPosition() == 3)
            #expect(try store.version(of: "other") == 0)
        }
    }

    @Test("type, data, metadata and the injected recording time come back as appended", arguments: StoreKind.allCases)
    func roundTrip(kind: StoreKind) async throws {
        let time = SettableTime(1_000)
        try await kind.withStore(time: time.recording) { store in
            let metadata = EventMetadata(
                traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "meshtop=1",
                correlationID: "order-42", causationID: "command-7", attributes: ["tenant": "acme", "a": "b"])
            let event = NewEvent(id: EventID("id-1"), type: "order.created", data: Data([0, 1, 2, 255]), metadata: metadata)
            time.set(1_700_000_000_123_456_789)
            try store.append([event], to: "order-42", expectedVersion: .noStream)
            time.set(1_700_000_001_000_000_000)
            try store.append(events("plain", 1), to: "order-42", expectedVersion: .exactly(1))

            let read = try store.read(stream: "order-42")
            #expect(read.count == 2)
            #expect(read[0] == RecordedEvent(id: EventID("id-1"), stream: "order-42", version: 1, position: 1, type: "order.created",
                                             data: Data([0, 1, 2, 255]), metadata: metadata,
                                             recordedAtUnixNanoseconds: 1_700_000_000_123_456_789))
            #expect(read[1].metadata == EventMetadata())
            #expect(read[1].recordedAtUnixNanoseconds == 1_700_000_001_000_000_000)
        }
    }

    @Test("bad input is refused with a message saying what is accepted", arguments: StoreKind.allCases)
    func badInput(kind: StoreKind) async throws {
        try await kind.withStore { store in
            func code(_ body: () throws -> Void) -> EventStoreError.Code? {
                do { try body() } catch let error as EventStoreError { return error.code } catch { return nil }
                return nil
            }
            #expect(code { try store.append(events("a", 1), to: "", expectedVersion: .any) } == .invalidArgument)
            #expect(code { try store.append([], to: "s", expectedVersion: .any) } == .invalidArgument)
            #expect(code { try store.append([NewEvent(id: EventID("x"), type: "", data: Data())], to: "s", expectedVersion: .any) } == .invalidArgument)
            #expect(code { try store.append([NewEvent(id: EventID(""), type: "t", data: Data())], to: "s", expectedVersion: .any) } == .invalidArgument)
            #expect(code { _ = try store.readAll(after: 0, limit: 0) } == .invalidArgument)
            #expect(code { _ = try store.readAll(after: -1, limit: 10) } == .invalidArgument)
            #expect(code { _ = try store.read(stream: "s", after: -1, limit: 10) } == .invalidArgument)
            #expect(code { try store.saveCheckpoint(-2, of: "projection") } == .invalidArgument)
            #expect(code { try store.saveCheckpoint(2, of: "") } == .invalidArgument)
            let message = try #require(#expect(throws: EventStoreError.self) { _ = try store.readAll(after: 0, limit: 0) })
            #expect(message.description == "event store: a read limit must be at least 1, got 0")
            #expect(try store.headPosition() == 0)
        }
    }

    @Test("checkpoints are stored per subscriber name and replaced on save", arguments: StoreKind.allCases)
    func checkpoints(kind: StoreKind) async throws {
        try await kind.withStore { store in
            #expect(try store.checkpoint(of: "balances") == nil)
            try store.saveCheckpoint(12, of: "balances")
            try store.saveCheckpoint(3, of: "emails")
            try store.saveCheckpoint(15, of: "balances")
            #expect(try store.checkpoint(of: "balances") == 15)
            #expect(try store.checkpoint(of: "emails") == 3)
        }
    }

    @Test("a subscription delivers history, then live appends, in global order", arguments: StoreKind.allCases)
    func subscriptionCatchUpThenLive(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try store.append(events("h", 5), to: "history", expectedVersion: .noStream)
            var iterator = store.subscribe(after: 2, batchSize: 2).makeAsyncIterator()
            var seen: [Int64] = []
            for _ in 0..<3 { seen.append(try #require(try await iterator.next()).position) }
            #expect(seen == [3, 4, 5])

            // At the head now: the next read waits for the append a child makes.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try store.append(events("l", 2), to: "live", expectedVersion: .noStream) }
                for _ in 0..<2 { seen.append(try #require(try await iterator.next()).position) }
                try await group.waitForAll()
            }
            #expect(seen == [3, 4, 5, 6, 7])
        }
    }

    @Test("catch-up turns live with no gap and no duplicate while appends race it", arguments: StoreKind.allCases)
    func seamUnderRacingAppends(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let history = 300, racing = 600
            for index in 0..<(history / 10) {
                try store.append(events("h", 10, from: index * 10 + 1), to: "history-\(index % 7)", expectedVersion: .any)
            }
            let delivered = try await withThrowingTaskGroup(of: [RecordedEvent].self) { group in
                group.addTask {
                    for index in 1...racing {
                        try store.append(events("r", 1, from: index), to: "race-\(index % 5)", expectedVersion: .any)
                        if index % 16 == 0 { await Task.yield() }
                    }
                    return []
                }
                group.addTask {
                    var received: [RecordedEvent] = []
                    // Small batches: catch-up takes many reads, each racing the writer.
                    for try await event in store.subscribe(after: 0, batchSize: 7) {
                        received.append(event)
                        if received.count == history + racing { break }
                    }
                    return received
                }
                var delivered: [RecordedEvent] = []
                for try await result in group where !result.isEmpty { delivered = result }
                return delivered
            }
            #expect(delivered.map(\.position) == Array(1...Int64(history + racing)))
            #expect(delivered == (try store.readAll(after: 0, limit: history + racing + 1)))
        }
    }

    @Test("a subscription resumes after its subscriber's checkpoint", arguments: StoreKind.allCases)
    func resumeFromCheckpoint(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try store.append(events("e", 6), to: "s", expectedVersion: .noStream)
            try store.saveCheckpoint(4, of: "mailer")
            var iterator = try store.subscribe(resumingAs: "mailer").makeAsyncIterator()
            #expect(try await iterator.next()?.position == 5)
            var fresh = try store.subscribe(resumingAs: "newcomer").makeAsyncIterator()
            #expect(try await fresh.next()?.position == 1)
        }
    }

    @Test("a subscription waiting at the head ends when its task is cancelled", arguments: StoreKind.allCases)
    func cancellationEndsSubscription(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try store.append(events("e", 1), to: "s", expectedVersion: .noStream)
            let received = SharedCount()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in store.subscribe() { received.increment() }
                }
                await waitUntil { received.value == 1 }
                group.cancelAll()
                try await group.waitForAll()
            }
            #expect(received.value == 1)
        }
    }
}
