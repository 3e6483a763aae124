import HTTPEdge
import ServiceMesh
import Telemetry

/// A mesh as the HTTP edge serves it: reads the mesh directly, as ``MeshSource`` does for the
/// dashboard; commands carry the client's origin into the event log.
public struct MeshEdgeProvider: HTTPEdgeProvider {
    public let mesh: Mesh

    public init(mesh: Mesh) {
        self.mesh = mesh
    }

    /// The mesh's name: the system's, for the systems of `meshtop serve`.
    public var systemName: String { mesh.name }

    /// Ready once the mesh's runtime has closed its first metric second: the system's loops run
    /// and a snapshot has rates to show.
    public var isReady: Bool { mesh.telemetry.metricsStore.lastClosedSecond >= 0 }

    public func snapshot(window: Int) async -> SystemSnapshot {
        mesh.observe(window: window)
    }

    public func traces(_ query: TraceQuery) async -> TracePage {
        mesh.telemetry.traces.page(query)
    }

    public func traceTree(id: String) async -> TraceTree? {
        mesh.telemetry.traces.tree(hex: id)
    }

    public func logs(_ query: LogQuery) async -> LogPage {
        mesh.telemetry.logs.page(query)
    }

    public func perform(_ command: ControlCommand, origin: ActionOrigin) async throws(ControlTargetNotFound) {
        do {
            try mesh.perform(command, origin: origin)
        } catch {
            throw ControlTargetNotFound(error.description)
        }
    }

    public func metricsExposition() -> String {
        PrometheusExposition.render(mesh.telemetry.metricsStore)
    }
}

/// The HTTP API of `meshtop serve` for your own mesh: `/metrics` for Prometheus, snapshots, traces
/// and the live feed for `meshtop attach`, and the control API when a token is given.
///
/// ```swift
/// let server = try MeshtopServer.service(mesh: mesh, listen: "127.0.0.1:9464")
/// try await MeshtopDashboard.run(mesh: mesh, alongside: [traffic, server])
/// ```
public enum MeshtopServer {
    /// A `Service` serving `mesh` on `listen` (`HOST:PORT`; port 0 picks a free one, handed to
    /// `onListening`). Without a `token` the control API answers 403; a non-loopback address
    /// requires one.
    ///
    /// - Throws: `ListenAddressError` for an address that is not `HOST:PORT`, or a non-loopback
    ///   one without a token.
    public static func service(
        mesh: Mesh,
        listen: String = "127.0.0.1:9464",
        token: String? = nil,
        clock: ContinuousClock = ContinuousClock(),
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) throws -> HTTPEdgeServer {
        let address = try ListenAddress(parsing: listen)
        if token == nil, !address.isLoopback {
            throw ListenAddressError("\(listen) is not a loopback address: serving it needs a token")
        }
        return HTTPEdgeServer(
            routes: EdgeRoutes(provider: MeshEdgeProvider(mesh: mesh), token: token.map(ControlToken.init), clock: clock),
            host: address.host, port: address.port, onListening: onListening)
    }
}
