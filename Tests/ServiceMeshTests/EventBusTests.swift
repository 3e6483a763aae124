import Foundation
@testable import ServiceMesh
import Telemetry
import Testing
import TestSupport
import Tracing

@Suite("Event bus")
struct EventBusTests {
    struct Note: Codable, Equatable { var n: Int }

    @Test("delivers in publish order per subscriber, to every subscriber of the topic")
    func ordering() async throws {
        let test = TestMesh()
        let bus = test.mesh.eventBus
        let (seen, seenSink) = AsyncStream.makeStream(of: String.self)
        bus.subscribe("orders", as: "a") { seenSink.yield("a\(try $0.decode(Note.self).n)") }
        bus.subscribe("orders", as: "b") { seenSink.yield("b\(try $0.decode(Note.self).n)") }
        bus.subscribe("other", as: "c") { _ in seenSink.yield("c") }
        for n in 1...5 { try bus.publish("orders", type: "order.placed", data: Note(n: n), source: "orders") }
        let running = Task { await bus.run() }
        var got: [String] = []
        for await item in seen {
            got.append(item)
            if got.count == 10 { break }
        }
        running.cancel()
        #expect(got.filter { $0.hasPrefix("a") } == ["a1", "a2", "a3", "a4", "a5"])
        #expect(got.filter { $0.hasPrefix("b") } == ["b1", "b2", "b3", "b4", "b5"])
        #expect(bus.pendingCount == 0)
    }

    @Test("a partitioned subscription keeps each key's events in order and delivers other keys while one is held up")
    func partitionsKeepOrderPerKey() async throws {
        let test = TestMesh()
        let bus = test.mesh.eventBus
        let partitions = 4
        let partition = { (key: String) in key.hashValueStable % UInt64(partitions) }
        let others = (0..<50).map { "order-\($0)" }.filter { partition($0) != partition("held") }.prefix(2)
        let (seen, seenSink) = AsyncStream.makeStream(of: String.self)
        bus.subscribe("orders", as: "notifier", partitions: partitions) { envelope in
            let n = try envelope.decode(Note.self).n
            // The held key's first event waits on the clock: its partition stops, the others go on.
            if envelope.key == "held", n == 1 { try await test.clock.sleep(for: .seconds(1)) }
            seenSink.yield("\(envelope.key ?? "-")#\(n)")
        }
        for key in ["held"] + others {
            for n in 1...2 { try bus.publish("orders", type: "order.placed", data: Note(n: n), source: "orders", key: key) }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            var iterator = seen.makeAsyncIterator()
            var whileHeld: [String] = []
            for _ in 0..<(2 * others.count) { whileHeld.append(await iterator.next()!) }
            await test.clock.waitForSleepers(count: 1)
            #expect(bus.pendingCount == 2, "the held event and the one behind it")
            test.clock.advance(by: .seconds(1))
            let afterwards = [await iterator.next()!, await iterator.next()!]
            group.cancelAll()
            for key in others {
                #expect(whileHeld.filter { $0.hasPrefix("\(key)#") } == ["\(key)#1", "\(key)#2"])
            }
            #expect(afterwards == ["held#1", "held#2"])
        }
        #expect(bus.pendingCount == 0)
    }

    @Test("lag: events queued, how long the oldest has waited, and the worst of both since start")
    func lag() async throws {
        let test = TestMesh()
        let bus = test.mesh.eventBus
        // Each event takes a second of the clock to handle.
        bus.subscribe("mail", as: "mailer") { _ in try await test.clock.sleep(for: .seconds(1)) }
        for n in 1...3 { try bus.publish("mail", type: "mail.send", data: Note(n: n), source: "shop") }
        #expect(bus.lag(of: "mailer") == [SubscriptionStatus(topic: "mail", queued: 3, peakQueued: 3)])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            await test.clock.waitForSleepers(count: 1)
            test.clock.advance(by: .milliseconds(500))
            #expect(bus.lag(of: "mailer") == [SubscriptionStatus(topic: "mail", queued: 3, secondsBehind: 0.5, peakQueued: 3)])
            test.clock.advance(by: .milliseconds(500))
            // The first is handled; the second started a second after it was published.
            await waitUntil("the first event handled") { bus.pendingCount == 2 }
            await test.clock.waitForSleepers(count: 1)
            #expect(bus.lag(of: "mailer") == [SubscriptionStatus(topic: "mail", queued: 2, secondsBehind: 1, peakQueued: 3, peakSecondsBehind: 1)])
            group.cancelAll()
        }
        #expect(bus.lag(of: "nobody").isEmpty)
    }

    @Test("retries a failing handler with backoff, then dead-letters it after the last attempt and moves on")
    func retriesAndDeadLetters() async throws {
        let test = TestMesh()
        let bus = test.mesh.eventBus
        let attempts = CallCounter()
        let (done, doneSink) = AsyncStream.makeStream(of: Int.self)
        struct Refused: Error, CustomStringConvertible { var description: String { "mailbox full" } }
        bus.subscribe("mail", as: "mailer") { envelope in
            let n = try envelope.decode(Note.self).n
            attempts.hit("\(n)")
            if n == 1 && attempts["1"] < 3 { throw Refused() } // succeeds on the third attempt
            if n == 2 { throw Refused() } // never succeeds
            doneSink.yield(n)
        }
        for n in 1...3 { try bus.publish("mail", type: "mail.send", data: Note(n: n), source: "shop") }
        let running = Task { await bus.run() }
        // Event 1: two failures, waits 100 ms then 200 ms.
        for delay in [100, 200] {
            await test.clock.waitForSleepers(count: 1)
            test.clock.advance(by: .milliseconds(delay))
        }
        var iterator = done.makeAsyncIterator()
        #expect(await iterator.next() == 1)
        // Event 2: five attempts, four waits (100, 200, 400, 800 ms), then the dead-letter list.
        for delay in [100, 200, 400, 800] {
            await test.clock.waitForSleepers(count: 1)
            test.clock.advance(by: .milliseconds(delay))
        }
        #expect(await iterator.next() == 3, "the next event is delivered after the dead letter")
        running.cancel()
        #expect(attempts["2"] == 5)
        let letter = try #require(bus.deadLetters.first)
        #expect(letter.attempts == 5)
        #expect(letter.lastError == "mailbox full")
        #expect(try letter.envelope.decode(Note.self) == Note(n: 2))
        #expect(test.events.recent(kinds: [.deadLetter]).first?.message == "mail.send evt-2 dead-lettered after 5 attempts: mailbox full")
        test.closeSecond()
        let store = test.mesh.telemetry.metricsStore
        #expect(store.total(.init(label: "events_published_total", matching: ["topic": "mail"])) == 3)
        #expect(store.total(.init(label: "events_delivered_total", matching: ["topic": "mail"])) == 2)
        #expect(store.total(.init(label: "events_failed_total", matching: ["topic": "mail"])) == 7)
        #expect(store.total(.init(label: "events_dead_lettered_total", matching: ["topic": "mail"])) == 1)
    }

    @Test("the consumer's span joins the producer's trace through the envelope")
    func traceContinuity() async throws {
        let test = TestMesh()
        let bus = test.mesh.eventBus
        let (done, doneSink) = AsyncStream.makeStream(of: Void.self)
        bus.subscribe("orders", as: "notifier") { _ in doneSink.yield() }
        test.mesh.deploy(StubService("orders") { router in
            router.post("/orders") { _, _ in
                try bus.publish("orders", type: "order.confirmed", data: Note(n: 1), source: "orders")
                return Response(status: 201)
            }
        })
        #expect(try await test.mesh.client().call("orders", Request(method: .post, path: "/orders")).status == 201)
        let running = Task { await bus.run() }
        var iterator = done.makeAsyncIterator()
        _ = await iterator.next()
        running.cancel()
        let summary = try #require(test.traces.recent(limit: 10).first { $0.rootOperation == "POST orders" })
        let tree = try #require(test.traces.tree(hex: summary.traceId))
        #expect(tree.spans.map { "\($0.depth) \($0.service) \($0.operation)" } == [
            "0 client POST orders",
            "1 orders POST /orders",
            "2 orders publish order.confirmed",
            "3 notifier consume order.confirmed",
        ])
    }
}
