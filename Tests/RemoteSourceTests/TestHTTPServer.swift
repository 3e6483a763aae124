import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 server on 127.0.0.1 (a free port) for the client's tests: each request is
/// answered by `route`, with a whole JSON body or a stream of server-sent event chunks.
final class TestHTTPServer: Sendable {
    enum Reply: Sendable {
        case json(status: Int, body: String)
        /// `text/event-stream`: each string written as its own chunk; then the body ends, or
        /// stays open (`keepOpen`) until the client goes.
        case events([String], keepOpen: Bool)
    }

    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]
        var path: Substring { uri.split(separator: "?", maxSplits: 1).first ?? "" }
    }

    let channel: any Channel
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(_ route: @escaping @Sendable (Request) -> Reply) async throws -> TestHTTPServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(route: route))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TestHTTPServer(channel: channel)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func stop() async throws {
        try await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let route: @Sendable (Request) -> Reply
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(route: @escaping @Sendable (Request) -> Reply) {
            self.route = route
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let reply = route(Request(method: head.method, uri: head.uri, headers: head.headers, body: body))
                switch reply {
                case .json(let status, let text):
                    let headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(text.utf8.count)")])
                    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                case .events(let chunks, let keepOpen):
                    let headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")])
                    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
                    for chunk in chunks {
                        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: chunk)))), promise: nil)
                    }
                    if !keepOpen { context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil) }
                }
            }
        }
    }
}
