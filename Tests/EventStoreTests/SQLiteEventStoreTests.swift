import EventStore
import Foundation
import Testing

@Suite("SQLiteEventStore")
struct SQLiteEventStoreTests {
    @Test("the file is in WAL mode and appends sync on every commit (FULL) unless told otherwise")
    func walAndSynchronous() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let time = RecordingTime.fixed(unixNanoseconds: 0)
        let durable = try SQLiteEventStore(path: directory.path + "/full.sqlite", time: time)
        #expect(try durable.journalMode() == "wal")
        #expect(try durable.writerSynchronousLevel() == 2)
        let relaxed = try SQLiteEventStore(path: directory.path + "/normal.sqlite", time: time, durability: .normal)
        #expect(try relaxed.writerSynchronousLevel() == 1)
    }

    @Test("events, versions, positions and checkpoints survive closing and reopening the file")
    func reopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/events.sqlite"
        let time = RecordingTime.fixed(unixNanoseconds: 42)
        do {
            let store = try SQLiteEventStore(path: path, time: time)
            try store.append(events("a", 3), to: "account-a", expectedVersion: .noStream)
            try store.append(events("b", 1), to: "account-b", expectedVersion: .noStream)
            try store.saveCheckpoint(3, of: "balances")
        }
        let reopened = try SQLiteEventStore(path: path, time: time)
        #expect(try reopened.headPosition() == 4)
        #expect(try reopened.version(of: "account-a") == 3)
        #expect(try reopened.checkpoint(of: "balances") == 3)
        #expect(throws: VersionConflict(stream: "account-a", expected: .noStream, actual: 3)) {
            try reopened.append(events("x", 1), to: "account-a", expectedVersion: .noStream)
        }
        // Ids stay unique across the reopen, and positions go on from the head.
        #expect(try reopened.append(events("a", 3), to: "account-a", expectedVersion: .any).alreadyStored)
        let next = try reopened.append(events("a", 1, from: 4), to: "account-a", expectedVersion: .exactly(3))
        #expect(next.firstPosition == 5 && next.lastVersion == 4)
        // A subscription of the reopened store starts from the head read at open.
        var iterator = reopened.subscribe(after: 4).makeAsyncIterator()
        #expect(try await iterator.next()?.id == EventID("a-4"))
    }
}

@Suite("EventIDGenerator")
struct EventIDGeneratorTests {
    @Test("ids are UUID-shaped (version 4), distinct, and the same for the same seed")
    func seededIDs() {
        let first = EventIDGenerator(seed: 7), again = EventIDGenerator(seed: 7), other = EventIDGenerator(seed: 8)
        let ids = (0..<1_000).map { _ in first.next() }
        #expect(ids == (0..<1_000).map { _ in again.next() })
        #expect(Set(ids).count == 1_000)
        #expect(other.next() != ids[0])
        let pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
        for id in ids { #expect(id.rawValue.wholeMatch(of: pattern) != nil, "\(id)") }
    }

    @Test("ids parse as UUIDs")
    func parsesAsUUID() {
        let id = EventIDGenerator(seed: 1).next()
        #expect(UUID(uuidString: id.rawValue)?.uuidString.lowercased() == id.rawValue)
    }
}

@Suite("RecordingTime")
struct RecordingTimeTests {
    @Test("time on a clock is its origin plus how far the clock moved")
    func clockTime() async throws {
        let clock = StepClock()
        let time = RecordingTime(clock: clock, originUnixNanoseconds: 1_000_000_000)
        #expect(time.unixNanoseconds() == 1_000_000_000)
        clock.advance(by: .milliseconds(1_500))
        #expect(time.unixNanoseconds() == 2_500_000_000)
    }
}
