import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

@Suite("Integration: three services, two instances each")
struct IntegrationTests {
    /// front → middle → back, each with two instances; middle falls back to a cached answer when
    /// its breaker to back is open.
    func makeSystem(_ policy: CallPolicy) -> TestMesh {
        let test = TestMesh(policy: policy)
        test.mesh.deploy(StubService("front") { router in
            router.get("/page") { _, context in try await context.client.get("middle", "/data") }
        }, instances: 2)
        test.mesh.deploy(StubService("middle") { router in
            router.get("/data") { _, context in
                do {
                    let answer = try await context.client.get("back", "/whoami")
                    return answer.isSuccess ? .text("fresh from \(answer.text)") : answer
                } catch let error as MeshCallError where error.kind == .breakerOpen {
                    return .text("fallback: cached")
                }
            }
        }, instances: 2)
        test.mesh.deploy(StubService("back") { router in
            router.get("/whoami") { _, context in .text(context.instance.id) }
        }, instances: 2)
        return test
    }

    @Test("kill an instance's health: after the next health check and the discovery TTL, traffic moves to the other")
    func healthMovesTraffic() async throws {
        let test = makeSystem(.passThrough)
        let client = test.mesh.client()
        var before: Set<String> = []
        for _ in 0..<4 { before.insert(try await client.get("front", "/page").text) }
        #expect(before == ["fresh from back-1", "fresh from back-2"])

        test.mesh.setInstanceHealth("back-1", failing: "disk full")
        await test.mesh.runHealthChecks()
        test.clock.advance(by: test.mesh.configuration.discoveryTTL)
        var after: Set<String> = []
        for _ in 0..<6 { after.insert(try await client.get("front", "/page").text) }
        #expect(after == ["fresh from back-2"])
        #expect(test.mesh.observe().services.first { $0.name == "back" }?.health.state == .degraded)
    }

    @Test("inject 100% errors into a dependency: its breaker opens, with a reason, and the caller's fallback runs")
    func breakerOpensAndFallbackRuns() async throws {
        let test = makeSystem(.passThrough)
        test.mesh.controlPlane.setPolicy(breakerOnly(failures: 5), caller: "middle", target: "back")
        test.mesh.controlPlane.setPolicy(breakerOnly(failures: 10), caller: "front", target: "middle")
        let client = test.mesh.client()
        try test.mesh.perform(.setFault(service: "back", fault: .errors(ratio: 1)), origin: "test")
        var answers: [String] = []
        for _ in 0..<8 { answers.append(try await client.get("front", "/page").text) }
        #expect(answers.prefix(5).allSatisfy { $0.contains("injected fault") })
        #expect(answers.suffix(3).allSatisfy { $0 == "fallback: cached" })

        let snapshot = test.mesh.observe()
        let breaker = try #require(snapshot.breakers.first { $0.id == "middle->back" })
        #expect(breaker.state == .open)
        #expect(breaker.rejectedCount == 3)
        #expect(breaker.transitions.last?.to == .open)
        #expect(breaker.transitions.last?.reason == "5 consecutive failures")
        #expect(snapshot.breakers.first { $0.id == "front->middle" }?.state == .closed, "the fallback keeps front's breaker closed")
        let opened = test.events.recent(kinds: [.breakerTransition]).first
        #expect(opened?.message == "CLOSED -> OPEN: 5 consecutive failures")
        // The event names the trace of the call that opened it, so the dashboard can open that trace.
        #expect(opened?.traceId?.count == 32)
    }

    @Test("the snapshot has every service with its request figures from the metric windows")
    func snapshotFigures() async throws {
        let test = makeSystem(.passThrough)
        let client = test.mesh.client()
        for _ in 0..<20 { _ = try await client.get("front", "/page") }
        test.closeSecond()
        let snapshot = test.mesh.observe(window: 1)
        #expect(snapshot.services.map(\.name) == ["back", "front", "middle"])
        for service in snapshot.services {
            #expect(service.requestsTotal == 20)
            #expect(service.rps == 20)
            #expect(service.instances.count == 2)
            #expect(service.rpsHistory.last == 20)
        }
        #expect(snapshot.services.first { $0.name == "middle" }?.dependencies == ["back"])
        #expect(snapshot.routes.map(\.id) == ["back GET /whoami", "front GET /page", "middle GET /data"])
        #expect(snapshot.traces.count == 20)
        #expect(snapshot.traces.first?.spanCount == 6)
    }
}
