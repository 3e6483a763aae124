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

/// Policy changes through `Mesh.perform`: applied to the edge's next call, listed in the
/// interventions with their origin and the edge's real calls while they were in force.
@Suite("Interventions: an edge's policy changed by hand")
struct PolicyInterventionTests {
    private let edge = "caller->svc"

    /// Breaker after 10 failures (so it never opens here) and three attempts per call.
    private func builtPolicy() -> CallPolicy {
        var policy = breakerOnly(failures: 10)
        policy.retry = RetryPolicy(maxAttempts: 3)
        return policy
    }

    @discardableResult
    private func call(_ test: TestMesh, _ calls: Int) async -> Int {
        await InterventionsTests().call(test, calls)
    }

    @Test("a change is listed with its origin, ended by the next change or a restore, and counts the edge's real calls")
    func changesAndRestore() async throws {
        let test = TestMesh(policy: builtPolicy())
        test.mesh.deploy(StubService.echo("svc"))
        await call(test, 2)
        try test.mesh.perform(.setPolicy(edge: edge, change: .patch(PolicyPatch(maxAttempts: 1))), origin: "api 127.0.0.1")
        test.mesh.transport.setFault(.errors(ratio: 1), service: "svc")
        #expect(await call(test, 4) == 0)
        #expect(test.mesh.transport.faultsInjected(.service("svc")) == 4, "one attempt per call: retries are off")
        test.mesh.transport.setFault(.none, service: "svc")

        test.clock.advance(by: .seconds(2))
        try test.mesh.perform(.setPolicy(edge: edge, change: .patch(PolicyPatch(timeoutMilliseconds: 200))), origin: "dashboard")
        let patched = test.mesh.controlPlane.policy(caller: "caller", target: "svc")
        #expect(patched.timeout == .milliseconds(200))
        #expect(patched.retry?.maxAttempts == 1, "applied on top of the change before it")
        #expect(await call(test, 3) == 3)

        test.clock.advance(by: .seconds(1))
        try test.mesh.perform(.setPolicy(edge: edge, change: .restore), origin: "scenario")
        let restored = test.mesh.controlPlane.policy(caller: "caller", target: "svc")
        #expect(restored.timeout == nil && restored.retry?.maxAttempts == 3, "the policy the system was built with")
        await call(test, 1)

        let records = test.mesh.observe().interventions
        #expect(records.map(\.action) == [.policy, .policy, .policy])
        #expect(records.map(\.target) == [edge, edge, edge])
        #expect(records.map(\.origin) == ["api 127.0.0.1", "dashboard", "scenario"])
        #expect(records.map(\.detail) == ["1 attempt (no retries)", "timeout 200ms", "restored to its built policy (no timeout, 3 attempts)"])
        let (noRetries, timeout, restore) = (records[0], records[1], records[2])
        #expect(noRetries.atSeconds == 0 && noRetries.endedAtSeconds == 2 && noRetries.endedBy == "policy by dashboard")
        #expect(noRetries.effect == InterventionEffect(callsMade: 4, callsFailed: 4), "the four failing calls, not the two before it")
        #expect(timeout.endedAtSeconds == 3 && timeout.endedBy == "policy by scenario")
        #expect(timeout.effect == InterventionEffect(callsMade: 3, callsFailed: 0), "not the call after the restore")
        #expect(restore.endedAtSeconds == restore.atSeconds, "a restore ends at once")
        #expect(test.events.recent(limit: 1, kinds: [.manualAction]).first?.message
            == "policy restored to its built policy (no timeout, 3 attempts), by scenario")
    }

    @Test("a patched timeout ends the edge's next call that hangs, where the built policy had none")
    func patchedTimeoutApplies() async throws {
        let test = TestMesh(policy: builtPolicy())
        test.mesh.deploy(StubService.echo("svc"))
        await call(test, 1)
        try test.mesh.perform(.setPolicy(edge: edge, change: .patch(PolicyPatch(timeoutMilliseconds: 100, maxAttempts: 1))), origin: "api")
        test.mesh.transport.setFault(.hang, service: "svc")
        async let answered = call(test, 1)
        await test.clock.waitForSleepers(count: 2)  // the hang and the patched timeout
        test.clock.advance(by: .milliseconds(100))
        #expect(await answered == 0)
        #expect(test.mesh.interventions().last?.effect == InterventionEffect(callsMade: 1, callsFailed: 1))
    }

    @Test("a change still in force counts on, and leaves a breaker's manual state on the same edge in force")
    func ongoingAndBreakerUntouched() async throws {
        let test = TestMesh(policy: builtPolicy())
        test.mesh.deploy(StubService.echo("svc"))
        await call(test, 1)
        try test.mesh.perform(.tripBreaker(id: edge), origin: "dashboard")
        try test.mesh.perform(.setPolicy(edge: edge, change: .patch(PolicyPatch(timeoutMilliseconds: 1500, maxAttempts: 2))), origin: "cli")
        #expect(await call(test, 3) == 0)
        let snapshot = test.mesh.observe()
        #expect(snapshot.breakers.first?.state == .forcedOpen, "the breaker policy did not change, so the breaker is the same one")
        let (trip, policy) = (snapshot.interventions[0], snapshot.interventions[1])
        #expect(trip.isActive && trip.effect == InterventionEffect(callsRejected: 3))
        #expect(policy.isActive && policy.detail == "timeout 1.5s, 2 attempts")
        #expect(policy.effect == InterventionEffect(callsMade: 3, callsFailed: 3), "rejected calls are the edge's calls too")
        #expect(policy.effect.summary == "3 calls, 3 failed")
    }

    @Test("an edge that does not exist or a value out of range is refused, naming what is accepted", arguments: [
        ("caller->nope", PolicyChange.restore, "no service 'nope' (known services: svc)"),
        ("nobody->svc", .restore, "no caller 'nobody' (known callers: caller, svc)"),
        ("svc", .restore, "is not CALLER->TARGET"),
        ("->svc", .restore, "is not CALLER->TARGET"),
        ("caller->svc", .patch(PolicyPatch(timeoutMilliseconds: -5)), "timeoutMs is the per-attempt timeout in milliseconds, 1…600000"),
        ("caller->svc", .patch(PolicyPatch(maxAttempts: 0)), "maxAttempts is the attempts per call"),
        ("caller->svc", .patch(PolicyPatch()), "at least one of timeoutMs, maxAttempts"),
    ])
    func refused(_ edge: String, _ change: PolicyChange, _ words: String) async throws {
        let test = TestMesh(policy: builtPolicy())
        test.mesh.deploy(StubService.echo("svc"))
        await call(test, 1)
        let error = try #require(throws: UnknownTargetError.self) { try test.mesh.perform(.setPolicy(edge: edge, change: change), origin: "api") }
        #expect(error.description.contains(words), "\(error.description)")
        #expect(test.mesh.interventions().isEmpty && !test.mesh.controlPlane.hasOverride(caller: "caller", target: "svc"), "nothing changed")
    }

    @Test("a patch sets only its fields; more attempts on an edge without retries gets the default backoff")
    func patching() {
        let plain = CallPolicy.passThrough
        #expect(plain.patched(PolicyPatch(maxAttempts: 1)).retry == nil, "one attempt: still no retry")
        let retried = plain.patched(PolicyPatch(maxAttempts: 4))
        #expect(retried.retry?.maxAttempts == 4 && retried.timeout == nil)
        let timed = CallPolicy().patched(PolicyPatch(timeoutMilliseconds: 250))
        #expect(timed.timeout == .milliseconds(250) && timed.retry?.maxAttempts == 3 && timed.breaker == CallPolicy().breaker)
        #expect(CallPolicy().tunedSummary == "timeout 2s, 3 attempts")
        #expect(CallPolicy.passThrough.tunedSummary == "no timeout, 1 attempt")
    }
}
