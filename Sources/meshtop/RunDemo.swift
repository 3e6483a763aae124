import DemoSystems
import MeshtopKit
import OTLP
import ServiceLifecycle
import Telemetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The two entry points `meshtop demo` calls once its options are valid.

/// Runs the storefront headless for `options.duration` under open-loop traffic, plays
/// `options.faults`, settles, checks the invariants and returns the report.
///
/// SIGTERM or SIGINT stops the traffic early: the run settles briefly (about a second) and the
/// report of what ran is returned, marked as interrupted.
func runHeadlessDemo(_ options: DemoOptions, export: OTLPEndpoint? = nil) async throws -> HeadlessRunResult {
    let run = try HeadlessDemo.makeRun(options, clock: ContinuousClock())
    let exporter: [any Service] = export.map { [otlpExporter(for: run.mesh, endpoint: $0, seed: options.seed)] } ?? []
    try await SystemGroup.run([run] + exporter, shutdownSignals: [.sigterm, .sigint])
    guard let result = HeadlessDemo.result(of: run) else {
        throw RunFailure(message: "the run was cancelled before it settled; no report")
    }
    return result
}

/// Runs the storefront under live traffic on the terminal dashboard until the person quits (`q`,
/// Ctrl-C or SIGTERM), then restores the terminal, stops traffic and runtime and returns (exit 0).
///
/// Traffic runs until the dashboard closes: `options.duration` (a headless setting) does not stop
/// it. A scenario's fault changes still play at their times.
///
/// - Throws: ``DemoUsageError`` (exit 2, nothing ran) when stdin or stdout is not a terminal;
///   `TerminalError` (exit 3) when curses cannot start for this `TERM`.
func runDashboardDemo(_ options: DemoOptions, export: OTLPEndpoint? = nil) async throws {
    guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
        throw DemoUsageError(message: dashboardNeedsATerminal)
    }
    // The terminal first: if curses cannot start, nothing has been started either.
    let run = try SystemGroup.live(options.system, seed: options.seed, rps: options.rps, faults: options.faults,
                                   sampleRatio: options.sampleRatio)
    let dashboard = try DashboardService(source: MeshSource(mesh: run.mesh), refresh: options.refreshInterval)
    defer { dashboard.restoreTerminal() }
    let exporter: [any Service] = export.map { [otlpExporter(for: run.mesh, endpoint: $0, seed: options.seed)] } ?? []
    try await SystemGroup.run([run, dashboard] + exporter, shutdownSignals: [])
}

/// A run that could not be carried out: exit status 3.
struct RunFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
