import Dashboard
import DemoSystems
import Logging
import MeshtopKit
import ServiceLifecycle
import Simulation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `meshtop sim ... --dashboard`: the normal dashboard on a simulated run, with time controls.
///
/// The simulation runs on a thread of its own, exactly as without the dashboard, held to a person's
/// pace by a ``SimulationPacer`` (1× to start); it pauses by itself when its traffic's duration is
/// over, and ends once played on (it settles, its invariants are checked). Quitting before the end
/// stops the run where it is, at once.
///
/// - Returns: the report (nil when the person quit before the run's end, with the virtual time
///   it was left at), and the manual actions taken during the run (oldest first).
/// - Throws: ``DemoUsageError`` (exit 2, nothing ran) when stdin or stdout is not a terminal;
///   `TerminalError` (exit 3) when curses cannot start for this `TERM`.
func runSimDashboard(_ options: SimOptions) async throws -> (SimDashboardEnding, [SimulatedRunSource.Intervention]) {
    guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
        throw DemoUsageError(message: dashboardNeedsATerminal)
    }
    let start = ContinuousClock.now
    // Real time, read only to pace the virtual clock for the person watching: it changes when
    // instants happen, not what happens at them.
    let pacer = SimulationPacer(SimulationPace(speed: .times(1), pauseAt: options.duration), realClock: { ContinuousClock.now - start })
    let source = SimulatedRunSource(options: options, pacer: pacer)
    // The terminal first: if curses cannot start, nothing has been started either.
    let dashboard = try DashboardService(source: source, refresh: .milliseconds(250))
    defer { dashboard.restoreTerminal() }
    let simulation = SimulatedRunService(options: options, source: source)
    let configuration = ServiceGroupConfiguration(
        services: [
            // The run ending leaves the dashboard open on it; quitting the dashboard ends the group.
            .init(service: simulation, successTerminationBehavior: .ignore),
            .init(service: dashboard, successTerminationBehavior: .gracefullyShutdownGroup),
        ],
        gracefulShutdownSignals: [],
        logger: Logger(label: "meshtop.sim-dashboard") { _ in SwiftLogNoOpLogHandler() })
    try await ServiceGroup(configuration: configuration).run()
    guard let ending = simulation.ending else {
        throw RunFailure(message: "the simulated run was cancelled before it ended; no report")
    }
    return (ending, source.interventions)
}

/// How a run watched on the dashboard ended.
enum SimDashboardEnding: Sendable {
    /// It ran to its end: the normal report.
    case finished(SimReport)
    /// The person quit at this virtual time, before the end: no digest, no invariants checked.
    case left(at: Duration)
}

/// What `demo` and `sim` say when the dashboard is asked for without a terminal.
let dashboardNeedsATerminal = "the dashboard needs a terminal, but standard input or output is not one; "
    + "use `meshtop demo --headless` for a report or `meshtop snapshot --view VIEW` for a view as plain text"

/// The simulated run as a service of the dashboard's group: it runs on its own thread (the task
/// only waits). Once the run is over it waits for the person to go back in time (a new run from
/// the seed) or to quit; a graceful shutdown (the person quit) stops the run where it is.
final class SimulatedRunService: Service, Sendable {
    let options: SimOptions
    let source: SimulatedRunSource
    private let finished = Mutex<SimDashboardEnding?>(nil)

    init(options: SimOptions, source: SimulatedRunSource) {
        self.options = options
        self.source = source
    }

    /// How the run ended, once it has.
    var ending: SimDashboardEnding? { finished.withLock { $0 } }

    func run() async throws {
        let source = source
        let options = options
        await withGracefulShutdownHandler {
            var rewinds = source.rewindRequests.makeAsyncIterator()
            while true {
                let pacer = source.pacer
                let report = await SystemSimulation.runPacedOnDedicatedThread(options, pacer: pacer, started: { source.started($0) })
                let pace = pacer.pace
                finished.withLock { $0 = pace.isStopping ? .left(at: pace.virtualTime) : .finished(report) }
                if !pace.isStopping { source.finished(report) }
                // Over (or stopped): wait for a time to go back to, or the person quitting.
                guard let target = await rewinds.next() else { return }
                let next = SimulationPacer(SimulationPace(speed: pace.speed, pauseAt: options.duration), realClock: pacer.realClock)
                next.change { pace, _ in pace.run(until: target) }
                source.restart(with: next)
            }
        } onGracefulShutdown: {
            source.shutDown()
        }
    }
}
