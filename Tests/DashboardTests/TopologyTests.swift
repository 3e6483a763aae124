import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

@Suite("Topology layers")
struct TopologyLayersTests {
    typealias F = TopologyFixtures

    @Test func theGatewayIsLayerZeroAndEachServiceSitsBelowItsNearestCaller() {
        let layers = TopologyLayers(services: ["a", "b", "c", "gateway"], edges: [
            F.call("gateway", "a", 1), F.call("a", "b", 1), F.call("gateway", "b", 1), F.call("b", "c", 1),
        ])
        #expect(layers.layers == [["gateway"], ["a", "b"], ["c"]])
        #expect(layers.unreached == [])
    }

    @Test func aCycleIsLaidOutOnceAndTheBackEdgeDoesNotMoveAnything() {
        let layers = TopologyLayers(services: ["gateway", "catalog", "recommendations"], edges: [
            F.call("gateway", "catalog", 1), F.call("catalog", "recommendations", 1), F.call("recommendations", "catalog", 1),
            F.call("recommendations", "gateway", 1), F.call("catalog", "catalog", 1),
        ])
        #expect(layers.layers == [["gateway"], ["catalog"], ["recommendations"]])
        #expect(layers.unreached == [])
    }

    @Test func servicesNoCallReachesGoLastAndEventsDoNotPlaceThem() {
        let layers = TopologyLayers(services: ["gateway", "orders", "notifications", "idle"], edges: [
            F.call("gateway", "orders", 1), F.event("orders", "orders", "notifications", 1), F.call("client", "gateway", 1),
        ])
        #expect(layers.layers == [["gateway"], ["orders"]])
        #expect(layers.unreached == ["client", "idle", "notifications"], "an outside client, an idle service and an event subscriber")
        #expect(layers.ordered == ["gateway", "orders", "client", "idle", "notifications"])
    }

    @Test func withoutAGatewayEveryUncalledCallerIsAnEntry() {
        let layers = TopologyLayers(services: ["web", "worker", "db", "queue"], edges: [
            F.call("web", "db", 1), F.call("worker", "queue", 1), F.call("queue", "db", 1),
        ])
        #expect(layers.layers == [["web", "worker"], ["db", "queue"]])
    }

    @Test func withoutAGatewayAndOnlyACycleTheFirstCallerByNameIsTheEntry() {
        let layers = TopologyLayers(services: ["b", "a", "c", "lonely"], edges: [F.call("b", "a", 1), F.call("a", "b", 1), F.call("c", "b", 1), F.call("b", "c", 1)])
        #expect(layers.layers == [["a"], ["b"], ["c"]])
        #expect(layers.unreached == ["lonely"])
    }

    @Test func noEdgesPutsEveryServiceInTheLastLayer() {
        let layers = TopologyLayers(services: ["b", "a"], edges: [])
        #expect(layers.layers == [])
        #expect(layers.unreached == ["a", "b"])
        let withGateway = TopologyLayers(services: ["b", "gateway"], edges: [])
        #expect(withGateway.layers == [["gateway"]])
        #expect(withGateway.unreached == ["b"])
    }
}

@Suite("Topology view: keys")
struct TopologyUpdateTests {
    func press(_ state: inout DashboardState, _ keys: Key...) -> [Effect] {
        keys.flatMap { Fixtures.send(&state, .key($0)) }
    }

    func topology(width: Int = 80, height: Int = 24, _ snapshot: SystemSnapshot = TopologyFixtures.storefront) -> DashboardState {
        var state = DashboardState(width: width, height: height, snapshot: snapshot)
        _ = press(&state, .char("6"))
        return state
    }

    @Test func sixShowsTheTopologyAndFiveShowsNothing() {
        var s = DashboardState(width: 80, height: 24, snapshot: TopologyFixtures.storefront)
        _ = press(&s, .char("5"))
        #expect(s.tab == .services)
        _ = press(&s, .char("6"))
        #expect(s.tab == .topology)
        #expect(s.keyContext == .topology)
        #expect(s.list(.topology).selectedID == "gateway")
        #expect(DashboardRenderer.render(s, glyphs: .unicode).plainText().contains("[6 Topology]"))
    }

    @Test func jAndKMoveOverServicesAndEdgesSkippingHeadings() {
        var s = topology()
        _ = press(&s, .char("j"))
        #expect(s.list(.topology).selectedID == "gateway->order-service")
        _ = press(&s, .char("j"), .char("j"), .char("j"))
        #expect(s.list(.topology).selectedID == "order-service", "past gateway's three edges and the LAYER 1 heading")
        _ = press(&s, .char("j"), .char("j"))
        #expect(s.list(.topology).selectedID == "order-service-[orders]->notification-service")
        _ = press(&s, .char("k"), .char("k"), .char("k"))
        #expect(s.list(.topology).selectedID == "gateway->user-service")
        _ = press(&s, .end)
        #expect(s.list(.topology).selectedID == "notification-service")
    }

    @Test func enterOnAServiceOpensItsDetailAndEscComesBack() {
        var s = topology()
        _ = press(&s, .char("j"), .char("j"), .char("j"), .char("j"))
        #expect(press(&s, .enter).isEmpty)
        #expect(s.detail == .service(name: "order-service"))
        #expect(DashboardRenderer.render(s, glyphs: .unicode).plainText().contains("INSTANCES"))
        _ = press(&s, .escape)
        #expect(s.detail == nil)
        #expect(s.tab == .topology)
        #expect(s.list(.topology).selectedID == "order-service")
    }

    @Test func enterOnAnEdgeOpensItsBreaker() {
        var s = topology()
        _ = press(&s, .char("j"), .char("j")) // gateway -> product-service, forced open
        _ = press(&s, .enter)
        #expect(s.detail == .breaker(id: "gateway->product-service"))
    }

    @Test func enterOnAnEdgeWithNoBreakerSaysSo() {
        var s = topology()
        _ = press(&s, .char("j"), .char("j"), .char("j")) // gateway -> user-service, no breaker
        #expect(s.list(.topology).selectedID == "gateway->user-service")
        #expect(press(&s, .enter).isEmpty)
        #expect(s.detail == nil)
        #expect(s.notice?.text == "no breaker on gateway -> user-service to open")
    }

    @Test func enterOnANodeThatIsNotAServiceSaysSo() {
        var s = topology(TopologyFixtures.streaming)
        select("client", in: &s, moving: .down)
        #expect(s.list(.topology).selectedID == "client")
        _ = press(&s, .enter)
        #expect(s.detail == nil)
        #expect(s.notice?.text == "client is not a reported service: no details to open")
    }

    /// Moves up or down until `id` is selected (at most 50 presses).
    func select(_ id: String, in state: inout DashboardState, moving key: Key) {
        for _ in 0..<50 where state.list(.topology).selectedID != id { _ = press(&state, key) }
    }

    @Test func scrollingKeepsTheSelectionOnScreenAndShowsALayersHeadingWithItsFirstService() throws {
        var s = topology(TopologyFixtures.streaming)
        let lines = Rows.topology(s)
        let visible = DashboardLayout.listRows(height: 24)
        #expect(lines.count > visible, "the twelve services do not fit 80×24")
        _ = press(&s, .end)
        #expect(s.list(.topology).offset == lines.count - visible)
        #expect(DashboardRenderer.render(s, glyphs: .unicode).plainText().contains("lines 15-34/34"))
        // Up to auth, LAYER 1's first service, above the screen: its heading comes into view with it.
        select("auth", in: &s, moving: .up)
        let layer1 = try #require(lines.firstIndex { $0.kind == .heading(.layer(1)) })
        #expect(lines[layer1 + 1].id == "auth")
        #expect(s.list(.topology).offset == layer1)
        // A move within the screen does not scroll.
        _ = press(&s, .down)
        #expect(s.list(.topology).offset == layer1)
    }

    @Test func theSelectionStaysOnItsEdgeWhenANewSnapshotArrives() {
        var s = topology()
        _ = press(&s, .char("j"), .char("j"), .char("j"), .char("j"), .char("j"), .char("j"), .char("j"))
        #expect(s.list(.topology).selectedID == "order-service->payment-service")
        var next = TopologyFixtures.storefront
        next.edges.removeAll { $0.target == "inventory-service" }
        _ = Fixtures.send(&s, .snapshot(next))
        #expect(s.list(.topology).selectedID == "order-service->payment-service")
    }

    @Test func snapshotsWhileAnotherViewIsShownKeepTheSelectionFoundWhenTheTopologyReturns() {
        var s = topology()
        _ = press(&s, .char("j"), .char("j"), .char("j"), .char("j"), .char("j"), .char("j"), .char("j"))
        #expect(s.list(.topology).selectedID == "order-service->payment-service")
        _ = press(&s, .char("1"))
        var next = TopologyFixtures.storefront
        next.edges.removeAll { $0.caller == "gateway" } // three lines fewer above the selection
        _ = Fixtures.send(&s, .snapshot(next))
        _ = press(&s, .char("6"))
        #expect(s.list(.topology).selectedID == "order-service->payment-service")
        #expect(Rows.ids(.topology, s)[s.list(.topology).selectedIndex] == "order-service->payment-service")
        // Gone while away: the selection lands on what is now at its place.
        _ = press(&s, .char("1"))
        next.edges.removeAll { $0.target == "payment-service" }
        _ = Fixtures.send(&s, .snapshot(next))
        _ = press(&s, .char("6"))
        #expect(s.list(.topology).selectedID == "order-service->product-service")
    }

    @Test func theHintBarOffersDetails() {
        let hints = KeyMap.standard.hints(for: .topology).map { "<\($0.key)> \($0.label)" }.joined(separator: "  ")
        #expect(hints == "<enter> details  <p> pause  <?> help  <q> quit")
    }

    @Test func withNoEdgesYetEveryServiceStillShows() {
        var plain = TopologyFixtures.storefront
        plain.edges = []
        let text = Fixtures.text(.topology, snapshot: plain, width: 80, height: 24)
        #expect(text.contains("7 services · 0 edges"))
        #expect(text.contains("LAYER 0 · entry"))
        #expect(text.contains("NOT REACHED BY CALLS"))
        for service in plain.services { #expect(text.contains(service.name)) }
    }
}
