import ServiceMesh
import Telemetry

/// `meshtop demo --headless`: the storefront under open-loop traffic for a while, faults played on
/// schedule, then settled and checked.
public enum HeadlessDemo {
    /// Runs the storefront for `options.duration` at `options.rps` on real time and reports.
    ///
    /// The report's rates and percentiles cover the traffic phase (its last 60 s at most); the
    /// breakers and their transitions are read after the run has settled (see
    /// ``Storefront/settle(clock:timeout:)``), when the invariants are checked too.
    public static func run(_ options: DemoOptions) async throws -> HeadlessRunResult {
        let clock = ContinuousClock()
        let shop = Storefront(clock: clock, seed: options.seed)
        let runtime = Task { try? await StorefrontRuntime(storefront: shop, clock: clock).run() }
        defer { runtime.cancel() }

        let faults = Task { await options.faults.play(clock: clock) { shop.apply($0) } }
        let schedule = try ArrivalSchedule(rps: options.rps, seed: options.seed)
        let generator = TrafficGenerator(clock: clock, schedule: schedule, duration: options.duration)
        let traffic = await generator.run { kind, index in _ = await shop.send(kind, index: index) }
        faults.cancel()

        let store = shop.mesh.telemetry.metricsStore
        store.tick()
        let window = max(1, min(60, Int(traffic.sendingSeconds.rounded(.up))))
        var snapshot = shop.mesh.observe(window: window)

        await shop.settle(clock: clock)
        let settled = shop.mesh.observe(window: window)
        snapshot.breakers = settled.breakers
        snapshot.totals.storedTraces = settled.totals.storedTraces
        snapshot.dropped = settled.dropped

        let ledger = shop.ledger()
        let report = HeadlessReport(snapshot: snapshot, durationSeconds: traffic.sendingSeconds,
                                    orders: shop.orderFigures(ledger: ledger), violations: InvariantChecker.check(ledger))
        return HeadlessRunResult(report: report, prometheusExposition: PrometheusExposition.render(store), traffic: traffic)
    }
}
