import Foundation
import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

/// `Mesh.observe`'s edges, from real calls and deliveries on a manual clock.
@Suite("Snapshot edges from calls and events")
struct ObserveEdgesTests {
    struct Note: Codable { var n: Int }

    /// svc answers; broken always answers 503.
    func twoServices(_ test: TestMesh) {
        test.mesh.deploy(StubService.echo("svc"))
        test.mesh.deploy(StubService("broken") { router in
            router.get("/fail") { _, _ in Response(status: 503) }
        })
    }

    @Test("call edges: calls per second, the share not answered below 500, and the breaker's state, open or forced")
    func callEdges() async throws {
        let test = TestMesh(policy: breakerOnly(failures: 3))
        twoServices(test)
        let client = test.mesh.client(as: "caller")
        for _ in 0..<8 { #expect(try await client.get("svc", "/echo/x").status == 200) }
        for _ in 0..<5 { _ = try? await client.get("broken", "/fail") } // three 503s open the breaker; two rejected
        test.closeSecond()
        #expect(test.mesh.observe(window: 1).edges == [
            EdgeStatus(caller: "caller", target: "broken", kind: .call, rps: 5, errorRatio: 1, breakerId: "caller->broken", breaker: .open),
            EdgeStatus(caller: "caller", target: "svc", kind: .call, rps: 8, errorRatio: 0, breakerId: "caller->svc", breaker: .closed),
        ])

        // Tripped by hand: its calls are rejected and count against it; the quiet edge stays, at 0/s.
        try test.mesh.perform(.tripBreaker(id: "caller->svc", forSeconds: nil), origin: "test")
        for _ in 0..<2 { _ = try? await client.get("svc", "/echo/y") }
        #expect(try await test.mesh.client(as: "other").get("svc", "/echo/z").status == 200)
        test.closeSecond()
        let edges = test.mesh.observe(window: 1).edges
        #expect(edges.map(\.id) == ["caller->broken", "caller->svc", "other->svc"])
        #expect(edges[0].rps == 0 && edges[0].errorRatio == 0 && edges[0].breaker == .open)
        #expect(edges[1].rps == 2 && edges[1].errorRatio == 1 && edges[1].breaker == .forcedOpen)
        #expect(edges[2] == EdgeStatus(caller: "other", target: "svc", rps: 1, breakerId: "other->svc", breaker: .closed))
    }

    @Test("with no breaker in the policy an edge has none; 4xx are answers, not errors")
    func edgeWithoutBreaker() async throws {
        let test = TestMesh()
        twoServices(test)
        let client = test.mesh.client(as: "caller")
        for _ in 0..<3 { _ = try await client.get("svc", "/echo/x") }
        #expect(try await client.get("svc", "/no-such-route").status == 404)
        test.closeSecond()
        #expect(test.mesh.observe(window: 1).edges == [EdgeStatus(caller: "caller", target: "svc", rps: 4, errorRatio: 0)])
    }

    @Test("an event edge reads publisher → subscriber with its topic, delivery attempts and the delivery channel's breaker; the bus's own calls are not listed again")
    func eventEdges() async throws {
        let test = TestMesh(policy: breakerOnly(failures: 3))
        let refusedOnce = CallCounter()
        test.mesh.deploy(StubService("notifier") { router in
            router.post("/events") { _, _ in
                refusedOnce.hit("calls")
                return refusedOnce["calls"] == 1 ? Response(status: 503) : Response(status: 202)
            }
        })
        let bus = test.mesh.eventBus
        let delivery = test.mesh.client(as: EventBus.clientName)
        let (delivered, deliveredSink) = AsyncStream.makeStream(of: Void.self)
        bus.subscribe("orders", as: "notifier") { envelope in
            let response = try await delivery.post("notifier", "/events", json: envelope)
            guard response.isSuccess else { throw HTTPError(response.status, "delivery failed") }
            deliveredSink.yield()
        }
        for n in 1...3 { try bus.publish("orders", type: "order.confirmed", data: Note(n: n), source: "shop") }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            // The first attempt fails and is retried after the bus's 100 ms delay.
            await test.clock.waitForSleepers(count: 1)
            test.clock.advance(by: .milliseconds(100))
            var iterator = delivered.makeAsyncIterator()
            for _ in 1...3 { _ = await iterator.next() }
            group.cancelAll()
        }
        test.closeSecond()
        #expect(test.mesh.observe(window: 1).edges == [
            EdgeStatus(caller: "shop", target: "notifier", kind: .event, topic: "orders", rps: 4, errorRatio: 0.25,
                       breakerId: "event-bus->notifier", breaker: .closed),
        ])
    }

    @Test("a topic with two publishers draws an edge from each, with its own deliveries")
    func twoPublishers() async throws {
        let test = TestMesh()
        let bus = test.mesh.eventBus
        let (handled, handledSink) = AsyncStream.makeStream(of: Void.self)
        bus.subscribe("orders", as: "mailer") { _ in handledSink.yield() }
        for n in 1...3 { try bus.publish("orders", type: "order.confirmed", data: Note(n: n), source: "shop") }
        try bus.publish("orders", type: "order.refunded", data: Note(n: 4), source: "refunds")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            var iterator = handled.makeAsyncIterator()
            for _ in 1...4 { _ = await iterator.next() }
            group.cancelAll()
        }
        test.closeSecond()
        #expect(test.mesh.observe(window: 1).edges == [
            EdgeStatus(caller: "refunds", target: "mailer", kind: .event, topic: "orders", rps: 1),
            EdgeStatus(caller: "shop", target: "mailer", kind: .event, topic: "orders", rps: 3),
        ])
    }
}
