@testable import HTTPEdge
import Hummingbird
import ServiceLifecycleTestKit
import Synchronization
import Telemetry
import Testing
import TestSupport

@Suite("The live feed: when it sends, when it ends")
struct SnapshotFeedTests {
    @Test("a graceful shutdown ends an open feed mid-interval: the server can stop")
    func endsOnGracefulShutdown() async throws {
        let clock = ManualClock()
        let writer = CollectingWriter()
        let feed = SnapshotFeed(provider: FakeProvider(), clock: clock, window: 10, interval: .seconds(5))
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await feed.body().write(writer) }
                await clock.waitForSleepers(count: 1)
                trigger.triggerGracefulShutdown()
                // The clock never moves: only the shutdown can end the wait.
                try await group.waitForAll()
            }
        }
        #expect(writer.events == 1)
        #expect(writer.finished)
    }

    @Test("a change (a control command) makes an open feed send a snapshot at once, not after its interval")
    func sendsAtOnceAfterAChange() async throws {
        let clock = ManualClock()
        let writer = CollectingWriter()
        let changes = Pulse()
        let feed = SnapshotFeed(provider: FakeProvider(), clock: clock, window: 10, interval: .seconds(5), changes: changes)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await feed.body().write(writer) }
            await waitUntil("the first event") { writer.events == 1 }
            // The clock never moves: only the change can bring the second event.
            changes.fire()
            await waitUntil("an event after the change") { writer.events == 2 }
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(writer.events == 2)
        #expect(writer.finished)
    }

    @Test("a client that goes (a write fails) ends the feed with that error")
    func endsWhenTheClientGoes() async throws {
        let clock = ManualClock()
        let writer = CollectingWriter(failAfter: 1)
        let feed = SnapshotFeed(provider: FakeProvider(), clock: clock, window: 10, interval: .milliseconds(100))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await #expect(throws: CollectingWriter.Gone.self) { try await feed.body().write(writer) }
            }
            await clock.waitForSleepers(count: 1)
            clock.advance(by: .milliseconds(100))
            try await group.waitForAll()
        }
        #expect(writer.events == 1)
        #expect(!writer.finished)
    }
}

/// A response body writer that counts events, and can fail like a closed connection.
final class CollectingWriter: ResponseBodyWriter, Sendable {
    struct Gone: Error {}
    private let failAfter: Int?
    private let state = Mutex<(events: Int, finished: Bool)>((0, false))

    init(failAfter: Int? = nil) {
        self.failAfter = failAfter
    }

    var events: Int { state.withLock { $0.events } }
    var finished: Bool { state.withLock { $0.finished } }

    func write(_ buffer: ByteBuffer) async throws {
        try state.withLock { state in
            if let failAfter, state.events >= failAfter { throw Gone() }
            state.events += 1
        }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {
        state.withLock { $0.finished = true }
    }
}
