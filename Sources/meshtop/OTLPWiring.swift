import OTLP
import OTLPHTTP
import ServiceMesh
import Telemetry

/// The exporter of `--otlp-export URL`: the mesh's trace store copies its spans into the
/// exporter's queue from now on, and its metrics go every ten seconds.
func otlpExporter(for mesh: Mesh, endpoint: OTLPEndpoint, seed: UInt64) -> OTLPExporter<ContinuousClock> {
    let queue = FinishedSpanQueue()
    mesh.telemetry.traces.export(to: queue)
    return OTLPExporter(
        configuration: .init(endpoint: endpoint.base),
        queue: queue,
        requests: OTLPExportRequests(time: mesh.telemetry.time, resource: [("service.namespace", mesh.name)]),
        metrics: (mesh.telemetry.metricsStore, mesh.name),
        transport: HTTPClientTransport(),
        clock: ContinuousClock(),
        reportingTo: mesh.telemetry.metrics,
        seed: seed)
}
