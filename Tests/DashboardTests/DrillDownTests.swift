import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// From a symptom to a trace: a route's slowest traces, a breaker's failed traces, an event's
/// trace, and back the way it came.
@Suite("drill down")
struct DrillDownTests {
    func state(width: Int = 120, height: Int = 40) -> DashboardState {
        DashboardState(width: width, height: height, snapshot: Fixtures.snapshot)
    }

    /// Presses the keys, answering trace pages and trees as a source would; every effect.
    @discardableResult
    func press(_ state: inout DashboardState, _ keys: Key...) -> [Effect] {
        keys.flatMap { Fixtures.drive(&state, .key($0)) }
    }

    func crumbs(_ state: DashboardState) -> String {
        state.breadcrumb(glyphs: .unicode).joined(separator: " › ")
    }

    /// The order-service detail (second row of the Services list).
    func orderService() -> DashboardState {
        var s = state()
        press(&s, .down, .enter)
        return s
    }

    @Test func enterOnARouteListsItsSlowestTracesAndASecondEnterOpensTheSlowest() throws {
        var s = orderService()
        #expect(s.detail == .service(name: "order-service"))
        #expect(s.detailSelection == 0)
        let effects = press(&s, .enter)
        #expect(s.detail == .routeTraces(service: "order-service", route: "POST /orders"))
        let query = try #require(effects.compactMap { effect -> TraceQuery? in
            if case .fetchTraces(let query) = effect { return query }
            return nil
        }.first)
        #expect(query.order == .slowest)
        #expect(query.span == SpanName(service: "order-service", operation: "POST /orders"))
        // Both stored POST /api/orders traces have the route's span; the other trace does not.
        #expect(s.routeTraces?.rows.map(\.traceId) == [Fixtures.tree.traceId, Fixtures.fasterTree.traceId])
        #expect(press(&s, .enter).contains(.fetchTrace(id: Fixtures.tree.traceId)))
        #expect(s.loadedTrace?.tree == Fixtures.tree)
        #expect(crumbs(s) == "Services › order-service › POST /orders slowest › trace 4bf9…")
    }

    @Test func escWalksBackTheWayItCameKeepingEachSelection() {
        var s = orderService()
        press(&s, .down) // the second route
        #expect(s.detailSelection == 1)
        press(&s, .up, .enter, .down, .enter)
        #expect(s.loadedTrace?.tree == Fixtures.fasterTree)
        press(&s, .escape)
        #expect(s.detail == .routeTraces(service: "order-service", route: "POST /orders"))
        #expect(s.detailSelection == 1)
        press(&s, .escape)
        #expect(s.detail == .service(name: "order-service"))
        #expect(s.detailSelection == 0)
        press(&s, .escape)
        #expect(s.detail == nil)
        #expect(s.trail.isEmpty)
        #expect(s.list(.services).selectedID == "order-service")
    }

    @Test func upAndDownSelectARouteWithinBounds() {
        var s = orderService()
        press(&s, .down, .down, .down)
        #expect(s.detailSelection == 1)
        press(&s, .up, .up)
        #expect(s.detailSelection == 0)
        let text = DashboardRenderer.render(s, glyphs: .unicode).plainText()
        #expect(text.contains("› POST /orders"))
    }

    @Test func pageKeysScrollAServiceDetailWithoutMovingTheRouteSelection() {
        var s = orderService()
        _ = update(&s, .resize(width: 120, height: 16))
        press(&s, .down)
        press(&s, .pageDown)
        #expect(s.detailOffset > 0)
        #expect(s.detailSelection == 1)
        press(&s, .home)
        #expect(s.detailOffset == 0)
        #expect(s.detailSelection == 1)
    }

    @Test func aServiceWithoutRoutesSaysSoAndStillScrolls() {
        var s = state()
        press(&s, .enter) // gateway: no routes in the fixture
        press(&s, .enter)
        #expect(s.detail == .service(name: "gateway"))
        #expect(s.notice?.text == "no route reported for this service")
        press(&s, .down)
        #expect(s.detailOffset == 1)
    }

    @Test func aBreakersFailedTraceOpensWithEnter() {
        var s = state()
        press(&s, .char("2"), .enter)
        #expect(s.breakerTraces?.rows.map(\.traceId) == [Fixtures.tree.traceId])
        #expect(press(&s, .enter).contains(.fetchTrace(id: Fixtures.tree.traceId)))
        #expect(crumbs(s) == "Breakers › order-service → payment-service › trace 4bf9…")
        press(&s, .escape)
        #expect(s.detail == .breaker(id: "order-service->payment-service"))
    }

    @Test func theEventsViewOpensTheTraceAnEventNames() {
        var s = state()
        press(&s, .char("4"))
        press(&s, .enter) // event 4 names no trace
        #expect(s.detail == nil)
        #expect(s.notice?.text == "this event names no trace")
        press(&s, .down, .enter)
        #expect(s.loadedTrace?.tree == Fixtures.tree)
        #expect(crumbs(s) == "Events › trace 4bf9…")
        press(&s, .escape)
        #expect(s.detail == nil)
        #expect(s.tab == .events)
    }

    func traceOpen(_ tree: TraceTree = Fixtures.tree) -> DashboardState {
        var s = state()
        press(&s, .char("3"))
        if tree == Fixtures.fasterTree { press(&s, .char("s"), .down) } // slowest first: the faster is second
        press(&s, .enter)
        return s
    }

    @Test func enterShowsTheSpansDetailsAndEscClosesThem() {
        var s = traceState()
        press(&s, .down, .down, .down, .down, .down) // attempt 2, with an event
        press(&s, .enter)
        #expect(s.loadedTrace?.showsSpanDetails == true)
        let text = DashboardRenderer.render(s, glyphs: .unicode).plainText()
        #expect(text.contains("@ 81.0ms  retry"))
        #expect(text.contains("backoff.ms = 20"))
        #expect(crumbs(s).hasSuffix("trace 4bf9… › span attempt 2"))
        press(&s, .escape)
        #expect(s.loadedTrace?.showsSpanDetails == false)
        #expect(s.detail != nil)
    }

    func traceState() -> DashboardState { traceOpen() }

    @Test func cMarksTheCriticalPath() {
        var s = traceState()
        press(&s, .char("c"))
        #expect(s.showsCriticalPath)
        _ = update(&s, .resize(width: 160, height: 40))
        let text = DashboardRenderer.render(s, glyphs: .unicode).plainText()
        #expect(text.contains("◆ critical path: 6 spans"))
        press(&s, .char("c"))
        #expect(!s.showsCriticalPath)
    }

    @Test func markThenCompareAnotherTraceOfTheSameOperation() {
        var s = traceState()
        press(&s, .char("C"))
        #expect(s.notice?.text == "no trace marked: press M on a trace first")
        press(&s, .char("M"))
        #expect(s.markedTrace == Fixtures.tree)
        press(&s, .char("C"))
        #expect(s.notice?.text == "this is the marked trace: open another of the same operation")
        press(&s, .escape, .char("s"), .down, .enter) // the faster POST /api/orders
        #expect(s.loadedTrace?.tree == Fixtures.fasterTree)
        press(&s, .char("C"))
        #expect(s.detail == .comparison(marked: Fixtures.tree, other: Fixtures.fasterTree))
        #expect(crumbs(s) == "Traces › trace b7ad… › compare 4bf9… with b7ad…")
        press(&s, .escape)
        #expect(s.loadedTrace?.tree == Fixtures.fasterTree)
        // Space marks too, and again unmarks.
        press(&s, .char(" "))
        #expect(s.markedTrace == Fixtures.fasterTree)
        press(&s, .char(" "))
        #expect(s.markedTrace == nil)
    }

    @Test func compareRefusesATraceOfAnotherOperation() {
        var s = traceState()
        press(&s, .char("M"))
        s.detail = nil
        var other = Fixtures.fasterTree
        other.spans[0].operation = "GET /api/products"
        s.detail = .trace(id: other.traceId, tree: .loaded(LoadedTrace(tree: other)))
        press(&s, .char("C"))
        #expect(s.notice?.text == "the marked trace is POST /api/orders, this one GET /api/products: compare traces of the same operation")
        #expect(s.keyContext == .traceDetail)
    }

    @Test func switchingViewsForgetsTheTrail() {
        var s = orderService()
        press(&s, .enter, .enter)
        press(&s, .char("1"))
        #expect(s.detail == nil)
        #expect(s.trail.isEmpty)
    }
}

/// `meshtop snapshot --view service|breaker|help|compare|trace` from the fixture source.
@Suite("snapshot views")
struct SnapshotViewTests {
    func text(_ view: DashboardView, target: String? = nil, traces: [String] = []) -> String {
        DashboardRenderer.renderText(view: view, snapshot: Fixtures.snapshot, traces: Fixtures.tracePage, traceTree: Fixtures.traceTree,
                                     target: target, traceIDs: traces, width: 120, height: 30)
    }

    @Test func aServiceOrBreakerDetailByName() {
        #expect(text(.service, target: "order-service").contains("Services › order-service\n"))
        #expect(text(.breaker, target: "order-service->payment-service").contains("Breakers › order-service → payment-service\n"))
        #expect(text(.help).contains(" KEYS\n"))
        #expect(text(.route, target: "order-service:POST /orders").contains("Services › order-service › POST /orders slowest\n"))
    }

    @Test func aTraceByIdAndTwoComparedByIdOrSlowestWithTheMedian() {
        #expect(text(.trace, traces: [Fixtures.fasterTree.traceId]).contains("Traces › trace b7ad…\n"))
        let named = text(.compare, traces: [Fixtures.fasterTree.traceId, Fixtures.tree.traceId])
        #expect(named.contains("compare b7ad… with 4bf9…"))
        // No ids: the slowest (4bf9…) with the median of the POST /api/orders traces (b7ad…).
        #expect(text(.compare).contains("compare 4bf9… with b7ad…"))
    }

    @Test func namesThatDoNotFitTheSnapshotAreProblems() {
        func problem(_ view: DashboardView, target: String? = nil, traces: [String] = []) -> String? {
            DashboardRenderer.viewProblem(view: view, target: target, traceIDs: traces, snapshot: Fixtures.snapshot, traceTree: Fixtures.traceTree)
        }
        #expect(problem(.service, target: "paymnt") == "unknown service \"paymnt\" in storefront; known: gateway, order-service, payment-service, notification")
        #expect(problem(.breaker, target: "a->b")?.hasPrefix("unknown breaker \"a->b\" in storefront; known: order-service->payment-service") == true)
        let missing = String(repeating: "0", count: 32)
        #expect(problem(.trace, traces: [missing]) == "trace \(missing) is not stored in this run (`meshtop snapshot --view traces` lists the stored ones)")
        #expect(problem(.compare, traces: [Fixtures.tree.traceId, Fixtures.fasterTree.traceId]) == nil)
        #expect(problem(.service, target: "gateway") == nil)
        #expect(problem(.route, target: "order-service:GET /orders/:id") == nil)
        #expect(problem(.route, target: "order-service:GET /x") == "unknown route \"order-service:GET /x\" in storefront; known: order-service:POST /orders, order-service:GET /orders/:id")
    }
}
