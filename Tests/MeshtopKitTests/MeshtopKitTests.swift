import Dashboard
import HTTPEdge
import MeshtopHTTP
import MeshtopKit
import ServiceLifecycleTestKit
import ServiceMesh
import Synchronization
import Telemetry
import TestSupport
import Testing

/// A service made of one route, for the tests.
struct OneRoute: MeshService {
    let name: String
    let router: Router

    init(_ name: String, _ path: String, _ handler: @escaping Handler) {
        self.name = name
        var router = Router()
        router.get(path, handler)
        self.router = router
    }
}

@Suite("MeshtopKit")
struct MeshtopKitTests {
    func mesh(clock: ManualClock) -> Mesh {
        let telemetry = MeshTelemetry(time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000), seed: 7)
        let mesh = Mesh(name: "quotes", clock: clock, telemetry: telemetry, controlPlane: ControlPlane(defaultPolicy: CallPolicy()))
        mesh.deploy(OneRoute("weather", "/weather") { _, _ in .text("sunny") })
        mesh.deploy(OneRoute("quotes", "/quote") { _, context in
            let weather = try await context.client.get("weather", "/weather")
            return .text("carpe diem, it is \(String(decoding: weather.body, as: UTF8.self))")
        })
        return mesh
    }

    @Test func aMeshSourceShowsYourOwnServicesAndTheirEdge() async throws {
        let clock = ManualClock()
        let mesh = mesh(clock: clock)
        for _ in 0..<5 {
            #expect(await mesh.ingress(Request(path: "/quote"), service: "quotes").status == 200)
        }
        clock.advance(by: .seconds(1))
        mesh.telemetry.metricsStore.tick()
        let source = MeshSource(mesh: mesh)
        let snapshot = try #require(await source.snapshot())
        #expect(snapshot.system == "quotes")
        #expect(snapshot.services.map(\.name).sorted() == ["quotes", "weather"])
        #expect(snapshot.edges.contains { $0.caller == "quotes" && $0.target == "weather" })
        #expect(source.connectionStatus == .live)
        #expect(source.controlUnavailableReason == nil)
    }

    @Test func commandsFromTheDashboardAreRecordedWithTheirOrigin() async throws {
        let clock = ManualClock()
        let mesh = mesh(clock: clock)
        _ = await mesh.ingress(Request(path: "/quote"), service: "quotes")
        let source = MeshSource(mesh: mesh, origin: "my-app")
        try await source.perform(.tripBreaker(id: "quotes->weather"))
        #expect(mesh.observe(window: 10).breakers.first { $0.id == "quotes->weather" }?.state == .forcedOpen)
        #expect(mesh.telemetry.events.recent(limit: 1).first?.message.hasSuffix("by my-app") == true)
        await #expect(throws: (any Error).self) { try await source.perform(.tripBreaker(id: "nobody->weather")) }
    }

    @Test func repeatingWorkRunsEachIntervalAndStopsOnGracefulShutdown() async throws {
        let clock = ManualClock()
        let rounds = Mutex(0)
        let work = Repeating(every: .seconds(1), clock: clock) { rounds.withLock { $0 += 1 } }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await work.run() }
                await waitUntil("the first round") { rounds.withLock { $0 } == 1 && clock.sleeperCount == 1 }
                clock.advance(by: .seconds(1))
                await waitUntil("the second round") { rounds.withLock { $0 } == 2 && clock.sleeperCount == 1 }
                trigger.triggerGracefulShutdown()
                // The round in progress (a sleep) ends; no third round starts.
                clock.advance(by: .seconds(1))
                try await group.waitForAll()
                #expect(rounds.withLock { $0 } == 2)
            }
        }
    }

    @Test func aServedMeshAnswersForItsOwnServicesAndCommands() async throws {
        let clock = ManualClock()
        let mesh = mesh(clock: clock)
        _ = await mesh.ingress(Request(path: "/quote"), service: "quotes")
        let provider = MeshEdgeProvider(mesh: mesh)
        #expect(await provider.snapshot(window: 10).services.map(\.name).sorted() == ["quotes", "weather"])
        try await provider.perform(.tripBreaker(id: "quotes->weather"), origin: "api 127.0.0.1:1")
        #expect(mesh.observe(window: 10).breakers.first { $0.id == "quotes->weather" }?.state == .forcedOpen)
        await #expect(throws: ControlTargetNotFound.self) {
            try await provider.perform(.resetBreaker(id: "nobody->weather"), origin: "api 127.0.0.1:1")
        }
        #expect(provider.metricsExposition().contains("requests_total"))
    }

    @Test func aServedMeshChangesAnEdgesPolicyAndListsItAsAnIntervention() async throws {
        let clock = ManualClock()
        let mesh = mesh(clock: clock)
        _ = await mesh.ingress(Request(path: "/quote"), service: "quotes")
        let provider = MeshEdgeProvider(mesh: mesh)
        try await provider.perform(.setPolicy(edge: "quotes->weather", change: .patch(PolicyPatch(timeoutMilliseconds: 300))), origin: "api 127.0.0.1:1")
        #expect(mesh.controlPlane.policy(caller: "quotes", target: "weather").timeout == .milliseconds(300))
        #expect(await mesh.ingress(Request(path: "/quote"), service: "quotes").status == 200)
        let record = try #require(mesh.interventions().last)
        #expect(record.action == .policy && record.target == "quotes->weather" && record.origin == "api 127.0.0.1:1")
        #expect(record.detail == "timeout 300ms" && record.isActive)
        #expect(record.effect == InterventionEffect(callsMade: 1, callsFailed: 0))
        await #expect(throws: ControlTargetNotFound.self) {
            try await provider.perform(.setPolicy(edge: "quotes->nobody", change: .restore), origin: "api 127.0.0.1:1")
        }
    }

    @Test func serveItListensWhereToldAndNeedsATokenBeyondLoopback() throws {
        let mesh = mesh(clock: ManualClock())
        let server = try MeshtopServer.service(mesh: mesh, listen: "127.0.0.1:0")
        #expect(server.host == "127.0.0.1" && server.port == 0)
        #expect(throws: ListenAddressError.self) { try MeshtopServer.service(mesh: mesh, listen: "0.0.0.0:9464") }
        #expect(throws: ListenAddressError.self) { try MeshtopServer.service(mesh: mesh, listen: "9464") }
        _ = try MeshtopServer.service(mesh: mesh, listen: "0.0.0.0:9464", token: "secret")
    }
}
