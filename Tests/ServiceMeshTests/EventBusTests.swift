import Foundation
@testable import ServiceMesh
import Telemetry
import Testing
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
