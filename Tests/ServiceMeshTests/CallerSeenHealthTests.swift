import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

/// A service's health and error ratio as its callers see it: refused and timed-out attempts count
/// against it although it never saw (or never failed) them itself.
@Suite("Health as callers see it: refused, timed out, ejected")
struct CallerSeenHealthTests {
    /// `calls` GETs from `caller` to `svc`, each allowed to fail.
    func call(_ test: TestMesh, _ calls: Int) async -> (answered: Int, failed: [MeshCallError.Kind]) {
        let client = test.mesh.client(as: "caller")
        var answered = 0
        var failed: [MeshCallError.Kind] = []
        for _ in 0..<calls {
            do {
                _ = try await client.get("svc", "/echo/x")
                answered += 1
            } catch {
                failed.append(error.kind)
            }
        }
        return (answered, failed)
    }

    func status(_ test: TestMesh) throws -> ServiceStatus {
        test.closeSecond()
        return try #require(test.mesh.observe(window: 1).services.first { $0.name == "svc" })
    }

    @Test("every instance refusing: down, and every attempt a failure although the service counted none")
    func allInstancesRefuse() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        test.mesh.transport.setFault(.down, service: "svc")
        let result = await call(test, 10)
        #expect(result.answered == 0)
        #expect(result.failed == Array(repeating: .unavailable, count: 10))

        let svc = try status(test)
        #expect(svc.health == Health(.down, reason: "connections refused by 2/2 instances"))
        #expect(svc.rps == 0, "nothing reached it")
        #expect(svc.errorRatio == 1)
        #expect(svc.errorHistory.last == 10)
    }

    @Test("one of two instances refusing: degraded, and half the attempts failed")
    func oneInstanceRefuses() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        test.mesh.transport.setFault(.down, instance: "svc-2")
        let result = await call(test, 10)
        #expect(result.answered == 5, "round robin sends every other call to the refusing instance")

        let svc = try status(test)
        #expect(svc.health == Health(.degraded, reason: "connections refused by 1/2 instances"))
        #expect(svc.rps == 5)
        #expect(svc.errorRatio == 0.5, "5 refused of 10 attempted: 5 it answered plus 5 it never saw")

        // Once the instance listens again and answers, it is no longer held against the service.
        test.mesh.transport.setFault(.none, instance: "svc-2")
        _ = await call(test, 4)
        test.closeSecond()
        let recovered = try #require(test.mesh.observe(window: 1).services.first { $0.name == "svc" })
        #expect(recovered.health == .up)
        #expect(recovered.errorRatio == 0)
    }

    @Test("every instance hanging: down, the attempts its callers gave up on are failures")
    func allInstancesHang() async throws {
        let test = TestMesh(policy: CallPolicy(breaker: nil, retry: nil, timeout: .seconds(1), outlierDetection: nil))
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        test.mesh.transport.setFault(.hang, service: "svc")
        let hung = Task { await call(test, 1) }
        await test.clock.waitForSleepers(count: 2) // the hang and the caller's timeout
        test.clock.advance(by: .seconds(1))
        #expect(await hung.value.failed == [.timeout])

        let svc = try status(test)
        #expect(svc.health == Health(.down, reason: "calls time out"))
        #expect(svc.rps == 1, "it counted the request, as 499 when its caller gave up")
        #expect(svc.errorRatio == 1)
    }

    @Test("a service failing every request: its own errors; once outlier detection ejects every instance, down")
    func allInstancesEjected() async throws {
        let outliers = OutlierDetectionPolicy(consecutiveErrors: 2, baseEjectionTime: .seconds(30), maxEjectionShare: 1)
        let test = TestMesh(policy: CallPolicy(breaker: nil, retry: nil, timeout: nil, outlierDetection: outliers))
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        test.mesh.transport.setFault(.errors(ratio: 1, status: 500), service: "svc")
        let result = await call(test, 4)
        #expect(result.answered == 4, "a 500 is an answer")

        let svc = try status(test)
        #expect(svc.instances.map(\.ejected) == [true, true])
        #expect(svc.health == Health(.down, reason: "all instances ejected by outlier detection"))
        #expect(svc.errorRatio == 1)
    }
}
