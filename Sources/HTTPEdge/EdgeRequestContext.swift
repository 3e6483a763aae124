import Hummingbird

/// The request context of the edge's routes: Hummingbird's basics plus the client's address, for
/// the event log's record of who sent a command.
public struct EdgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `127.0.0.1:53122`; nil when there is no socket (requests made in tests through the router).
    public let clientAddress: String?
    let bodyLimit: Int

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        if let address = source.channel.remoteAddress, let ip = address.ipAddress, let port = address.port {
            clientAddress = ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
        } else {
            clientAddress = nil
        }
        bodyLimit = EdgeRoutes.defaultBodyLimit
    }

    public var maxUploadSize: Int { bodyLimit }
}
