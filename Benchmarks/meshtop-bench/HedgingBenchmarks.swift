import Foundation
import Resilience
import ServiceMesh
import Synchronization
import Telemetry

/// Hedged calls against a target with one slow instance, on real time: what a hedge does to the
/// tail. Two instances of `content`, answering in 5 ms; one of them slowed to 300 ms by an
/// injected latency; `gateway` calls it through the mesh, 20 calls at a time, round robin (so half
/// the first attempts go to the slow one). Each figure's ns/op is the p99 of its calls.
///
/// The target compares a hedged p99 with the hedge delay plus the fast instance's own p99, so that
/// p99 is measured in the same run, under the same load: a plain caller calls `reference` (one
/// instance, 5 ms, as the fast one) 4 at a time for as long as the measured calls last.
func registerHedgingBenchmarks(on runner: BenchmarkRunner) async {
    struct Content: MeshService {
        let name: String
        var router: Router {
            var router = Router()
            router.get("/meta/:id") { _, context in .text(context.instance.id) }
            return router
        }
    }

    let names = ["hedging.p99-unhedged", "hedging.p99-hedged-fixed-20ms", "hedging.p99-hedged-adaptive-p95", "hedging.p99-hedged-default-budget"]
    guard names.contains(where: runner.shouldRun) else { return }
    runner.declareBaselines(["hedging.p99-unhedged"])

    let calls = max(40, 400 / runner.scale)
    let concurrency = 20
    let probes = 4
    let fast: Double = 5, slow: Double = 300

    struct Run {
        /// The measured calls' latencies, sorted, and their statuses.
        var latencies: [Duration]
        var statuses: Set<Int>
        /// The reference calls' latencies (the fast instance's own), sorted.
        var reference: [Duration]
        var hedged: Double
        var skipped: Double
    }

    /// `calls` calls through a fresh mesh whose gateway -> content policy is `policy`, beside the
    /// reference calls.
    func run(_ policy: CallPolicy) async -> Run {
        let mesh = Mesh(name: "bench-hedging", clock: ContinuousClock(), telemetry: MeshTelemetry(time: .continuous(), seed: 3),
                        controlPlane: ControlPlane(defaultPolicy: .passThrough))
        mesh.deploy(Content(name: "content"), instances: 2)
        mesh.deploy(Content(name: "reference"))
        mesh.transport.setFault(.latency(milliseconds: slow), instance: "content-1")
        mesh.transport.setFault(.latency(milliseconds: fast), instance: "content-2")
        mesh.transport.setFault(.latency(milliseconds: fast), instance: "reference-1")
        mesh.controlPlane.setPolicy(policy, caller: "gateway", target: "content")
        let client = mesh.client(as: "gateway"), probe = mesh.client(as: "probe")
        /// Measured workers still calling: the reference calls go on while any does.
        final class Remaining: Sendable {
            let workers: Atomic<Int>
            init(_ count: Int) { workers = Atomic(count) }
        }
        let measuring = Remaining(concurrency)
        enum Measured: Sendable {
            case call(Duration, status: Int)
            case reference(Duration)
        }
        let results = await withTaskGroup(of: [Measured].self) { group in
            // Spans are assembled beside the calls, as MeshRuntime does; stopped when they are done.
            group.addTask {
                await mesh.telemetry.traces.runAssembler()
                return []
            }
            for worker in 0..<concurrency {
                group.addTask {
                    var measured: [Measured] = []
                    for call in stride(from: worker, to: calls, by: concurrency) {
                        let start = ContinuousClock.now
                        let status = (try? await client.get("content", "/meta/\(call)"))?.status ?? 0
                        measured.append(.call(start.duration(to: .now), status: status))
                    }
                    measuring.workers.subtract(1, ordering: .releasing)
                    return measured
                }
            }
            for worker in 0..<probes {
                group.addTask {
                    var measured: [Measured] = []
                    while measuring.workers.load(ordering: .acquiring) > 0 {
                        let start = ContinuousClock.now
                        _ = try? await probe.get("reference", "/meta/\(worker)")
                        measured.append(.reference(start.duration(to: .now)))
                    }
                    return measured
                }
            }
            var all: [Measured] = []
            for _ in 0..<(concurrency + probes) { all += await group.next() ?? [] }
            group.cancelAll()
            return all
        }
        var latencies: [Duration] = [], statuses: Set<Int> = [], reference: [Duration] = []
        for result in results {
            switch result {
            case .call(let latency, let status):
                latencies.append(latency)
                statuses.insert(status)
            case .reference(let latency):
                reference.append(latency)
            }
        }
        let store = mesh.telemetry.metricsStore
        return Run(latencies: latencies.sorted(), statuses: statuses, reference: reference.sorted(),
                   hedged: store.total(.init(label: "hedge_sent_total", matching: ["name": "gateway->content"])),
                   skipped: store.total(.init(label: "hedge_budget_exhausted_total", matching: ["name": "gateway->content"])))
    }

    func percentile(_ p: Double, _ sorted: [Duration]) -> Duration {
        sorted[max(0, Int((p * Double(sorted.count) / 100).rounded(.up)) - 1)]
    }

    func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f ms", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }

    func nanoseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
    }

    let plain = CallPolicy(breaker: nil, retry: nil, timeout: nil, outlierDetection: nil)
    /// With a budget of one hedge per call, room for one per call in flight: a new budget starts
    /// empty, and the first 20 calls arrive together.
    func hedging(_ delay: HedgingPolicy.Delay, ratio: Double = 1) -> CallPolicy {
        var policy = plain
        policy.hedging = HedgingPolicy(delay: delay, maxHedgeRatio: ratio, budgetCapacity: ratio >= 1 ? concurrency : 10)
        return policy
    }
    // (figure, policy, what it is, the delay before a hedge: the target is that plus the fast instance's p99)
    let cases: [(name: String, policy: CallPolicy, what: String, delay: Duration?)] = [
        (names[0], plain, "no hedging", nil),
        (names[1], hedging(.fixed(.milliseconds(20))), "a hedge after 20 ms, budget 1 per call (20 saved)", .milliseconds(20)),
        (names[2], hedging(.adaptive(percentile: 95, floor: .milliseconds(10), ceiling: .milliseconds(100))),
         "a hedge after the p95 of winning attempts, within [10 ms, 100 ms], budget 1 per call (20 saved)", .milliseconds(10)),
        (names[3], hedging(.fixed(.milliseconds(20)), ratio: 0.1), "a hedge after 20 ms, the default budget (0.1 per call)", .milliseconds(20)),
    ]
    for (name, policy, what, delay) in cases where runner.shouldRun(name) || name == names[0] {
        let measured = await run(policy)
        let (p50, p99) = (percentile(50, measured.latencies), percentile(99, measured.latencies))
        let referenceP99 = percentile(99, measured.reference)
        runner.require(name, measured.statuses == [200], "every call must answer 200; got statuses \(measured.statuses.sorted())")
        runner.require(name, measured.latencies.count == calls, "\(calls) calls must be measured; got \(measured.latencies.count)")
        if policy.hedging == nil {
            runner.require(name, p99 >= .milliseconds(300), "the slow instance must take at least 300 ms; p99 \(milliseconds(p99))")
        }
        var note = "one instance 300 ms, \(what); \(calls) calls, \(concurrency) at a time: p50 \(milliseconds(p50)), p99 \(milliseconds(p99)), "
            + "hedged \(Int((measured.hedged / Double(calls) * 100).rounded()))% of calls"
        if measured.skipped > 0 { note += ", \(Int(measured.skipped)) hedges not sent for want of budget" }
        note += "; the fast instance's p99 in the same run \(milliseconds(referenceP99))"
        if let delay {
            let target = delay + referenceP99
            note += ", target p99 < \(milliseconds(target)): " + (p99 < target ? "met" : "not met")
        }
        runner.record(name: name, nsPerOp: nanoseconds(p99), baseline: name == names[0] ? nil : names[0], note: note)
    }
}
