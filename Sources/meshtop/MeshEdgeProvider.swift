import HTTPEdge
import ServiceMesh
import Telemetry

/// `meshtop serve`'s view of a running system for the HTTP edge: reads the mesh directly, as
/// ``LiveSource`` does for the dashboard; commands carry the client's origin into the event log.
struct MeshEdgeProvider: HTTPEdgeProvider {
    let mesh: Mesh
    let systemName: String

    /// Ready once the mesh's runtime has closed its first metric second: the system's loops run
    /// and a snapshot has rates to show.
    var isReady: Bool { mesh.telemetry.metricsStore.lastClosedSecond >= 0 }

    func snapshot(window: Int) async -> SystemSnapshot {
        mesh.observe(window: window)
    }

    func traces(_ query: TraceQuery) async -> TracePage {
        mesh.telemetry.traces.page(query)
    }

    func traceTree(id: String) async -> TraceTree? {
        mesh.telemetry.traces.tree(hex: id)
    }

    func perform(_ command: ControlCommand, origin: ActionOrigin) async throws(ControlTargetNotFound) {
        do {
            try mesh.perform(command, origin: origin)
        } catch {
            throw ControlTargetNotFound(error.description)
        }
    }

    func metricsExposition() -> String {
        PrometheusExposition.render(mesh.telemetry.metricsStore)
    }
}
