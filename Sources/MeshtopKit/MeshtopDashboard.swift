import Dashboard
import Logging
import NcursesBackend
import ServiceLifecycle
import ServiceMesh
import Telemetry

/// meshtop's dashboard on this process's terminal, for a program that runs its own services.
///
/// The whole program, with services defined with ServiceMesh and put on a `Mesh`:
///
/// ```swift
/// try await MeshtopDashboard.run(mesh: mesh, alongside: [traffic])
/// ```
///
/// The terminal is given back on every way out: `q`, Ctrl-C or SIGTERM (turned into a quit by the
/// terminal backend), an error, and a crash or `exit()` (the backend's fatal-signal and atexit
/// handlers), as `meshtop demo` does.
///
/// Anything else that should live as long as the dashboard (serving the mesh over HTTP, your own
/// background work) is one more `Service` in `alongside`.
public enum MeshtopDashboard {
    /// Opens the dashboard on `mesh` and runs, in one swift-service-lifecycle `ServiceGroup`, the
    /// mesh's loops (`MeshRuntime`: health checks, event delivery, metric windows, trace assembly),
    /// then `services` (your traffic, your own long-running work), then the dashboard. Returns when
    /// the person quits; the group then shuts down gracefully, last service first: your services
    /// stop, the mesh drains.
    ///
    /// - Parameters:
    ///   - clock: the clock the mesh was made with (its loops sleep on it).
    ///   - refresh: how often the screen redraws with a new snapshot.
    /// - Throws: `TerminalError` when standard input or output is not a terminal or curses cannot
    ///   start for this `TERM` (nothing was started then); whatever a service throws.
    public static func run(
        mesh: Mesh,
        clock: ContinuousClock = ContinuousClock(),
        alongside services: [any Service] = [],
        refresh: Duration = .milliseconds(250)
    ) async throws {
        try await run(source: MeshSource(mesh: mesh), alongside: [MeshRuntime(mesh: mesh, clock: clock)] + services, refresh: refresh)
    }

    /// Opens the dashboard on any source (a `MeshSource`, a remote one) and runs `services`
    /// beside it in one `ServiceGroup` until the person quits.
    public static func run(
        source: some DashboardSource,
        alongside services: [any Service] = [],
        refresh: Duration = .milliseconds(250)
    ) async throws {
        // The terminal first: if curses cannot start, nothing has been started either.
        let dashboard = try DashboardService(source: source, refresh: refresh)
        defer { dashboard.restoreTerminal() }
        let entries = (services + [dashboard]).map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup)
        }
        // No shutdown signals: the terminal backend turns SIGINT and SIGTERM into a quit itself.
        let configuration = ServiceGroupConfiguration(services: entries, gracefulShutdownSignals: [], logger: quietLogger)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// The group's own log lines are lifecycle notes at debug level; the screen is the dashboard's.
    static let quietLogger = Logger(label: "meshtop.dashboard-group") { _ in SwiftLogNoOpLogHandler() }
}

/// The dashboard as a `Service` of your group: it owns the terminal on its own task, and when the
/// person quits it gives the terminal back before the rest of the group winds down. Returning
/// from ``run()`` ends a group configured with `.gracefullyShutdownGroup`.
///
/// Make it before the group starts (the terminal opens in `init`) and call ``restoreTerminal()``
/// after the group returns (`defer`), for the paths on which ``run()`` never ran.
///
/// `@unchecked Sendable`: the terminal (not thread-safe, as ncurses is not) is used only by this
/// service's task until ``run()`` returns; afterwards only ``restoreTerminal()`` touches it, which
/// is idempotent.
public struct DashboardService<Source: DashboardSource>: Service, @unchecked Sendable {
    public let source: Source
    public let refresh: Duration
    private let terminal: NcursesTerminal

    /// Opens the terminal (curses starts, the screen clears).
    ///
    /// - Throws: `TerminalError` when standard input or output is not a terminal, or curses does
    ///   not know the terminal named by `TERM`.
    public init(source: Source, refresh: Duration = .milliseconds(250)) throws {
        self.source = source
        self.refresh = refresh
        self.terminal = try NcursesTerminal()
    }

    /// Runs the dashboard until `q`, Ctrl-C, SIGTERM or cancellation, then restores the terminal.
    public func run() async throws {
        await DashboardApp.run(source: source, backend: terminal, refresh: refresh)
        terminal.restore()
    }

    /// Gives the terminal back as it was; safe to call more than once.
    public func restoreTerminal() {
        terminal.restore()
    }
}
