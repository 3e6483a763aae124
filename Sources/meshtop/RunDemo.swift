import DemoSystems
import Telemetry

// The two entry points `meshtop demo` calls once its options are valid. They run a real system;
// until the storefront (ServiceMesh, issue 5) is plugged in they refuse to run rather than print
// anything made up.

/// Runs the storefront headless for `options.duration` under open-loop traffic, plays
/// `options.faults`, drains, checks the invariants and returns the report.
///
/// To plug in (the storefront's side): build the system on a `ContinuousClock`; apply
/// `options.faults.changes(through: .zero)`, then `options.faults.play(clock:apply:)` alongside
/// `TrafficGenerator(clock:schedule: ArrivalSchedule(rps: options.rps, seed: options.seed), duration:
/// options.duration).run(send:)`; drain; build `HeadlessReport(snapshot:durationSeconds:orders:violations:)`
/// from the final snapshot, `HeadlessReport.Orders(ledger:…)` and `InvariantChecker.check(ledger)`;
/// return it with `PrometheusExposition.render(store)` and the traffic summary.
func runHeadlessDemo(_ options: DemoOptions) async throws -> HeadlessRunResult {
    try await HeadlessDemo.run(options)
}

/// Runs the storefront under live traffic on the terminal dashboard until the person quits.
func runDashboardDemo(_ options: DemoOptions) async throws {
    throw DemoNotWiredError(mode: "demo")
}

/// The demo system is not part of this build yet; nothing was run and nothing is reported.
struct DemoNotWiredError: Error, CustomStringConvertible {
    var mode: String
    var description: String {
        "meshtop \(mode): the storefront system is not wired in yet (it needs the ServiceMesh module); nothing was run"
    }
}
