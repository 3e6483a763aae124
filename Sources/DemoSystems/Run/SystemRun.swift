import ServiceLifecycle
import ServiceMesh
import Synchronization
import Telemetry

/// A system running on a clock — its runtime, a fault timeline and open-loop traffic — as one
/// swift-service-lifecycle `Service`. The dashboard, `meshtop demo --headless` and
/// `meshtop snapshot` all run it in a `ServiceGroup`; nothing else starts a system.
///
/// ``run()`` owns the order in which a run ends, because what is checked afterwards depends on it:
/// 1. Traffic stops: its duration is over, or the group shuts down gracefully (SIGTERM, the
///    dashboard quitting). Requests still in flight are cancelled; fault changes still due are
///    not played.
/// 2. With ``Ending/settle``: the metric windows are closed and observed, faults are lifted and
///    queued work finishes while events are still delivered (``DemoSystem/settle(clock:timeout:)``,
///    shorter after a shutdown), and the ``outcome`` is recorded.
/// 3. The mesh drains (in-flight requests and queued events, up to ``Plan/drainTimeout``), then
///    its loops stop and `run()` returns.
///
/// Cancelling the task instead stops everything at once, without settling.
public final class SystemRun<C: Clock>: Service, Sendable where C.Duration == Duration {
    /// How a run ends once its traffic stops.
    public enum Ending: Sendable, Equatable {
        /// Stop: the dashboard and `snapshot` have nothing to check.
        case stop
        /// Settle and record the ``Outcome``: a headless run checks invariants on it.
        case settle
    }

    /// What the run does: rate, seed, faults, how long, how it ends.
    public struct Plan: Sendable, Equatable {
        public var rps: Double
        public var seed: UInt64
        public var faults: FaultTimeline
        /// Arrivals scheduled at or after this offset are not sent; nil sends until the group
        /// shuts down gracefully (the dashboard, `snapshot`).
        public var trafficDuration: Duration?
        public var ending: Ending
        /// The longest ``Ending/settle`` waits for queued work after traffic ran its course.
        public var settleTimeout: Duration = .seconds(20)
        /// The same after a graceful shutdown cut the traffic short: a SIGTERM must end the run soon.
        public var settleTimeoutAfterShutdown: Duration = .seconds(1)
        /// The longest the mesh waits for in-flight requests and queued events before its loops stop.
        public var drainTimeout: Duration = .milliseconds(500)
        /// How long a client of the system waits for an answer before it gives up (and the
        /// request is cancelled, as a closed connection cancels it): a system whose entry hangs
        /// still lets the run end. Far above any answer a working system gives.
        public var clientTimeout: Duration = .seconds(30)
        /// The share of traces head-sampled (`--sample`), 0…1; errors and slow traces are kept
        /// whatever it is (the trace store's tail rule), and metrics count every request.
        public var sampleRatio: Double

        public init(rps: Double, seed: UInt64, faults: FaultTimeline = FaultTimeline([]), trafficDuration: Duration?, ending: Ending,
                    sampleRatio: Double = 1) {
            self.rps = rps
            self.seed = seed
            self.faults = faults
            self.trafficDuration = trafficDuration
            self.ending = ending
            self.sampleRatio = sampleRatio
        }
    }

    /// What a settled run leaves for its report.
    public struct Outcome: Sendable, Equatable {
        /// What the traffic generator sent, and at what rate.
        public var traffic: TrafficRunSummary
        /// True when a graceful shutdown stopped the traffic before its duration was over.
        public var interrupted: Bool
        /// Observed when traffic stopped, over a window as long as the traffic ran (60 s at most):
        /// the rates, error ratios and percentiles of the run.
        public var atTrafficEnd: SystemSnapshot
        /// Observed once settled: breakers with their whole history, trace counts.
        public var settled: SystemSnapshot
    }

    public let system: any DemoSystem
    public let clock: C
    public let plan: Plan
    /// When the run was made; traffic starts as soon as ``run()`` does.
    public let createdAt: C.Instant
    private let schedule: ArrivalSchedule
    private let recorded = Mutex<Outcome?>(nil)

    /// - Throws: ``TrafficConfigurationError`` when the rate cannot be scheduled.
    public init(system: any DemoSystem, clock: C, plan: Plan) throws(TrafficConfigurationError) {
        self.system = system
        self.clock = clock
        self.plan = plan
        schedule = try ArrivalSchedule(rps: plan.rps, seed: plan.seed)
        createdAt = clock.now
        // Before any traffic: every trace of the run is sampled by the same rule.
        system.mesh.telemetry.traces.setSampling(TraceSampling(ratio: plan.sampleRatio))
    }

    /// The recorded outcome: nil until a run with ``Ending/settle`` has settled.
    public var outcome: Outcome? { recorded.withLock { $0 } }

    public var mesh: Mesh { system.mesh }

    public func run() async throws {
        let runtime = MeshRuntime(mesh: system.mesh, clock: clock, drainTimeout: plan.drainTimeout)
        await withTaskGroup(of: Void.self) { loops in
            loops.addTask { await runtime.runUntilCancelled() }
            loops.addTask { await self.system.runBackgroundWork(clock: self.clock) }
            let (traffic, interrupted) = await sendTraffic()
            if plan.ending == .settle, !Task.isCancelled {
                await settle(after: traffic, interrupted: interrupted)
            }
            if !Task.isCancelled { await runtime.drain() }
            loops.cancelAll()
        }
    }

    /// Plays the faults and sends the traffic until its duration is over or a graceful shutdown.
    private func sendTraffic() async -> (TrafficRunSummary, interrupted: Bool) {
        // Changes due at the start apply before the first request, not in a race with it.
        for change in plan.faults.changes(through: .zero) { system.apply(change) }
        let later = FaultTimeline(plan.faults.changes.filter { $0.at > .zero })
        let generator = TrafficGenerator(clock: clock, schedule: schedule, mix: system.trafficMix, duration: plan.trafficDuration ?? Self.untilStopped)
        let system = self.system
        let clock = self.clock
        let clientTimeout = plan.clientTimeout
        let summary = await withTaskGroup(of: TrafficRunSummary?.self) { group in
            group.addTask {
                await later.play(clock: clock) { system.apply($0) }
                return nil
            }
            group.addTask {
                // A graceful shutdown stops the sending; requests already sent finish (cancelling
                // them would cut sagas off between their steps and leave orders pending).
                let stop = TrafficStop()
                return await withGracefulShutdownHandler {
                    await generator.run(stoppingWhen: stop) { kind, index in
                        await Self.giveUp(after: clientTimeout, clock: clock) { _ = await system.send(kind, index: index) }
                    }
                } onGracefulShutdown: {
                    stop.set()
                }
            }
            var summary = TrafficRunSummary(targetRPS: plan.rps)
            while let result = await group.next() {
                guard let result else { continue }
                summary = result
                group.cancelAll()
            }
            return summary
        }
        return (summary, summary.wasCancelled)
    }

    /// Runs `request`, cancelling it once `timeout` has passed on `clock`.
    static func giveUp(after timeout: Duration, clock: C, _ request: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await request() }
            group.addTask { try? await clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func settle(after traffic: TrafficRunSummary, interrupted: Bool) async {
        let store = system.mesh.telemetry.metricsStore
        store.tick()
        let window = max(1, min(60, Int(traffic.sendingSeconds.rounded(.up))))
        let atTrafficEnd = system.mesh.observe(window: window)
        await system.settle(clock: clock, timeout: interrupted ? plan.settleTimeoutAfterShutdown : plan.settleTimeout)
        store.tick()
        let settled = system.mesh.observe(window: window)
        recorded.withLock { $0 = Outcome(traffic: traffic, interrupted: interrupted, atTrafficEnd: atTrafficEnd, settled: settled) }
    }

    /// A traffic duration no run reaches (a year): the open-loop schedule is a lazy sequence, so
    /// nothing is computed ahead, and the generator keeps no per-request state once a send returns.
    static var untilStopped: Duration { .seconds(365 * 24 * 3600) }
}
