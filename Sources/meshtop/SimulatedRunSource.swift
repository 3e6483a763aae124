import Dashboard
import DemoSystems
import MeshtopKit
import ServiceMesh
import Simulation
import Synchronization
import Telemetry

/// The dashboard's source for a simulated run (`meshtop sim --dashboard`): it reads the run's mesh
/// from the dashboard's task while the simulation runs on its own thread (`Mesh.observe` and the
/// trace and log stores are safe to read from any thread), and turns the time controls into
/// changes of the run's ``SimulationPacer``.
///
/// A person's action (trip a breaker, set a fault) is carried out on the simulation's thread
/// between two instants (``SimulationPacer/perform(_:)``) and recorded with its virtual time: the
/// run is then no longer the seed's alone, and the report says so.
///
/// Going back in time is honest: the run is stopped and simulated again from the seed, unpaced, to
/// the time asked for (``SimulatedRunService`` starts the new run; ``rewindRequests`` asks it to).
final class SimulatedRunSource: DashboardSource {
    /// A person's action during the run, at its virtual time.
    struct Intervention: Sendable, Equatable {
        var at: Duration
        var command: ControlCommand
    }

    private struct State {
        var pacer: SimulationPacer
        var mesh: Mesh?
        /// True from a request to go back until the new run has started.
        var isRewinding = false
        var isShuttingDown = false
        var interventions: [Intervention] = []
        /// Set by ``finished(_:)``: the run is over and this is its report.
        var report: SimReport?
        var announcement: SimulationReply?
        var announcementNumber = 0
    }

    let options: SimOptions
    private let state: Mutex<State>
    /// Times to go back to: each stops the run, and ``SimulatedRunService`` simulates it again from the seed.
    let rewindRequests: AsyncStream<Duration>
    private let rewindContinuation: AsyncStream<Duration>.Continuation

    init(options: SimOptions, pacer: SimulationPacer) {
        self.options = options
        state = Mutex(State(pacer: pacer))
        (rewindRequests, rewindContinuation) = AsyncStream.makeStream(of: Duration.self)
    }

    /// The pacer of the run on screen (a new one after going back).
    var pacer: SimulationPacer { state.withLock { $0.pacer } }

    /// The run's mesh exists (called on the simulation's thread as the run starts).
    func started(_ mesh: Mesh) {
        state.withLock { $0.mesh = mesh }
    }

    /// A new run from the seed, held by `pacer`, replaces the one on screen: what the old one
    /// found and the manual actions taken in it are forgotten (they are not replayed).
    func restart(with pacer: SimulationPacer) {
        state.withLock { state in
            state.pacer = pacer
            state.report = nil
            state.interventions = []
            state.isRewinding = false
        }
    }

    /// The person quit: the run stops where it is and no new one starts.
    func shutDown() {
        let pacer: SimulationPacer = state.withLock { state in
            state.isShuttingDown = true
            return state.pacer
        }
        pacer.change { pace, _ in pace.stop() }
        rewindContinuation.finish()
    }

    /// The run is over: the report is kept for the first-violation control.
    func finished(_ report: SimReport) {
        state.withLock { state in
            state.report = report
            state.announcement = Self.violationReply(report)
            state.announcementNumber += 1
        }
    }

    /// The manual actions taken during the run, oldest first.
    var interventions: [Intervention] { state.withLock { $0.interventions } }

    private var mesh: Mesh? { state.withLock { $0.mesh } }

    func snapshot() async -> SystemSnapshot? {
        mesh?.observe(window: SystemSimulation.snapshotWindowSeconds)
    }

    func traces(_ query: TraceQuery) async -> TracePage {
        guard let mesh else { return TracePage(query: query) }
        return mesh.telemetry.traces.page(query)
    }

    func traceTree(id: String) async -> TraceTree? {
        mesh?.telemetry.traces.tree(hex: id)
    }

    func logs(traceId: String) async -> [LogRecord]? {
        mesh?.telemetry.logs.records(traceId: traceId)
    }

    /// Applies the command on the simulation's thread, between two instants, and records it.
    func perform(_ command: ControlCommand) async throws {
        guard let mesh else { throw SimulationNotStarted() }
        let pace = pacer.pace
        // After the end nothing runs: a change would show on screen but in no report or digest.
        guard !pace.hasEnded else { throw SimulationOver(at: pace.virtualTime) }
        let pacer = pacer
        let outcome: Result<Duration, UnknownTargetError> = await pacer.perform {
            do throws(UnknownTargetError) {
                try mesh.perform(command, origin: .dashboard)
                return .success(pacer.pace.virtualTime)
            } catch {
                return .failure(error)
            }
        }
        let at = try outcome.get()
        state.withLock { $0.interventions.append(Intervention(at: at, command: command)) }
    }

    var simulationStatus: SimulationStatus? {
        let pace = pacer.pace
        let (announcement, number) = state.withLock { ($0.announcement, $0.announcementNumber) }
        return SimulationStatus(seed: options.seed, virtualTime: pacer.shownTime, speed: pace.speed.description,
                                isPaused: pace.isPaused, hasEnded: pace.hasEnded, announcement: announcement, announcementNumber: number)
    }

    func simulate(_ control: SimulationControl) async -> SimulationReply? {
        switch control {
        case .togglePause:
            pacer.change { pace, real in pace.togglePause(real: real) }
            return nil
        case .changeSpeed(let step):
            pacer.change { pace, real in pace.changeSpeed(by: step, real: real) }
            return SimulationReply("speed \(pacer.pace.speed == .unpaced ? "as fast as possible" : "×\(pacer.pace.speed)")")
        case .step(let length):
            pacer.change { pace, _ in pace.run(until: pace.virtualTime + length) }
            return nil
        case .goTo(let time) where time <= pacer.pace.virtualTime:
            return rewind(to: time)
        case .goTo(let time):
            if pacer.pace.hasEnded {
                return SimulationReply("the run ended at t=\(Self.seconds(pacer.pace.virtualTime.seconds)): nothing happens after it", isError: true)
            }
            pacer.change { pace, _ in pace.run(until: time) }
            let end = options.duration + SystemSimulation.endingAllowance
            return time > options.duration
                ? SimulationReply("going to t=\(DurationParser.format(time)), past the traffic's end (\(DurationParser.format(options.duration))); the run ends by \(DurationParser.format(end))")
                : SimulationReply("going to t=\(DurationParser.format(time))")
        case .firstViolation:
            if let report = state.withLock({ $0.report }) { return Self.violationReply(report) }
            pacer.change { pace, _ in pace.runToEnd() }
            return SimulationReply("running to the end of the run, where the invariants are checked")
        }
    }

    /// Stops the run and asks for a new one from the seed, to `time`.
    private func rewind(to time: Duration) -> SimulationReply {
        let (pacer, accepted, actions): (SimulationPacer, Bool, Int) = state.withLock { state in
            guard !state.isRewinding, !state.isShuttingDown else { return (state.pacer, false, 0) }
            state.isRewinding = true
            return (state.pacer, true, state.interventions.count)
        }
        guard accepted else { return SimulationReply("already going back: wait for the run to get there", isError: true) }
        pacer.change { pace, _ in pace.stop() }
        rewindContinuation.yield(time)
        let note = actions > 0 ? "; the \(actions) manual action(s) taken are not replayed" : ""
        return SimulationReply("going back to t=\(Self.seconds(time.seconds)): simulating again from seed \(options.seed)\(note)")
    }

    /// What the first-violation control says once the run is over.
    static func violationReply(_ report: SimReport) -> SimulationReply {
        if let failure = report.simulationFailure { return SimulationReply("the simulation failed: \(failure)", isError: true) }
        guard let first = report.violations.first, let at = report.firstViolationAtSeconds else {
            return SimulationReply("the run is over: no violation yet, \(report.invariantsChecked) invariants hold at its end")
        }
        return SimulationReply("first violation at t=\(Self.seconds(at)): \(first.invariant.rawValue): \(first.message)", isError: true)
    }

    private static func seconds(_ value: Double) -> String {
        SimulationStatus(seed: 0, virtualTime: .milliseconds(Int64((value * 1000).rounded())), speed: "", isPaused: true).timeText
    }
}

/// A control command sent once the run is over.
struct SimulationOver: Error, CustomStringConvertible {
    var at: Duration
    var description: String {
        "the run is over at t=\(SimulationStatus(seed: 0, virtualTime: at, speed: "", isPaused: true).timeText): nothing happens in it any more (t goes back)"
    }
}

/// A control command sent before the simulated system was made (the first instant of the run).
struct SimulationNotStarted: Error, CustomStringConvertible {
    var description: String { "the simulated system is not running yet" }
}
