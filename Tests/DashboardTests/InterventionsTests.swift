import Foundation
import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// The fixture snapshot with a metrics-only breaker whose policy would have opened, and the
/// manual actions that led there.
enum InterventionFixtures {
    static let shadowBreaker = BreakerStatus(
        id: "order-service->payment-service", state: .metricsOnly, isManual: true, failureRate: 0.62, callsInWindow: 100, secondsInState: 40,
        policy: "failure rate ≥ 50% over last 20 calls, min 10; open 30s; half-open 1/1 trials",
        transitions: [BreakerTransitionRecord(from: .closed, to: .metricsOnly, atSeconds: 152, reason: "set to metrics-only by hand")],
        shadow: BreakerShadowStatus(wouldBeOpen: true, openedAt: 161, reason: "failure rate 62% ≥ 50% over last 20 calls", timesOpened: 1, wouldHaveRejected: 87))

    static let interventions: [InterventionRecord] = [
        InterventionRecord(id: 1, action: .fault, target: "payment-service", origin: "cli", detail: "errors 70%", atSeconds: 0,
                           effect: InterventionEffect(faultsInjected: 2_210)),
        InterventionRecord(id: 2, action: .trip, target: "gateway->product-service", origin: "dashboard", detail: "forced open", atSeconds: 120,
                           endedAtSeconds: 150, endedBy: "reset by dashboard", effect: InterventionEffect(callsRejected: 311)),
        InterventionRecord(id: 3, action: .reset, target: "gateway->product-service", origin: "dashboard", detail: "reset to automatic, was forcedOpen",
                           atSeconds: 150, endedAtSeconds: 150),
        InterventionRecord(id: 4, action: .metricsOnly, target: "order-service->payment-service", origin: "api 127.0.0.1", detail: "metrics-only", atSeconds: 152,
                           effect: InterventionEffect(callsLetThrough: 140, failuresLetThrough: 87, wouldHaveRejected: 87, wouldHaveOpened: 1)),
        InterventionRecord(id: 5, action: .policy, target: "gateway->product-service", origin: "api 127.0.0.1", detail: "timeout 200ms, 1 attempt (no retries)",
                           atSeconds: 170, effect: InterventionEffect(callsMade: 220, callsFailed: 12)),
    ]

    static let snapshot: SystemSnapshot = {
        var snapshot = Fixtures.snapshot
        snapshot.breakers[0] = shadowBreaker
        snapshot.interventions = interventions
        return snapshot
    }()

    static func breakerDetail(width: Int, height: Int) -> DashboardState {
        var state = DashboardState(width: width, height: height, snapshot: snapshot)
        _ = Fixtures.send(&state, .key(.char("2")))
        _ = Fixtures.send(&state, .key(.enter))
        return state
    }
}

@Suite("Breaker modes, shadow thresholds and interventions in the dashboard")
struct DashboardInterventionsTests {
    func press(_ state: inout DashboardState, _ keys: Key...) -> [Effect] {
        keys.flatMap { Fixtures.send(&state, .key($0)) }
    }

    @Test func disableAndMetricsOnlyKeysActOnTheSelectedBreaker() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = press(&s, .char("2"), .down, .down)
        #expect(press(&s, .char("d")) == [.control(.disableBreaker(id: "gateway->product-service"))])
        #expect(press(&s, .char("m")) == [.control(.metricsOnlyBreaker(id: "gateway->product-service"))])
        _ = press(&s, .home, .enter)
        #expect(press(&s, .char("m")) == [.control(.metricsOnlyBreaker(id: "order-service->payment-service"))])
        _ = press(&s, .char("1"))
        #expect(press(&s, .char("d")).isEmpty && press(&s, .char("m")).isEmpty, "breaker keys do nothing on other views")
        _ = update(&s, .performed(.metricsOnlyBreaker(id: "a->b"), failure: nil))
        #expect(s.notice?.text == "set a->b to metrics-only")
        _ = update(&s, .performed(.disableBreaker(id: "a->b"), failure: "no"))
        #expect(s.notice == Notice("disabled a->b failed: no", isError: true))
    }

    @Test func tTurnsTheSelectedEdgesRetriesOffThenRestoresItsPolicy() throws {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = press(&s, .char("2"), .down, .down)
        let edge = "gateway->product-service"
        #expect(press(&s, .char("t")) == [.control(.setPolicy(edge: edge, change: .patch(PolicyPatch(maxAttempts: 1))))])
        // The system reports the change in force: the same key now restores the edge's policy.
        var snapshot = try #require(s.snapshot)
        snapshot.interventions = [InterventionRecord(id: 1, action: .policy, target: edge, origin: "dashboard", detail: "1 attempt (no retries)", atSeconds: 3)]
        _ = update(&s, .snapshot(snapshot))
        #expect(press(&s, .char("t")) == [.control(.setPolicy(edge: edge, change: .restore))])
        _ = update(&s, .performed(.setPolicy(edge: edge, change: .patch(PolicyPatch(maxAttempts: 1))), failure: nil))
        #expect(s.notice?.text == "policy of gateway->product-service: 1 attempt (no retries)")
        _ = press(&s, .char("1"))
        #expect(press(&s, .char("t")).isEmpty, "a breaker key: nothing on other views")
        #expect(KeyMap.standard.bindings.contains { $0.action == .toggleRetries && $0.hint == "retries" && $0.context == .breakerDetail },
                "in the key hints and the help of the breaker detail too")
    }

    @Test func theControlKeysSayWhyWhenTheSourceTakesNoCommands() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        s.controlsOffReason = "read-only: no token"
        _ = press(&s, .char("2"))
        #expect(press(&s, .char("d")).isEmpty && s.notice?.text == "read-only: no token")
    }

    @Test func iOpensTheInterventionsAndEscOrIGoesBackTheWayItCame() {
        var s = DashboardState(width: 120, height: 40, snapshot: InterventionFixtures.snapshot)
        _ = press(&s, .char("i"))
        #expect(s.detail == .interventions && s.keyContext == .interventions)
        _ = press(&s, .char("i"))
        #expect(s.detail == nil)
        _ = press(&s, .char("2"), .enter)
        let breaker = s.detail
        _ = press(&s, .char("i"))
        #expect(s.detail == .interventions, "from the breaker detail too")
        _ = press(&s, .escape)
        #expect(s.detail == breaker && breaker != nil, "Esc goes back to the detail it was opened from")
        _ = press(&s, .char("i"), .char("i"))
        #expect(s.detail == breaker, "and so does i")
        _ = press(&s, .escape)
        #expect(s.detail == nil)
    }

    @Test func onTheEventsListIShowsOnlyTheManualActions() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = press(&s, .char("4"), .char("i"))
        #expect(s.eventsInterventionsOnly)
        #expect(Rows.events(s).map(\.id) == [4])
        let text = DashboardRenderer.render(s, glyphs: .unicode).plainText()
        #expect(text.contains("interventions only"))
        _ = press(&s, .escape)
        #expect(!s.eventsInterventionsOnly && Rows.events(s).count == 4, "esc shows every event again")
    }

    @Test func theBreakerDetailSaysWhenItWouldHaveOpenedAndWhatTheActionDid() {
        let text = DashboardRenderer.render(InterventionFixtures.breakerDetail(width: 120, height: 40), glyphs: .unicode).plainText()
        #expect(text.contains("would be OPEN at +00:02:41 (failure rate 62% ≥ 50% over last 20 calls)"))
        #expect(text.contains("would have rejected 87"))
        #expect(text.contains("metrics-only by api 127.0.0.1 at +00:02:32"))
        #expect(text.contains("<d> disable") && text.contains("<m> metrics-only"))
    }

    @Test func theBreakerDetailListsAPolicyChangeOnItsEdgeApartFromItsManualState() throws {
        var state = InterventionFixtures.breakerDetail(width: 120, height: 40)
        var snapshot = try #require(state.snapshot)
        snapshot.interventions.append(InterventionRecord(
            id: 5, action: .policy, target: "order-service->payment-service", origin: "api 127.0.0.1", detail: "timeout 200ms, 2 attempts",
            atSeconds: 160, effect: InterventionEffect(callsMade: 40, callsFailed: 9)))
        _ = Fixtures.send(&state, .snapshot(snapshot))
        let text = DashboardRenderer.render(state, glyphs: .unicode).plainText()
        #expect(text.contains("manual  metrics-only by api 127.0.0.1 at +00:02:32"), "the manual state is still the breaker's")
        #expect(text.contains("tuned   timeout 200ms, 2 attempts by api 127.0.0.1 at +00:02:40"))
        #expect(text.contains("40 calls, 9 failed"))
    }

    @Test func snapshotCanPrintTheInterventions() {
        let text = Fixtures.text(.interventions, snapshot: InterventionFixtures.snapshot, width: 120, height: 30)
        #expect(text.contains("5 manual actions, 3 in effect"))
        #expect(text.contains("220 calls, 12 failed") && text.contains("timeout 200ms, 1 attempt (no retries)"))
        #expect(text.contains("311 calls rejected"))
        #expect(text.contains("2210 requests hit") || text.contains("2,210 requests hit"))
    }
}

/// The new panel and detail at the smallest and a large terminal, in Unicode and ASCII.
@Suite("Golden interventions and shadow")
struct InterventionsGoldenTests {
    static let sizes: [(Int, Int, Glyphs, String)] = [
        (80, 24, .unicode, "80x24"), (200, 60, .unicode, "200x60"), (80, 24, .ascii, "ascii-80x24"), (200, 60, .ascii, "ascii-200x60"),
    ]

    @Test(arguments: 0..<4)
    func interventionsPanel(size: Int) throws {
        let (width, height, glyphs, name) = Self.sizes[size]
        var state = DashboardState(width: width, height: height, snapshot: InterventionFixtures.snapshot)
        _ = Fixtures.send(&state, .key(.char("i")))
        try GoldenTests().check("interventions-\(name)", DashboardRenderer.render(state, glyphs: glyphs).plainText())
    }

    @Test("a disabled breaker's detail shows its shadow too")
    func disabledBreakerShowsItsShadow() {
        var snapshot = InterventionFixtures.snapshot
        snapshot.breakers[0].state = .disabled
        var state = DashboardState(width: 120, height: 40, snapshot: snapshot)
        _ = Fixtures.send(&state, .key(.char("2")))
        _ = Fixtures.send(&state, .key(.enter))
        let text = DashboardRenderer.render(state, glyphs: .unicode).plainText()
        #expect(text.contains(" SHADOW (its policy on the calls it let through; it acts on none)"))
        #expect(text.contains("would be OPEN at +00:02:41 (failure rate 62% ≥ 50% over last 20 calls)"))
    }

    @Test(arguments: 0..<4)
    func breakerDetailWithShadow(size: Int) throws {
        let (width, height, glyphs, name) = Self.sizes[size]
        try GoldenTests().check("breaker-shadow-\(name)", DashboardRenderer.render(InterventionFixtures.breakerDetail(width: width, height: height), glyphs: glyphs).plainText())
    }
}
