import Foundation
import OTLP
import OTLPProto
import Telemetry
import Testing

@Suite("WatchedSystem")
struct WatchedSystemTests {
    /// frontend → orders → payments, as three processes would report it (children first).
    private func chain(trace: UInt8, paymentFails: Bool) -> OTLPTraceRequest {
        traceRequest([
            (resource("payments", instance: "payments-1"), [span(trace, 5, parent: 4, name: "POST /charge", offset: 2, milliseconds: 3, error: paymentFails,
                                                                 attributes: [("http.route", "/charge")])]),
            (resource("orders", instance: "orders-1"), [span(trace, 3, parent: 2, name: "POST /orders", offset: 1, milliseconds: 6, error: paymentFails),
                                                        span(trace, 4, parent: 3, name: "POST payments", kind: .client, offset: 2, milliseconds: 4)]),
            (resource("frontend", instance: "frontend-1"), [span(trace, 1, name: "GET /checkout", milliseconds: 9),
                                                            span(trace, 2, parent: 1, name: "POST orders", kind: .client, offset: 1, milliseconds: 7)]),
        ])
    }

    @Test("services, routes, calls and request figures come from the spans")
    func derivesTheSystem() {
        let (system, clock) = makeSystem()
        for trace in 1...10 {
            let result = system.ingest(chain(trace: UInt8(trace), paymentFails: trace <= 2))
            #expect(result == WatchedSystem.IngestResult(accepted: 5, rejected: 0, message: nil))
        }
        clock.advance(by: .seconds(1))
        system.metrics.tick()
        let snapshot = system.snapshot(window: 10)
        #expect(snapshot.services.map(\.name) == ["frontend", "orders", "payments"])
        let payments = snapshot.services[2]
        #expect(payments.requestsTotal == 10)
        #expect(abs(payments.errorRatio - 0.2) < 1e-9)
        #expect(payments.latency?.count == 10)
        #expect(payments.instances.map(\.id) == ["payments-1"])
        #expect(snapshot.services[0].dependencies == ["orders"])
        #expect(snapshot.services[1].dependencies == ["payments"])
        #expect(snapshot.edges.map(\.id) == ["frontend->orders", "orders->payments"])
        #expect(snapshot.routes.map(\.id) == ["frontend GET /checkout", "orders POST /orders", "payments /charge"])
        // Only the root's server span is an entry request: ten in the one closed second, none
        // failed at the edge; every service served ten in it.
        #expect(snapshot.totals.rps == 10)
        #expect(snapshot.services.map(\.rps) == [10, 10, 10])
        #expect(snapshot.totals.errorRatio == 0)
        #expect(snapshot.traces.count == 10)
    }

    @Test("a trace arriving in pieces is assembled with its parents and the senders' resources")
    func assemblesTraces() throws {
        let (system, _) = makeSystem()
        _ = system.ingest(chain(trace: 7, paymentFails: false))
        let tree = try #require(system.traceTree(id: "00000000000000000000000000000007"))
        #expect(tree.spans.map(\.operation) == ["GET /checkout", "POST orders", "POST /orders", "POST payments", "POST /charge"])
        #expect(tree.spans.map(\.depth) == [0, 1, 2, 3, 4])
        #expect(tree.spans.allSatisfy { !$0.isOrphan })
        #expect(tree.spans[4].attributes["resource.service.name"] == "payments")
        #expect(tree.spans[4].attributes["resource.service.instance.id"] == "payments-1")
        #expect(tree.spans[4].attributes["otel.scope.name"] == "test")
        #expect(tree.spans[1].kind == .client)
        #expect(abs(tree.durationMs - 9) < 1e-9)
    }

    @Test("invalid ids are refused one by one, with why, and the rest is kept", arguments: [
        (traceID(0), spanID(1), "a trace id is all zero"),
        (traceID(1).prefix(8), spanID(1), "a trace id is 8 bytes, not 16"),
        (traceID(1), spanID(0), "a span id is all zero"),
        (traceID(1), spanID(1) + spanID(1), "a span id is 16 bytes, not 8"),
    ])
    func refusesInvalidIDs(trace: Data, span id: Data, reason: String) {
        let (system, _) = makeSystem()
        var bad = span(1, 1, name: "bad")
        bad.traceID = trace
        bad.spanID = id
        let result = system.ingest(traceRequest([(resource("svc"), [bad, span(2, 2, name: "good")])]))
        #expect(result.accepted == 1)
        #expect(result.rejected == 1)
        #expect(result.message == reason)
        #expect(system.traces.stats.storedTraces == 1)
        #expect(system.snapshot().dropped.spans == 1)
    }

    @Test("a parent id of the wrong length is refused; an empty one is a root")
    func parentIDs() {
        let (system, _) = makeSystem()
        var odd = span(1, 1, name: "odd")
        odd.parentSpanID = spanID(1).prefix(4)
        let result = system.ingest(traceRequest([(resource("svc"), [odd, span(2, 2, name: "root")])]))
        #expect(result.rejected == 1)
        #expect(result.message == "a parent span id is 4 bytes, not 8 or none")
    }

    @Test("services beyond the bound are refused whole; known ones go on")
    func boundsServices() {
        let (system, _) = makeSystem(.init(maxServices: 2))
        _ = system.ingest(traceRequest([(resource("a"), [span(1, 1, name: "x")]), (resource("b"), [span(2, 2, name: "x")])]))
        let result = system.ingest(traceRequest([(resource("c"), [span(3, 3, name: "x"), span(3, 4, name: "y")]), (resource("a"), [span(4, 5, name: "x")])]))
        #expect(result.accepted == 1)
        #expect(result.rejected == 2)
        #expect(result.message?.contains("c instance c was refused") == true)
        #expect(system.snapshot().services.map(\.name) == ["a", "b"])
    }

    @Test("routes beyond the bound count under (other)")
    func boundsRoutes() {
        let (system, _) = makeSystem(.init(maxRoutesPerService: 2))
        _ = system.ingest(traceRequest([(resource("svc"), (1...5).map { span(UInt8($0), UInt8($0), name: "GET /item/\($0)") })]))
        let routes = system.snapshot().routes.map(\.route)
        #expect(routes == ["(other)", "GET /item/1", "GET /item/2"])
        #expect(system.snapshot().routes.first?.requestsTotal == 3)
    }

    @Test("an instance that sends nothing for the silence bound is down, and so is a service of only such")
    func silentInstances() {
        let (system, clock) = makeSystem(.init(silentAfter: .seconds(30)))
        _ = system.ingest(traceRequest([(resource("svc", instance: "i-1"), [span(1, 1, name: "x")])]))
        clock.advance(by: .seconds(31))
        let service = system.snapshot().services[0]
        #expect(service.instances[0].health.state == .down)
        #expect(service.health == Health(.down, reason: "nothing received for 31 s"))
    }

    @Test("a consumer span under another service's producer is a message on its topic")
    func messages() {
        let (system, clock) = makeSystem()
        _ = system.ingest(traceRequest([
            (resource("orders"), [span(1, 1, name: "publish", kind: .producer)]),
            (resource("mailer"), [span(1, 2, parent: 1, name: "order-placed process", kind: .consumer, attributes: [("messaging.destination.name", "order-placed")])]),
        ]))
        clock.advance(by: .seconds(1))
        system.metrics.tick()
        let edges = system.snapshot().edges
        #expect(edges.map(\.id) == ["orders-[order-placed]->mailer"])
        #expect(edges.first?.kind == .event)
    }

    @Test("a span with an end before its start is kept with no duration")
    func endBeforeStart() throws {
        let (system, _) = makeSystem()
        var backwards = span(1, 1, name: "x")
        backwards.endTimeUnixNano = backwards.startTimeUnixNano - 5
        #expect(system.ingest(traceRequest([(resource("svc"), [backwards])])).accepted == 1)
        #expect(try #require(system.traceTree(id: "00000000000000000000000000000001")).durationMs == 0)
    }
}
