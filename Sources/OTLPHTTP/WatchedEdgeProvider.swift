import HTTPEdge
import OTLP
import Telemetry

/// A watched system on the HTTP edge: `meshtop watch --headless` serves `serve`'s API over what
/// arrives by OTLP. Control commands find nothing to act on: the services run elsewhere.
public struct WatchedEdgeProvider: HTTPEdgeProvider {
    public let system: WatchedSystem

    public init(system: WatchedSystem) {
        self.system = system
    }

    public var systemName: String { system.name }

    /// Ready as soon as it listens: an empty watch is a true answer, not a wait.
    public var isReady: Bool { true }

    public func snapshot(window: Int) async -> SystemSnapshot {
        system.snapshot(window: window)
    }

    public func logs(_ query: LogQuery) async -> LogPage {
        system.logs.page(query)
    }

    public func traces(_ query: TraceQuery) async -> TracePage {
        system.traces(query)
    }

    public func traceTree(id: String) async -> TraceTree? {
        system.traceTree(id: id)
    }

    public func perform(_ command: ControlCommand, origin: ActionOrigin) async throws(ControlTargetNotFound) {
        throw ControlTargetNotFound(WatchedSystem.controlUnavailableReason)
    }

    public func metricsExposition() -> String {
        PrometheusExposition.render(system.metrics)
    }
}
