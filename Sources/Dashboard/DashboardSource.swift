import Telemetry

/// Where the dashboard gets its data and sends its commands: an in-process system, or a remote
/// one speaking the same snapshot schema.
///
/// Contract for implementations:
/// - ``snapshot()`` returns quickly (the dashboard calls it every refresh, 250 ms by default)
///   and never blocks the caller's thread: a remote source returns the latest snapshot it has
///   received, without waiting on the network, and nil until the first arrives.
/// - ``traces(_:)`` answers from every trace the source keeps (not only the snapshot's few), and
///   quickly: the Traces list asks for the page on screen with every refresh and many keys.
/// - ``traceTree(id:)`` returns nil when the trace is unknown or was evicted.
/// - ``logs(traceId:)`` answers from every log record the source keeps, or nil when it keeps
///   none beyond the snapshot's (the dashboard then shows those of the snapshot's recent `logs`).
/// - ``perform(_:)`` applies the command before returning, so the next ``snapshot()`` shows its
///   effect; it throws an error whose description says what went wrong (`unknown breaker "x"`).
/// - ``connectionStatus`` and ``controlUnavailableReason`` are read every refresh, without
///   suspending; their defaults (`.live`, nil) suit a source in the same process.
/// - ``simulationStatus`` is nil unless the source is a simulated run (`meshtop sim --dashboard`);
///   then it is read every refresh, without suspending, and ``simulate(_:)`` carries out the time
///   controls (pause, speed, step, go to a time, go to the first violation).
public protocol DashboardSource: Sendable {
    /// The system now, or nil while the source has nothing to show yet.
    func snapshot() async -> SystemSnapshot?
    func traces(_ query: TraceQuery) async -> TracePage
    func traceTree(id: String) async -> TraceTree?
    /// The log records of a trace, oldest first; nil when the source cannot look them up.
    func logs(traceId: String) async -> [LogRecord]?
    func perform(_ command: ControlCommand) async throws
    /// How the source is connected to its system now; the header shows it.
    var connectionStatus: ConnectionStatus { get }
    /// Why control commands (trip, force closed, reset, fault) cannot be sent through this
    /// source, or nil when they can. The control keys show it instead of acting.
    var controlUnavailableReason: String? { get }
    /// For a source that is sent its data (a remote feed): a number that changes whenever new
    /// data has arrived, so the dashboard draws it at once instead of at its next refresh. Read
    /// between refreshes, without suspending. nil (the default): the source is read on demand.
    var dataRevision: Int? { get }
    /// A simulated run's clock (the header shows it instead of `live`); nil for a live system.
    var simulationStatus: SimulationStatus? { get }
    /// Carries out a time control on a simulated run; returns what the notice line says, if anything.
    func simulate(_ control: SimulationControl) async -> SimulationReply?
}

extension DashboardSource {
    /// Knows no logs beyond the snapshot's.
    public func logs(traceId: String) async -> [LogRecord]? { nil }

    /// A source in the same process is always connected.
    public var connectionStatus: ConnectionStatus { .live }
    /// A source in the same process can always send commands.
    public var controlUnavailableReason: String? { nil }
    /// A source in the same process is read at each refresh.
    public var dataRevision: Int? { nil }
    /// A live system has no virtual clock.
    public var simulationStatus: SimulationStatus? { nil }
    /// A live system's time cannot be controlled.
    public func simulate(_ control: SimulationControl) async -> SimulationReply? {
        SimulationReply(DashboardState.notSimulatedReason, isError: true)
    }
}

/// How a source is connected to the system it shows.
public enum ConnectionStatus: Sendable, Equatable {
    /// Data arrives as it should (an in-process source always is).
    case live
    /// No data yet: the first connection is being made.
    case connecting
    /// The connection was lost and is being made again. `staleSeconds` is how old the data on
    /// screen is (nil when none ever arrived); `retryInSeconds` when the next attempt starts
    /// (nil while one is under way).
    case reconnecting(staleSeconds: Int?, retryInSeconds: Int?)

    /// What the header's right end says: `live`, `connecting…`, `reconnecting… in 2s stale 12s`.
    /// `ellipsis` is `…`, or `...` for a terminal without Unicode.
    public func headerText(ellipsis: String = "…") -> String {
        switch self {
        case .live:
            return "live"
        case .connecting:
            return "connecting" + ellipsis
        case .reconnecting(let stale, let retry):
            var text = "reconnecting" + ellipsis
            if let retry, retry > 0 { text += " in \(retry)s" }
            if let stale { text += " stale \(Format.age(Double(stale)))" }
            return text
        }
    }
}
