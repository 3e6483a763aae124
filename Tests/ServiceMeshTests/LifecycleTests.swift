@testable import ServiceMesh
import ServiceLifecycleTestKit
import Telemetry
import Testing

@Suite("Lifecycle")
struct LifecycleTests {
    @Test("graceful shutdown refuses new requests, waits for the one in flight, then the runtime returns")
    func gracefulShutdownDrains() async throws {
        let test = TestMesh()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        test.mesh.deploy(StubService("gateway") { router in
            router.get("/slow") { _, _ in
                enter.yield()
                for await _ in gate { break }
                return .text("done")
            }
        })
        let runtime = MeshRuntime(mesh: test.mesh, clock: test.clock, healthCheckInterval: .seconds(2), heartbeatInterval: .seconds(3), drainTimeout: .seconds(5))
        try await testGracefulShutdown { trigger in
            let running = Task { try await runtime.run() }
            let slow = Task { await test.mesh.ingress(Request(path: "/slow")) }
            var enteredIterator = entered.makeAsyncIterator()
            await enteredIterator.next()
            #expect(test.mesh.totalInFlight == 1)

            trigger.triggerGracefulShutdown()
            // The drain loop checks every 10 ms: once it sleeps, draining has begun.
            await test.clock.waitForSleeper(until: test.clock.now.advanced(by: .milliseconds(10)))
            #expect(test.mesh.isDraining)
            #expect(await test.mesh.ingress(Request(path: "/slow")).status == 503)

            open.yield()
            #expect(await slow.value.text == "done")
            test.clock.advance(by: .milliseconds(10))
            try await running.value
            #expect(test.events.recent(limit: 1).first?.message == "drained: 0 requests and 0 events left")
        }
    }
}
