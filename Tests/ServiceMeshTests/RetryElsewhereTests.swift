import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

/// A retry goes to an instance the call has not just tried, as Envoy's previous-hosts predicate
/// does: one refusing instance of two costs a call at most one attempt.
@Suite("Retries go to another instance")
struct RetryElsewhereTests {
    @Test("one of two instances refusing: every call succeeds, and each tries the refusing one at most once")
    func aRefusingTwinCostsOneAttempt() async throws {
        // Random balancing with no outlier detection and no breaker: without retrying elsewhere,
        // about one call in eight would pick the refusing instance three times running.
        let test = TestMesh(policy: CallPolicy(breaker: nil, retry: RetryPolicy(maxAttempts: 3, backoff: .constant(.zero), jitter: .none),
                                               timeout: nil, loadBalancing: .random, outlierDetection: nil))
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        test.mesh.transport.setFault(.down, instance: "svc-1")
        let client = test.mesh.client(as: "caller")
        for call in 0..<64 {
            let response = try await client.get("svc", "/whoami")
            #expect(response.status == 200, "call \(call)")
            #expect(response.text == "svc-2")
        }
        let refused = test.mesh.telemetry.metricsStore.total(.init(label: AttemptOutcome.metricLabel, matching: ["target": "svc", "outcome": "refused"]))
        #expect(refused > 0 && refused <= 64, "\(refused) refused attempts")
    }

    @Test("with one instance, a retry goes back to it")
    func aSingleInstanceIsRetried() async throws {
        let test = TestMesh(policy: CallPolicy(breaker: nil, retry: RetryPolicy(maxAttempts: 3, backoff: .constant(.zero), jitter: .none),
                                               timeout: nil, outlierDetection: nil))
        test.mesh.deploy(StubService.echo("svc"), instances: 1)
        test.mesh.transport.setFault(.down, instance: "svc-1")
        let client = test.mesh.client(as: "caller")
        _ = try? await client.get("svc", "/whoami")
        let refused = test.mesh.telemetry.metricsStore.total(.init(label: AttemptOutcome.metricLabel, matching: ["target": "svc", "outcome": "refused"]))
        #expect(refused == 3)
    }
}
