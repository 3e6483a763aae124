import Hummingbird
import Logging
import OTLP
import ServiceLifecycle

/// The OTLP/HTTP receiver as a swift-service-lifecycle `Service`: ``OTLPReceiverRoutes`` on a
/// socket (OTLP's default port is 4318), until the group shuts down.
public struct OTLPReceiver: Service {
    public let routes: OTLPReceiverRoutes
    public let host: String
    /// 0 binds an ephemeral port; ``onListening`` receives the one bound.
    public let port: Int
    public let onListening: @Sendable (String) async -> Void
    public let logger: Logger

    public init(routes: OTLPReceiverRoutes, host: String, port: Int,
                logger: Logger = Logger(label: "meshtop.otlp-receiver") { _ in SwiftLogNoOpLogHandler() },
                onListening: @escaping @Sendable (String) async -> Void = { _ in }) {
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
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "meshtop-otlp"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await onListening(host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            },
            logger: logger)
        try await application.run()
    }
}
