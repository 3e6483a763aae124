import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

/// What the mesh logs, and that each record names the trace and span it was logged in.
@Suite("Mesh logging")
struct MeshLoggingTests {
    @Test("a failed call is logged by the target's handler span, the caller's client span and the caller's server span, in one trace")
    func aFailedCallIsLoggedAlongItsTrace() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService("front") { router in
            router.get("/page") { _, context in try await context.client.get("back", "/stock") }
            router.get("/fine") { _, _ in .text("ok") }
        })
        test.mesh.deploy(StubService("back") { router in
            router.get("/stock") { _, context in
                context.logger.info("checking stock", metadata: ["sku": "42"])
                return .error(503, "stock database unreachable")
            }
        })
        let response = try await test.mesh.client().get("front", "/page")
        #expect(response.status == 503)
        _ = try await test.mesh.client().get("front", "/fine")

        let summary = try #require(test.traces.recent(limit: 5).first { $0.services.contains("back") })
        let tree = try #require(test.traces.tree(hex: summary.traceId))
        func span(_ service: String, _ kind: SpanKindRecord) throws -> String {
            try #require(tree.spans.first { $0.service == service && $0.kind == kind }).spanId
        }
        let logs = test.mesh.telemetry.logs.records(traceId: summary.traceId)
        #expect(logs.map(\.service) == ["back", "back", "front", "front"])
        #expect(logs.map(\.level) == [.info, .error, .warning, .error])
        #expect(logs[0].message == "checking stock")
        #expect(logs[0].metadata == ["sku": "42"])
        #expect(logs[1].message == "GET /stock answered 503: stock database unreachable")
        #expect(logs[2].message == "GET back/stock answered 503: stock database unreachable")
        #expect(logs[3].message == "GET /page answered 503: stock database unreachable")
        #expect(logs[0].spanId == (try span("back", .server)))
        #expect(logs[1].spanId == (try span("back", .server)))
        #expect(logs[2].spanId == (try span("front", .client)), "the caller's failure is logged in its client span")
        #expect(logs[3].spanId == (try span("front", .server)))
        #expect(test.mesh.telemetry.logs.count == 4, "a request that succeeds logs nothing")
    }

    @Test("a breaker that opens is logged as a warning by the caller, and the snapshot carries the logs")
    func breakerTransitionsAreLogged() async throws {
        let test = TestMesh()
        test.mesh.controlPlane.setPolicy(breakerOnly(failures: 2), caller: "front", target: "back")
        test.mesh.deploy(StubService("front") { router in
            router.get("/page") { _, context in try await context.client.get("back", "/fail") }
        })
        test.mesh.deploy(StubService("back") { router in
            router.get("/fail") { _, _ in .error(500, "boom") }
        })
        for _ in 0..<3 { _ = try? await test.mesh.client().get("front", "/page") }
        let warnings = test.mesh.telemetry.logs.recent(minimumLevel: .warning, text: "CLOSED -> OPEN")
        let opened = try #require(warnings.first)
        #expect(opened.service == "front")
        #expect(opened.message.hasPrefix("breaker front->back CLOSED -> OPEN"))
        #expect(opened.metadata["breaker"] == "front->back")
        #expect(test.mesh.telemetry.logs.recent(text: "refused").isEmpty, "a call the open breaker refused is below the default level")
        let answered = test.mesh.telemetry.logs.recent(text: "GET /page answered 503").first
        #expect(answered?.level == .warning, "a dependency that failed makes the caller's 5xx a warning")
        #expect(answered?.message.contains("back failed") == true)
        let snapshot = test.mesh.observe()
        #expect(snapshot.logs == test.mesh.telemetry.logs.recent(limit: 200))
        #expect(snapshot.dropped.logs == 0)
    }

    @Test("at debug level the calls a breaker refused are logged too")
    func refusedCallsAtDebug() async throws {
        let clock = ManualClock()
        let telemetry = MeshTelemetry(time: TimeSource(clock: clock, originUnixNanoseconds: 0), seed: 1, logLevel: .debug)
        let mesh = Mesh(name: "test", clock: clock, telemetry: telemetry, controlPlane: ControlPlane(defaultPolicy: .passThrough))
        mesh.controlPlane.setPolicy(breakerOnly(failures: 1), caller: "front", target: "back")
        mesh.deploy(StubService("front") { router in
            router.get("/page") { _, context in try await context.client.get("back", "/fail") }
        })
        mesh.deploy(StubService("back") { router in
            router.get("/fail") { _, _ in .error(500, "boom") }
        })
        for _ in 0..<2 { _ = try? await mesh.client().get("front", "/page") }
        let refused = try #require(telemetry.logs.recent(text: "refused").first)
        #expect(refused.level == .debug)
        #expect(refused.message == "GET back/fail refused: breaker open")
        #expect(refused.metadata["error"] == "breakerOpen")
    }

    @Test("the store drops the oldest records when full and the snapshot counts them")
    func droppedRecordsAreCounted() async throws {
        let clock = ManualClock()
        let telemetry = MeshTelemetry(time: TimeSource(clock: clock, originUnixNanoseconds: 0), seed: 1, logCapacity: 2)
        let mesh = Mesh(name: "test", clock: clock, telemetry: telemetry, controlPlane: ControlPlane(defaultPolicy: .passThrough))
        mesh.deploy(StubService("svc") { router in
            router.get("/fail") { _, _ in .error(500, "boom") }
        })
        for _ in 0..<3 { _ = try await mesh.client().get("svc", "/fail") }
        let snapshot = mesh.observe()
        #expect(snapshot.logs.count == 2)
        #expect(snapshot.logs.map(\.id) == [3, 2])
        #expect(snapshot.dropped.logs == 1)
    }
}
