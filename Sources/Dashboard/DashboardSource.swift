import Telemetry

/// Where the dashboard gets its data and sends its commands: an in-process system, or a remote
/// one speaking the same snapshot schema.
///
/// Contract for implementations:
/// - ``snapshot()`` returns quickly (the dashboard calls it every refresh, 250 ms by default)
///   and never blocks the caller's thread.
/// - ``traces(_:)`` answers from every trace the source keeps (not only the snapshot's few), and
///   quickly: the Traces list asks for the page on screen with every refresh and many keys.
/// - ``traceTree(id:)`` returns nil when the trace is unknown or was evicted.
/// - ``perform(_:)`` applies the command before returning, so the next ``snapshot()`` shows its
///   effect; it throws an error whose description says what went wrong (`unknown breaker "x"`).
public protocol DashboardSource: Sendable {
    func snapshot() async -> SystemSnapshot
    func traces(_ query: TraceQuery) async -> TracePage
    func traceTree(id: String) async -> TraceTree?
    func perform(_ command: ControlCommand) async throws
}
