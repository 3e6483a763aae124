import Dashboard
import DemoSystems
import NcursesBackend
import Telemetry
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The two entry points `meshtop demo` calls once its options are valid.

/// Runs the storefront headless for `options.duration` under open-loop traffic, plays
/// `options.faults`, drains, checks the invariants and returns the report (see ``HeadlessDemo``).
func runHeadlessDemo(_ options: DemoOptions) async throws -> HeadlessRunResult {
    try await HeadlessDemo.run(options)
}

/// Runs the storefront under live traffic on the terminal dashboard until the person quits (`q`,
/// Ctrl-C or SIGTERM), then restores the terminal, stops traffic and runtime and returns (exit 0).
///
/// Traffic runs until the dashboard closes: `options.duration` (a headless setting) does not stop
/// it. A scenario's fault changes still play at their times.
///
/// - Throws: ``DemoUsageError`` (exit 2, nothing ran) when stdin or stdout is not a terminal;
///   `TerminalError` (exit 3) when curses cannot start for this `TERM`.
func runDashboardDemo(_ options: DemoOptions) async throws {
    guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
        throw DemoUsageError(message: "the dashboard needs a terminal, but standard input or output is not one; "
            + "use `meshtop demo --headless` for a report or `meshtop snapshot --view VIEW` for a view as plain text")
    }
    // The terminal first: if curses cannot start, nothing has been started either.
    let terminal = try NcursesTerminal()
    defer { terminal.restore() }
    let live = try LiveStorefront(seed: options.seed, rps: options.rps, faults: options.faults, trafficDuration: LiveStorefront.untilStopped)
    await DashboardApp.run(source: LiveSource(mesh: live.mesh), backend: terminal, refresh: options.refreshInterval)
    // Give the terminal back before waiting for the system to wind down.
    terminal.restore()
    await live.stop()
}
