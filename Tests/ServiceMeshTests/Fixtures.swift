import Foundation
import Resilience
@testable import ServiceMesh
import Synchronization
import Telemetry

/// A service made of closures, for tests.
struct StubService: MeshService {
    let name: String
    let router: Router
    let healthChecks: [HealthCheck]

    init(_ name: String, checks: [HealthCheck] = [], routes: (inout Router) -> Void) {
        self.name = name
        var router = Router()
        routes(&router)
        router.get("/health") { _, _ in .json(["status": "up"]) }
        self.router = router
        healthChecks = checks
    }

    /// Answers `GET /whoami` with the instance id, and `GET /echo/:word` with the word.
    static func echo(_ name: String) -> StubService {
        StubService(name) { router in
            router.get("/whoami") { _, context in .text(context.instance.id) }
            router.get("/echo/:word") { _, context in .text(try context.parameter("word")) }
        }
    }
}

/// A mesh on a manual clock with seeded ids: everything in it is deterministic.
struct TestMesh {
    let clock = ManualClock()
    let mesh: Mesh

    init(policy: CallPolicy = .passThrough, configuration: Mesh.Configuration = Mesh.Configuration()) {
        let telemetry = MeshTelemetry(time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000), seed: 7)
        mesh = Mesh(name: "test", clock: clock, telemetry: telemetry, configuration: configuration, controlPlane: ControlPlane(defaultPolicy: policy))
    }

    var events: EventLog { mesh.telemetry.events }
    var traces: TraceStore { mesh.telemetry.traces }

    /// Closes the metric windows' current second: advance past it and tick.
    func closeSecond() {
        clock.advance(by: .seconds(1))
        mesh.telemetry.metricsStore.tick()
    }
}

extension Response {
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A policy with a breaker that opens after `failures` consecutive failures and nothing else.
func breakerOnly(failures: Int = 3, open: Duration = .seconds(30)) -> CallPolicy {
    CallPolicy(breaker: CircuitBreakerPolicy(trip: .consecutiveFailures(failures), openDuration: open),
               retry: nil, timeout: nil, outlierDetection: nil)
}

/// Counts calls, safely from any task.
final class CallCounter: Sendable {
    private let counts = Mutex([String: Int]())
    func hit(_ key: String) { counts.withLock { $0[key, default: 0] += 1 } }
    subscript(key: String) -> Int { counts.withLock { $0[key] ?? 0 } }
    var all: [String: Int] { counts.withLock { $0 } }
}
