import Telemetry

/// What the HTTP edge serves: a running system seen through the snapshot schema, and a handler for
/// the commands its control API accepts.
///
/// The edge knows no mesh: an adapter over whatever runs the system implements this (meshtop's is
/// `MeshEdgeProvider`, over a `Mesh`). Every implementation must guarantee:
/// - every method may be called from any task, concurrently, as requests arrive;
/// - ``snapshot(window:)``, ``traces(_:)``, ``traceTree(id:)``, ``logs(_:)`` and ``metricsExposition()`` only read:
///   they never change the system, and they return promptly (they run on a request's task);
/// - ``perform(_:origin:)`` applies the command at once and records it in the system's event log
///   with `origin`, or throws ``ControlTargetNotFound`` naming what exists, having changed nothing;
/// - ``isReady`` turns true once the system runs and stays true.
public protocol HTTPEdgeProvider: Sendable {
    /// The system's name, as `serve` prints it and `/healthz` tells it.
    var systemName: String { get }
    /// True once the system is running (its metric windows close): `/readyz` answers 200.
    var isReady: Bool { get }
    /// The system now, with rates and percentiles over the last `window` seconds (1…300).
    func snapshot(window: Int) async -> SystemSnapshot
    /// One page of the stored traces.
    func traces(_ query: TraceQuery) async -> TracePage
    /// A stored trace by its id (32 lowercase hex digits); nil when unknown or evicted.
    func traceTree(id: String) async -> TraceTree?
    /// The log records a query finds, newest first. A provider that keeps no logs answers an
    /// empty page (the default).
    func logs(_ query: LogQuery) async -> LogPage
    /// Carries out a command from a client of the control API.
    ///
    /// - Parameter origin: who asked, as the event log records it (`api 127.0.0.1:53122`).
    func perform(_ command: ControlCommand, origin: ActionOrigin) async throws(ControlTargetNotFound)
    /// The system's metrics in the Prometheus text format 0.0.4, as they are now.
    func metricsExposition() -> String
}

extension HTTPEdgeProvider {
    /// Keeps no logs: an empty page, nothing stored, nothing dropped.
    public func logs(_ query: LogQuery) async -> LogPage { LogPage(query: query) }
}

/// A control command named a breaker, service or instance the system does not have: `404`.
public struct ControlTargetNotFound: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was unknown and what exists, for the client to read.
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
