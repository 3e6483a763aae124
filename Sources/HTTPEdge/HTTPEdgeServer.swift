import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP API as a swift-service-lifecycle `Service`: run it in the same `ServiceGroup` as the
/// system it serves. It listens until the group shuts down gracefully; open feeds end then, and
/// requests in flight finish.
public struct HTTPEdgeServer: Service {
    public let routes: EdgeRoutes
    public let host: String
    /// 0 binds an ephemeral port; ``onListening`` receives the one bound.
    public let port: Int
    /// Called once the socket is bound, with the address clients reach it at (`127.0.0.1:9464`).
    public let onListening: @Sendable (String) async -> Void
    public let logger: Logger

    public init(
        routes: EdgeRoutes,
        host: String,
        port: Int,
        logger: Logger = Logger(label: "meshtop.http-edge") { _ in SwiftLogNoOpLogHandler() },
        onListening: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.routes = routes
        self.host = host
        self.port = port
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let onListening = self.onListening
        let host = self.host
        let application = Application(
            router: routes.router(),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "meshtop"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await onListening(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            },
            logger: logger)
        try await application.run()
    }
}
