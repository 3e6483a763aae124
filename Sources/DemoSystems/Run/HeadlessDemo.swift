import ServiceMesh
import Telemetry

/// `meshtop demo SYSTEM --headless`: what a settled ``SystemRun`` reports.
public enum HeadlessDemo {
    /// The run a headless demo makes for `options`: its system on `clock`, traffic for
    /// `options.duration` at `options.rps`, the faults played on schedule, then settled.
    ///
    /// Run it in a `ServiceGroup` (the executable adds SIGTERM and SIGINT as graceful shutdown
    /// signals), then read its report with ``result(of:)``.
    public static func makeRun<C: Clock>(_ options: DemoOptions, clock: C) throws(TrafficConfigurationError) -> SystemRun<C> where C.Duration == Duration {
        let system = options.system.make(clock: clock, seed: options.seed, time: nil)
        let plan = SystemRun<C>.Plan(rps: options.rps, seed: options.seed, faults: options.faults, trafficDuration: options.duration, ending: .settle,
                                     sampleRatio: options.sampleRatio)
        return try SystemRun(system: system, clock: clock, plan: plan)
    }

    /// The report of a run that has settled; nil when it has not (it was cancelled).
    ///
    /// The report's rates and percentiles cover the traffic phase (its last 60 s at most); the
    /// breakers and their transitions are read after the run has settled, when the invariants are
    /// checked too.
    public static func result<C: Clock>(of run: SystemRun<C>) -> HeadlessRunResult? {
        guard let outcome = run.outcome else { return nil }
        var snapshot = outcome.atTrafficEnd
        snapshot.breakers = outcome.settled.breakers
        snapshot.totals.storedTraces = outcome.settled.totals.storedTraces
        snapshot.dropped = outcome.settled.dropped
        snapshot.sampling = outcome.settled.sampling
        let system = run.system
        let orders = (system as? Storefront).map { $0.orderFigures(ledger: $0.ledger()) }
        var report = HeadlessReport(snapshot: snapshot, durationSeconds: outcome.traffic.sendingSeconds,
                                    domain: system.domainFigures(), orders: orders, violations: system.checkInvariants())
        report.interrupted = outcome.interrupted
        report.calls = HeadlessReport.Calls.all(in: system.mesh.telemetry.metricsStore)
        return HeadlessRunResult(report: report, prometheusExposition: PrometheusExposition.render(system.mesh.telemetry.metricsStore),
                                 traffic: outcome.traffic)
    }
}
