import Hummingbird
import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The API's routes over an ``HTTPEdgeProvider`` (the contract: `/work`'s api-contract, described
/// in `openapi.yaml`), as a Hummingbird router. ``HTTPEdgeServer`` serves it on a socket; tests
/// drive the same router through HummingbirdTesting without one.
///
/// Every refusal is the contract's JSON error body; a client's mistake is never a 500.
public struct EdgeRoutes: Sendable {
    /// The most a control request body may hold: a command is a small object.
    public static let defaultBodyLimit = 64 * 1024

    public let provider: any HTTPEdgeProvider
    /// nil: the control API is off (403).
    public let token: ControlToken?
    /// Paces the live feed.
    public let clock: any Clock<Duration>
    public let bodyLimit: Int
    /// Snapshots answered again for a short while: under load, one snapshot serves many requests.
    let snapshots: SnapshotCache
    /// Fired after every control command: open feeds send a snapshot at once.
    let changes = Pulse()

    /// How long one snapshot answers `GET /api/v1/snapshot` again: a tenth of a second, well
    /// inside a dashboard's refresh and a scrape's resolution.
    public static let defaultSnapshotMaxAge = Duration.milliseconds(100)

    public init(
        provider: any HTTPEdgeProvider,
        token: ControlToken?,
        clock: any Clock<Duration> = ContinuousClock(),
        bodyLimit: Int = EdgeRoutes.defaultBodyLimit,
        snapshotMaxAge: Duration = EdgeRoutes.defaultSnapshotMaxAge
    ) {
        self.provider = provider
        self.token = token
        self.clock = clock
        self.bodyLimit = bodyLimit
        self.snapshots = SnapshotCache(maxAge: snapshotMaxAge, time: TimeSource(clock: clock))
    }

    /// One route of the API, for the router and for the 404 and 405 answers that list them.
    public struct Route: Sendable, Equatable, CustomStringConvertible {
        public var method: HTTPRequest.Method
        public var path: String
        public var description: String { "\(method) \(path)" }

        /// True when `path` is this route's path, `{name}` matching one segment.
        func matches(path other: String) -> Bool {
            let pattern = path.split(separator: "/", omittingEmptySubsequences: false)
            let segments = other.split(separator: "/", omittingEmptySubsequences: false)
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }

    public static let routes: [Route] = [
        Route(method: .get, path: "/healthz"),
        Route(method: .get, path: "/readyz"),
        Route(method: .get, path: "/metrics"),
        Route(method: .get, path: "/api/v1/snapshot"),
        Route(method: .get, path: "/api/v1/traces"),
        Route(method: .get, path: "/api/v1/traces/{id}"),
        Route(method: .get, path: "/api/v1/logs"),
        Route(method: .get, path: "/api/v1/feed"),
        Route(method: .post, path: "/api/v1/control"),
    ]

    public func router() -> Router<EdgeRequestContext> {
        let router = Router(context: EdgeRequestContext.self)
        router.add(middleware: EdgeErrorMiddleware())
        router.get("/healthz") { request, _ in
            try QueryItems(query: request.uri.query).requireOnly([])
            return JSONBody.response(["status": "ok"])
        }
        router.get("/readyz") { request, _ in
            try QueryItems(query: request.uri.query).requireOnly([])
            guard provider.isReady else {
                throw APIError(.serviceUnavailable, "not ready: \(provider.systemName) has not started running yet; retry shortly")
            }
            return JSONBody.response(["status": "ready"])
        }
        router.get("/metrics") { request, _ in
            try QueryItems(query: request.uri.query).requireOnly([])
            return metrics()
        }
        router.get("/api/v1/snapshot") { request, _ in
            let window = try APIParameters.snapshotWindow(QueryItems(query: request.uri.query))
            return await snapshots.response(window: window) { JSONBody.response(await provider.snapshot(window: window)) }
        }
        router.get("/api/v1/traces") { request, _ in
            let query = try APIParameters.traceQuery(QueryItems(query: request.uri.query))
            return JSONBody.response(await provider.traces(query))
        }
        router.get("/api/v1/traces/{id}") { request, context in
            try QueryItems(query: request.uri.query).requireOnly([])
            let id = try APIParameters.traceID(context.parameters.get("id") ?? "")
            guard let tree = await provider.traceTree(id: id) else {
                throw APIError(.notFound, "no stored trace \(id): it was never seen or has been evicted (GET /api/v1/traces lists the stored ones)", field: "id")
            }
            return JSONBody.response(tree)
        }
        router.get("/api/v1/logs") { request, _ in
            let query = try APIParameters.logQuery(QueryItems(query: request.uri.query))
            return JSONBody.response(await provider.logs(query))
        }
        router.get("/api/v1/feed") { request, _ in
            let (window, interval) = try APIParameters.feed(QueryItems(query: request.uri.query))
            let feed = SnapshotFeed(provider: provider, clock: clock, window: window, interval: interval, changes: changes)
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: feed.body())
        }
        router.post("/api/v1/control") { request, context in
            var request = request
            return try await control(&request, clientAddress: context.clientAddress)
        }
        return router
    }

    /// `GET /metrics`: the exposition as it is now, rendered on the request's task (the
    /// benchmarks measure this response with 10,000 series).
    public func metrics() -> Response {
        Response(
            status: .ok,
            headers: [.contentType: PrometheusExposition.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: provider.metricsExposition())))
    }

    /// `POST /api/v1/control`: token first (nothing of an unauthorised body is read), then the
    /// body within its limit, then the command, recorded with the client's address as origin.
    func control(_ request: inout Request, clientAddress: String?) async throws(APIError) -> Response {
        guard let token else { throw ControlToken.notConfigured }
        try token.check(authorization: request.headers[.authorization])
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > bodyLimit {
            throw tooLarge("\(declared) bytes")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bodyLimit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge("more than that")
        } catch {
            throw APIError(.badRequest, "could not read the request body: \(error)")
        }
        let command = try ControlBody.decode(Data(buffer.readableBytesView))
        let origin = ActionOrigin(rawValue: clientAddress.map { "\(ActionOrigin.api) \($0)" } ?? ActionOrigin.api.rawValue)
        do {
            try await provider.perform(command, origin: origin)
        } catch {
            throw APIError(.notFound, error.description, field: command.targetField)
        }
        snapshots.clear()
        changes.fire()
        return JSONBody.response(Applied(applied: command))
    }

    private func tooLarge(_ size: String) -> APIError {
        APIError(.contentTooLarge, "the body is \(size), over the limit of \(bodyLimit) bytes; a ControlCommand is one small JSON object")
    }

    /// The answer to an accepted command: the command as it was understood.
    struct Applied: Codable {
        var applied: ControlCommand
    }
}

extension ControlCommand {
    /// The body field naming what the command acts on, for a 404's `field`.
    var targetField: String {
        switch self {
        case .tripBreaker, .forceBreakerClosed, .resetBreaker, .disableBreaker, .metricsOnlyBreaker: "breaker"
        case .setFault: "service"
        case .setPolicy: "edge"
        }
    }
}

/// Turns every error into the contract's JSON error body: ``APIError`` as it is, an unknown path
/// (404) or a known path with another method (405) with the routes listed, Hummingbird's own
/// errors with their status, and anything else as a 500 (the server's fault, never the client's).
struct EdgeErrorMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response()
        } catch let error as HTTPError where error.status == .notFound {
            // The routes throw APIError, so a bare 404 is the router's: no route matched.
            return Self.noRoute(request).response()
        } catch let error as any HTTPResponseError {
            return APIError(error.status, "\(error)").response()
        } catch {
            return APIError(.internalServerError, "internal error: \(error)").response()
        }
    }

    static func noRoute(_ request: Request) -> APIError {
        let path = request.uri.path
        let methods = EdgeRoutes.routes.filter { $0.matches(path: path) }.map(\.method)
        let list = EdgeRoutes.routes.map(\.description).joined(separator: ", ")
        guard !methods.isEmpty else {
            return APIError(.notFound, "no route \(request.method) \(path); routes: \(list)")
        }
        var error = APIError(.methodNotAllowed, "\(path) takes \(methods.map(\.rawValue).joined(separator: ", ")), not \(request.method)")
        error.headers = [.allow: methods.map(\.rawValue).joined(separator: ", ")]
        return error
    }
}
