import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

@Suite("Sidecar, control plane, faults, health")
struct SidecarTests {
    @Test("health: an own failing check makes an instance critical; a failing dependency is reported but does not")
    func healthSemantics() async throws {
        let test = TestMesh()
        let dependencyUp = CallCounter()
        let checks = [
            HealthCheck(name: "database") { .pass },
            HealthCheck(name: "payment-service", isDependency: true) { dependencyUp["up"] > 0 ? .pass : .fail("breaker open") },
        ]
        test.mesh.deploy(StubService("svc", checks: checks) { _ in }, instances: 2)
        await test.mesh.runHealthChecks()
        #expect(try test.mesh.registry.instances(of: "svc").count == 2, "a failing dependency keeps the service in rotation")
        let status = test.mesh.observe().services.first { $0.name == "svc" }
        #expect(status?.health == .up)
        #expect(status?.checks.first { $0.name == "payment-service" }?.passing == false)
        #expect(status?.checks.first { $0.name == "payment-service" }?.isDependency == true)

        test.mesh.setInstanceHealth("svc-2", failing: "out of memory")
        await test.mesh.runHealthChecks()
        #expect(try test.mesh.registry.instances(of: "svc").map(\.id) == ["svc-1"])
        let degraded = test.mesh.observe().services.first { $0.name == "svc" }
        #expect(degraded?.health.state == .degraded)
        #expect(degraded?.instances.first { $0.id == "svc-2" }?.health == Health(.down, reason: "health check failing: liveness: out of memory"))
        #expect(test.events.recent(kinds: [.healthChange]).first?.message == "svc-2 is unhealthy: liveness (out of memory)")

        test.mesh.setInstanceHealth("svc-2", failing: nil)
        await test.mesh.runHealthChecks()
        #expect(try test.mesh.registry.instances(of: "svc").count == 2)
        #expect(test.events.recent(kinds: [.healthChange]).first?.message == "svc-2 is healthy again")
    }

    @Test("heartbeats: an instance that stops heartbeating drops out of discovery after the TTL")
    func heartbeats() async throws {
        let test = TestMesh(configuration: .init(registry: .init(heartbeatTTL: .seconds(10), deregisterAfter: .seconds(30))))
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        test.mesh.setHeartbeating("svc-1", false)
        test.clock.advance(by: .seconds(6))
        test.mesh.sendHeartbeats()
        test.clock.advance(by: .seconds(6))
        test.mesh.sweepRegistry()
        #expect(try test.mesh.registry.instances(of: "svc").map(\.id) == ["svc-2"])
        #expect(test.events.recent(kinds: [.healthChange]).first?.message == "svc-1 is critical: missed heartbeat TTL")
    }

    @Test("trace context crosses the transport as traceparent: the server span is the client span's child")
    func traceContinuity() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService("front") { router in
            router.get("/page") { _, context in try await context.client.get("back", "/echo/hi") }
        })
        test.mesh.deploy(StubService.echo("back"))
        let response = try await test.mesh.client().get("front", "/page")
        #expect(response.text == "hi")
        let summary = try #require(test.traces.recent(limit: 5).first)
        let tree = try #require(test.traces.tree(hex: summary.traceId))
        #expect(tree.spans.map { "\($0.depth) \($0.service) \($0.kind) \($0.operation)" } == [
            "0 client client GET front",
            "1 front server GET /page",
            "2 front client GET back",
            "3 back server GET /echo/:word",
        ])
        #expect(tree.spans.allSatisfy { !$0.isOrphan })
    }

    @Test("fault injection: errors with a status and ratio, added latency, down, and hang until the caller's timeout")
    func faultKinds() async throws {
        let test = TestMesh(policy: CallPolicy(breaker: nil, retry: nil, timeout: .seconds(1), outlierDetection: nil))
        test.mesh.deploy(StubService.echo("svc"))
        let client = test.mesh.client()

        try test.mesh.perform(.setFault(service: "svc", fault: .errors(ratio: 1, status: 500)), origin: "test")
        #expect(try await client.get("svc", "/echo/x").status == 500)
        try test.mesh.perform(.setFault(service: "svc", fault: .errors(ratio: 0.3)), origin: "test")
        var failed = 0
        for _ in 0..<1_000 where try await client.get("svc", "/echo/x").status == 503 { failed += 1 }
        #expect((250...350).contains(failed), "\(failed) of 1,000 failed with a 30% fault")

        try test.mesh.perform(.setFault(service: "svc", fault: .down), origin: "test")
        await #expect(throws: MeshCallError(caller: nil, target: "svc", kind: .unavailable, message: "connection refused by svc-1.mesh:8080")) {
            try await client.get("svc", "/echo/x")
        }

        try test.mesh.perform(.setFault(service: "svc", fault: .latency(milliseconds: 300)), origin: "test")
        let slow = Task { try await client.get("svc", "/echo/late") }
        await test.clock.waitForSleepers(count: 2) // the fault's delay and the caller's timeout
        test.clock.advance(by: .milliseconds(299))
        #expect(test.clock.sleeperCount == 2, "still waiting after 299 ms")
        test.clock.advance(by: .milliseconds(1))
        #expect(try await slow.value.text == "late")

        try test.mesh.perform(.setFault(service: "svc", fault: .hang), origin: "test")
        let hung = Task { try await client.get("svc", "/echo/x") }
        await test.clock.waitForSleepers(count: 2)
        test.clock.advance(by: .seconds(1))
        await #expect(throws: MeshCallError(caller: nil, target: "svc", kind: .timeout, message: "timed out after 1s")) { try await hung.value }

        try test.mesh.perform(.setFault(service: "svc", fault: .none), origin: "test")
        #expect(try await client.get("svc", "/echo/ok").text == "ok")
        #expect(test.events.recent(kinds: [.manualAction]).map(\.message).prefix(2) == ["fault cleared, by test", "fault injected: hang, by test"])
        #expect(throws: UnknownTargetError.self) { try test.mesh.perform(.setFault(service: "nope", fault: .down), origin: "test") }
    }

    @Test("a policy change applies to the next call; the breaker keeps its state when only the retry changes")
    func livePolicyChange() async throws {
        let test = TestMesh(policy: .passThrough)
        let calls = CallCounter()
        test.mesh.deploy(StubService("svc") { router in
            router.get("/flaky") { _, _ in calls.hit("flaky"); return .error(503, "busy") }
        })
        let client = test.mesh.client(as: "caller")
        #expect(try await client.get("svc", "/flaky").status == 503)
        #expect(calls["flaky"] == 1)

        var retrying = breakerOnly(failures: 10)
        retrying.retry = RetryPolicy(maxAttempts: 3, backoff: .constant(.zero), jitter: .none)
        test.mesh.controlPlane.setPolicy(retrying, caller: "caller", target: "svc")
        #expect(try await client.get("svc", "/flaky").status == 503)
        #expect(calls["flaky"] == 4, "three attempts under the new policy")
        let breaker = try #require(test.mesh.resilience.breaker(id: "caller->svc"))
        #expect(breaker.status().callsInWindow == 3)

        var moreRetries = retrying
        moreRetries.retry = RetryPolicy(maxAttempts: 2, backoff: .constant(.zero), jitter: .none)
        test.mesh.controlPlane.setPolicy(moreRetries, caller: "caller", target: "svc")
        #expect(try await client.get("svc", "/flaky").status == 503)
        #expect(calls["flaky"] == 6)
        #expect(test.mesh.resilience.breaker(id: "caller->svc") === breaker, "same breaker: its policy did not change")
        #expect(breaker.status().callsInWindow == 5)
    }

    @Test("security: a caller the policy does not allow gets 403 and an event")
    func securityDeny() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("payments"))
        test.mesh.controlPlane.setAllowedCallers(["orders"], target: "payments")
        #expect(try await test.mesh.client(as: "orders").get("payments", "/echo/ok").status == 200)
        let denied = try await test.mesh.client(as: "catalog").get("payments", "/echo/no")
        #expect(denied.status == 403)
        #expect(denied.errorMessage == "catalog may not call payments")
        #expect(try await test.mesh.client().get("payments", "/echo/no").status == 403)
        let event = try #require(test.events.recent(kinds: [.security]).last)
        #expect(event.message == "denied a call from catalog to GET /echo/no")
        #expect(event.source == "payments")
        #expect(event.traceId != nil)
    }

    @Test("a trip by id shows in the snapshot and the event log; reset returns it to closed")
    func manualTrip() async throws {
        let test = TestMesh(policy: breakerOnly())
        test.mesh.deploy(StubService.echo("svc"))
        let client = test.mesh.client(as: "caller")
        #expect(try await client.get("svc", "/echo/a").status == 200)

        try test.mesh.perform(.tripBreaker(id: "caller->svc", forSeconds: nil), origin: "dashboard")
        await #expect(throws: MeshCallError.self) { try await client.get("svc", "/echo/b") }
        let snapshot = test.mesh.observe()
        let breaker = try #require(snapshot.breakers.first { $0.id == "caller->svc" })
        #expect(breaker.state == .forcedOpen)
        #expect(breaker.isManual)
        #expect(breaker.rejectedCount == 1)
        let manual = try #require(snapshot.events.first { $0.kind == .manualAction })
        #expect(manual.source == "caller->svc")
        #expect(manual.message == "tripped (forced open), was closed, by dashboard")
        #expect(manual.attributes["origin"] == "dashboard")

        try test.mesh.perform(.resetBreaker(id: "caller->svc"), origin: "dashboard")
        #expect(test.mesh.observe().breakers.first?.state == .closed)
        #expect(try await client.get("svc", "/echo/c").status == 200)
        #expect(throws: UnknownTargetError.self) { try test.mesh.perform(.tripBreaker(id: "nope", forSeconds: nil), origin: "dashboard") }
    }

    @Test("a trip for longer than a duration can hold is forced open for as long as one can, not a crash")
    func tripBeyondDurationRange() async throws {
        let test = TestMesh(policy: breakerOnly())
        test.mesh.deploy(StubService.echo("svc"))
        let client = test.mesh.client(as: "caller")
        #expect(try await client.get("svc", "/echo/a").status == 200)
        try test.mesh.perform(.tripBreaker(id: "caller->svc", forSeconds: 3e16), origin: "api")
        #expect(test.mesh.observe().breakers.first { $0.id == "caller->svc" }?.state == .forcedOpen)
        await #expect(throws: MeshCallError.self) { try await client.get("svc", "/echo/b") }
    }

    @Test("the snapshot keeps the audit trail: manual actions stay in view when busier events push them out")
    func auditTrailStays() throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"))
        try test.mesh.perform(.setFault(service: "svc", fault: .down), origin: "dashboard")
        for n in 0..<300 { test.events.record(source: "svc", kind: .info, message: "noise \(n)") }
        let events = test.mesh.observe(eventLimit: 200).events
        #expect(events.count == 201)
        #expect(events.first?.message == "noise 299")
        #expect(events.last?.message == "fault injected: down, by dashboard")
        #expect(events.last?.attributes["origin"] == "dashboard")
    }

    @Test("with the registry unreachable, calls go to the cached instances and the mesh says so")
    func staleDiscovery() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"))
        let client = test.mesh.client(as: "caller")
        #expect(try await client.get("svc", "/echo/a").status == 200)
        test.mesh.registry.isReachable = false
        test.clock.advance(by: .seconds(7))
        #expect(try await client.get("svc", "/echo/b").status == 200)
        #expect(test.events.recent(kinds: [.healthChange]).first?.message == "serving cached instances of svc (7s old): the registry is unreachable")
        let newest = try #require(test.traces.recent(limit: 1).first)
        let tree = try #require(test.traces.tree(hex: newest.traceId))
        #expect(tree.spans.first?.attributes["discovery.stale"] == "true")
        test.mesh.registry.isReachable = true
        #expect(try await client.get("svc", "/echo/c").status == 200)
        #expect(test.events.recent(kinds: [.healthChange]).first?.message == "discovery of svc is fresh again")
    }

    /// svc on two instances, behind outlier detection that ejects after three server errors in a row.
    private func outlierMesh() -> TestMesh {
        var policy = CallPolicy.passThrough
        policy.outlierDetection = OutlierDetectionPolicy(consecutiveErrors: 3, baseEjectionTime: .seconds(10), maxEjectionShare: 0.5)
        let test = TestMesh(policy: policy)
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        return test
    }

    private func isEjected(_ instance: String, in test: TestMesh) -> Bool? {
        test.mesh.observe().services.first { $0.name == "svc" }?.instances.first { $0.id == instance }?.ejected
    }

    @Test("outlier detection through the sidecar: a failing instance is ejected, then returns after its time")
    func sidecarOutlierEjection() async throws {
        let test = outlierMesh()
        test.mesh.transport.setFault(.errors(ratio: 1), instance: "svc-1")
        let client = test.mesh.client(as: "caller")
        var answers: [String] = []
        for _ in 0..<10 { answers.append(try await client.get("svc", "/whoami").text) }
        // Round robin alternates until svc-1's third error (call 5); from then on svc-2 only.
        #expect(answers.filter { $0 == "svc-2" }.count == 7)
        #expect(isEjected("svc-1", in: test) == true)
        #expect(test.events.recent(kinds: [.healthChange]).first?.message == "svc-1 ejected by outlier detection (consecutive server errors)")

        test.mesh.transport.setFault(.none, instance: "svc-1")
        test.clock.advance(by: .seconds(10))
        var after: Set<String> = []
        for _ in 0..<4 { after.insert(try await client.get("svc", "/whoami").text) }
        #expect(after == ["svc-1", "svc-2"])
    }

    @Test("outlier detection through the sidecar: a success between server errors ends their run")
    func sidecarOutlierRunEndsOnSuccess() async throws {
        let test = outlierMesh()
        let client = test.mesh.client(as: "caller")
        // Round robin: odd calls go to svc-1. Two errors, a success, two errors: never three in a row.
        for fault in [FaultSpec.errors(ratio: 1), .none, .errors(ratio: 1)] {
            test.mesh.transport.setFault(fault, instance: "svc-1")
            for _ in 0..<(fault == .none ? 2 : 4) { _ = try await client.get("svc", "/whoami") }
        }
        #expect(isEjected("svc-1", in: test) == false)
        #expect(test.events.recent(kinds: [.healthChange]).isEmpty)
        // A third error in a row now ejects it.
        test.mesh.transport.setFault(.errors(ratio: 1), instance: "svc-1")
        for _ in 0..<2 { _ = try await client.get("svc", "/whoami") }
        #expect(isEjected("svc-1", in: test) == true)
    }

    @Test("weighted routing by version: a 90/10 canary")
    func canary() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"), instances: 2, version: "v1")
        test.mesh.deploy(StubService.echo("svc"), instances: 1, version: "v2")
        test.mesh.controlPlane.setTrafficSplit(["v1": 90, "v2": 10], service: "svc")
        var canary = 0
        for _ in 0..<2_000 where try await test.mesh.client(as: "caller").get("svc", "/whoami").text == "svc-3" { canary += 1 }
        #expect((160...240).contains(canary), "\(canary) of 2,000 went to v2")
        test.mesh.controlPlane.setTrafficSplit(nil, service: "svc")
        var spread: Set<String> = []
        for _ in 0..<6 { spread.insert(try await test.mesh.client(as: "caller").get("svc", "/whoami").text) }
        #expect(spread == ["svc-1", "svc-2", "svc-3"])
    }
}
