import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

/// Disable and metrics-only through `Mesh.perform`, shadow thresholds in the snapshot and the
/// event log, and the interventions log with effects counted from real calls.
@Suite("Interventions: manual actions and their measured effect")
struct InterventionsTests {
    /// `calls` GETs from `caller` to `svc`; returns how many were answered with 2xx.
    @discardableResult
    func call(_ test: TestMesh, _ calls: Int) async -> Int {
        let client = test.mesh.client(as: "caller")
        var answered = 0
        for _ in 0..<calls {
            if let response = try? await client.get("svc", "/echo/x"), response.status < 300 { answered += 1 }
        }
        return answered
    }

    @Test("disabled and metrics-only breakers let every call through and say when their policy would have opened")
    func disableAndMetricsOnly() async throws {
        let test = TestMesh(policy: breakerOnly(failures: 3, open: .seconds(10)))
        test.mesh.deploy(StubService.echo("svc"))
        await call(test, 1)
        try test.mesh.perform(.disableBreaker(id: "caller->svc"), origin: "api")
        test.mesh.transport.setFault(.down, service: "svc")
        await call(test, 5)
        let disabled = try #require(test.mesh.observe().breakers.first)
        #expect(disabled.state == .disabled, "five failures and still letting calls through")
        #expect(disabled.shadow?.wouldBeOpen == true && disabled.shadow?.wouldHaveRejected == 2, "its policy still runs in the shadow")

        test.clock.advance(by: .seconds(2))
        try test.mesh.perform(.metricsOnlyBreaker(id: "caller->svc"), origin: "dashboard")
        await call(test, 5)
        var breaker = try #require(test.mesh.observe().breakers.first)
        #expect(breaker.state == .metricsOnly)
        let shadow = try #require(breaker.shadow)
        #expect(shadow.wouldBeOpen && shadow.reason == "3 consecutive failures" && shadow.openedAt == 2 && shadow.wouldHaveRejected == 2)
        #expect(test.events.recent(limit: 10, kinds: [.breakerShadow]).map(\.message)
            == Array(repeating: "shadow: would have opened (3 consecutive failures); open 10s", count: 2), "once disabled, once metrics-only")
        #expect(test.events.recent(limit: 10, kinds: [.manualAction]).first?.message.hasPrefix("set to metrics-only") == true)
        #expect(test.events.recent(limit: 10, kinds: [.manualAction]).first?.attributes["origin"] == "dashboard")

        // Its open time over, the first call is the trial: the fault gone, it would have closed.
        test.mesh.transport.setFault(.none, service: "svc")
        test.clock.advance(by: .seconds(10))
        #expect(await call(test, 1) == 1)
        breaker = try #require(test.mesh.observe().breakers.first)
        #expect(breaker.shadow?.wouldBeOpen == false && breaker.shadow?.closedAt == 12)
        #expect(test.events.recent(limit: 1, kinds: [.breakerShadow]).first?.message.hasPrefix("shadow: would have closed again (1 trial call succeeded") == true)
    }

    @Test("each action is listed with its origin, how long it lasted and what it did to real calls")
    func interventionsMeasureTheirEffect() async throws {
        let test = TestMesh(policy: breakerOnly(failures: 3, open: .seconds(10)))
        test.mesh.deploy(StubService.echo("svc"))
        await call(test, 1)
        try test.mesh.perform(.tripBreaker(id: "caller->svc", forSeconds: nil), origin: "dashboard")
        #expect(await call(test, 4) == 0)
        test.clock.advance(by: .seconds(3))
        try test.mesh.perform(.setFault(service: "svc", fault: .errors(ratio: 1)), origin: "cli")
        try test.mesh.perform(.forceBreakerClosed(id: "caller->svc"), origin: "api 127.0.0.1")
        await call(test, 6)
        test.clock.advance(by: .seconds(2))
        try test.mesh.perform(.setFault(service: "svc", fault: .none), origin: "scenario")
        try test.mesh.perform(.resetBreaker(id: "caller->svc"), origin: "dashboard")
        await call(test, 2)

        let records = test.mesh.observe().interventions
        #expect(records.map(\.action) == [.trip, .fault, .forceClosed, .fault, .reset])
        #expect(records.map(\.origin) == ["dashboard", "cli", "api 127.0.0.1", "scenario", "dashboard"])
        let (trip, fault, forcedClosed, cleared, reset) = (records[0], records[1], records[2], records[3], records[4])
        #expect(trip.effect == InterventionEffect(callsRejected: 4))
        #expect(trip.atSeconds == 0 && trip.endedAtSeconds == 3 && trip.endedBy == "force-closed by api 127.0.0.1")
        #expect(fault.effect == InterventionEffect(faultsInjected: 6), "the six calls made while it was set, none after")
        #expect(fault.endedAtSeconds == 5 && fault.endedBy == "fault by scenario")
        #expect(forcedClosed.effect == InterventionEffect(callsLetThrough: 6, failuresLetThrough: 6))
        #expect(forcedClosed.endedAtSeconds == 5 && forcedClosed.endedBy == "reset by dashboard")
        #expect(cleared.endedAtSeconds == cleared.atSeconds && reset.endedAtSeconds == reset.atSeconds, "a reset and a cleared fault end at once")
        #expect(records.allSatisfy { !$0.isActive })
    }

    @Test("a timed trip ends by itself, and an action still in effect counts on")
    func timedTripAndOngoing() async throws {
        let test = TestMesh(policy: breakerOnly())
        test.mesh.deploy(StubService.echo("svc"))
        await call(test, 1)
        try test.mesh.perform(.tripBreaker(id: "caller->svc", forSeconds: 5), origin: "scenario")
        await call(test, 2)
        test.clock.advance(by: .seconds(6))
        await call(test, 3)
        test.clock.advance(by: .seconds(1))
        try test.mesh.perform(.metricsOnlyBreaker(id: "caller->svc"), origin: "dashboard")
        await call(test, 2)
        let records = test.mesh.observe().interventions
        #expect(records.first?.endedAtSeconds == 6 && records.first?.endedBy == "timed trip ended", "ended at the first call after its 5 s")
        #expect(records.first?.effect.callsRejected == 2)
        #expect(records.last?.isActive == true)
        #expect(records.last?.effect == InterventionEffect(callsLetThrough: 2, failuresLetThrough: 0, wouldHaveRejected: 0, wouldHaveOpened: 0))
    }
}
