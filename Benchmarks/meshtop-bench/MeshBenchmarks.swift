import Foundation
import Resilience
import ServiceMesh
import Telemetry

/// The mesh figures: one hop through the mesh against calling the handler directly, and the
/// throughput of gateway → service → service with every instrument on.
func registerMeshBenchmarks(on runner: BenchmarkRunner) async {
    struct Echo: MeshService {
        let name: String
        let next: String?
        var router: Router {
            var router = Router()
            let next = self.next
            router.get("/echo/:word") { _, context in
                if let next { return try await context.client.get(next, "/echo/x") }
                return .text("ok")
            }
            return router
        }
    }

    // Breaker + retry + outlier detection, metrics into the real in-process store, spans into the
    // real trace store; no per-attempt timeout (reported separately: each attempt runs in a task).
    let policy = CallPolicy(breaker: CircuitBreakerPolicy(), retry: RetryPolicy(maxAttempts: 3, backoff: .exponential(base: .milliseconds(10)), jitter: .full),
                            timeout: nil, outlierDetection: OutlierDetectionPolicy())
    let mesh = Mesh(name: "bench", clock: ContinuousClock(), telemetry: MeshTelemetry(time: .continuous(), seed: 1),
                    controlPlane: ControlPlane(defaultPolicy: policy))
    // Spans are assembled into traces in the background, as MeshRuntime does.
    let assembler = Task.detached { await mesh.telemetry.traces.runAssembler() }
    defer { assembler.cancel() }
    let echo = Echo(name: "echo", next: nil)
    mesh.deploy(echo)
    let client = mesh.client(as: "caller")

    runner.declareBaselines(["mesh.direct-handler-call"])
    let router = echo.router
    guard case .found(let route, let parameters, let handler) = router.match(.get, "/echo/x") else { return }
    let context = RequestContext(parameters: parameters, caller: "caller", instance: InstanceID(service: "echo", id: "echo-1"), route: route, client: client)
    let request = Request(path: "/echo/x")
    let direct = try? await handler(request, context)
    runner.require("mesh.direct-handler-call", direct?.status == 200, "the handler must answer 200; got \(String(describing: direct?.status))")
    let hop = try? await client.get("echo", "/echo/x")
    runner.require("mesh.one-hop", hop?.status == 200, "a call through the mesh must answer 200; got \(String(describing: hop?.status))")
    runner.require("mesh.one-hop", policy.timeout == nil && policy.breaker != nil && policy.retry != nil && policy.outlierDetection != nil,
                   "the policy must have a breaker, retry and outlier detection, and no per-attempt timeout")
    try? await runner.measureAsync("mesh.direct-handler-call", iterations: 2_000_000, note: "the handler called as a function (router match done once)") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await handler(request, context).status }
        blackHole(sum)
    }
    try? await runner.measureAsync("mesh.one-hop", baseline: "mesh.direct-handler-call", iterations: 200_000,
                                   note: "caller sidecar (breaker, retry, outlier detection, client span, metrics) + transport (no latency) + target sidecar (server span, metrics, in-flight); target ≤ 2 µs") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await client.get("echo", "/echo/x").status }
        blackHole(sum)
    }

    var timed = policy
    timed.timeout = .seconds(1)
    mesh.controlPlane.setPolicy(timed, caller: "timed", target: "echo")
    let timedClient = mesh.client(as: "timed")
    let timedHop = try? await timedClient.get("echo", "/echo/x")
    runner.require("mesh.one-hop-with-timeout", timedHop?.status == 200 && mesh.controlPlane.policy(caller: "timed", target: "echo").timeout == .seconds(1),
                   "a call with a 1 s per-attempt timeout must answer 200; got \(String(describing: timedHop?.status))")
    try? await runner.measureAsync("mesh.one-hop-with-timeout", baseline: "mesh.direct-handler-call", iterations: 100_000,
                                   note: "as mesh.one-hop plus a per-attempt timeout; report only") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await timedClient.get("echo", "/echo/x").status }
        blackHole(sum)
    }

    // Throughput: 64 clients in parallel through the gateway to front, which calls back.
    let system = Mesh(name: "bench-system", clock: ContinuousClock(), telemetry: MeshTelemetry(time: .continuous(), seed: 2),
                      controlPlane: ControlPlane(defaultPolicy: CallPolicy(timeout: .seconds(1))))
    // The gateway forwards /api/echo/x to front as /echo/x, the route Echo serves.
    system.deploy(Gateway(routes: [Gateway.Route(prefix: "echo", service: "front", publicMethods: [.get])], rateLimit: nil,
                          clock: ContinuousClock(), metrics: system.telemetry.metrics), instances: 2)
    system.deploy(Echo(name: "front", next: "back"), instances: 2)
    system.deploy(Echo(name: "back", next: nil), instances: 2)
    let systemAssembler = Task.detached { await system.telemetry.traces.runAssembler() }
    defer { systemAssembler.cancel() }
    guard runner.shouldRun("mesh.gateway-service-service-throughput") else { return }
    let probe = await system.ingress(Request(path: "/api/echo/x"))
    runner.require("mesh.gateway-service-service-throughput", probe.status == 200, "gateway → front → back must answer 200; got \(probe.status)")
    let total = 200_000 / runner.scale
    let clients = 64
    let start = ContinuousClock.now
    await withTaskGroup(of: Void.self) { group in
        for c in 0..<clients {
            group.addTask {
                for _ in stride(from: c, to: total, by: clients) {
                    _ = await system.ingress(Request(path: "/api/echo/x"))
                }
            }
        }
    }
    let elapsed = start.duration(to: .now)
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    let perSecond = Double(total) / (nanoseconds / 1e9)
    runner.record(name: "mesh.gateway-service-service-throughput", nsPerOp: nanoseconds / Double(total),
                  note: "gateway → front → back, 2 instances each, every instrument on, 64 concurrent clients on this machine's cores: \(Int(perSecond)) requests/s")
}
