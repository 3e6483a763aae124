import CoreMetrics
import Resilience
import Synchronization
import Telemetry

/// Who a credential belongs to.
public struct Principal: Sendable, Equatable {
    public var userID: String
    public var roles: Set<String>
    /// The rate-limit bucket: one per client (API key or token holder).
    public var clientID: String

    public init(userID: String, roles: Set<String>, clientID: String? = nil) {
        self.userID = userID
        self.roles = roles
        self.clientID = clientID ?? userID
    }
}

/// The API gateway: the one door into the system, itself a ``MeshService`` with instances.
///
/// - Routing: `/api/{name}/rest` goes to the service named in the route table for `name`, with
///   the path `/{name}/rest` (`/api/users/42` → user-service `/users/42`); the query is kept.
/// - Authentication: `X-API-Key: KEY` or `Authorization: Bearer TOKEN`. Missing or unknown → 401.
///   A route may require roles; a principal without one → 403. Public routes need neither.
/// - It adds `X-User-ID` and `X-User-Roles` for the services, and an `X-Request-ID` when the
///   client sent none (echoed in the response).
/// - Per-client rate limiting (token bucket): over the limit → 429 with `Retry-After`.
/// - Calls go through the gateway's sidecar: discovery, load balancing, breakers, trace context.
public struct Gateway: MeshService {
    public struct Route: Sendable {
        /// The first path segment after `/api/` (`users`).
        public var prefix: String
        public var service: String
        /// Roles of which the principal needs at least one, per method; a method absent here needs none.
        public var requiredRoles: [HTTPMethod: Set<String>]
        /// Reachable without credentials (a public catalog), for these methods.
        public var publicMethods: Set<HTTPMethod>

        public init(prefix: String, service: String, requiredRoles: [HTTPMethod: Set<String>] = [:], publicMethods: Set<HTTPMethod> = []) {
            self.prefix = prefix
            self.service = service
            self.requiredRoles = requiredRoles
            self.publicMethods = publicMethods
        }
    }

    public let name: String
    public let routes: [String: Route]
    let apiKeys: [String: Principal]
    let bearerTokens: [String: Principal]
    let limiters: ClientLimiters

    /// - Parameters:
    ///   - rateLimit: per client, requests per second and burst; nil for no limit.
    ///   - clock: what the per-client token buckets refill on.
    public init<C: Clock>(name: String = "gateway", routes: [Route], apiKeys: [String: Principal] = [:], bearerTokens: [String: Principal] = [:],
                          rateLimit: CallPolicy.RateLimit? = CallPolicy.RateLimit(perSecond: 50, burst: 100), clock: C, metrics: any MetricsFactory) where C.Duration == Duration {
        self.name = name
        self.routes = Dictionary(routes.map { ($0.prefix, $0) }, uniquingKeysWith: { _, last in last })
        self.apiKeys = apiKeys
        self.bearerTokens = bearerTokens
        limiters = ClientLimiters(limit: rateLimit, clock: MeshClock(clock), metrics: metrics, gateway: name)
    }

    public var router: Router {
        var router = Router()
        let gateway = self
        for method in [HTTPMethod.get, .post, .put, .patch, .delete] {
            router.on(method, "/api/:prefix/*rest") { request, context in try await gateway.forward(request, context) }
            router.on(method, "/api/:prefix") { request, context in try await gateway.forward(request, context) }
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    /// The principal a request's credentials name, or nil when it carries none.
    /// - Throws: ``HTTPError`` 401 when it carries credentials that are unknown or malformed.
    func authenticate(_ request: Request) throws(HTTPError) -> Principal? {
        if let key = request.headers[MeshHeader.apiKey] {
            guard let principal = apiKeys[key] else { throw HTTPError(401, "unknown API key") }
            return principal
        }
        if let authorization = request.headers[MeshHeader.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw HTTPError(401, "the Authorization header must be 'Bearer TOKEN'")
            }
            guard let principal = bearerTokens[String(parts[1])] else { throw HTTPError(401, "unknown or expired bearer token") }
            return principal
        }
        return nil
    }

    func forward(_ request: Request, _ context: RequestContext) async throws -> Response {
        let prefix = try context.parameter("prefix")
        guard let route = routes[prefix] else {
            throw HTTPError(404, "no API named '\(prefix)'; known: \(routes.keys.sorted().joined(separator: ", "))")
        }
        let requestID = request.headers[MeshHeader.requestID] ?? "req-\(context.instance.id)-\(limiters.nextRequestNumber())"
        var response = try await authorizeAndSend(request, route: route, prefix: prefix, rest: context.parameters["rest"], requestID: requestID, client: context.client)
        response.headers[MeshHeader.requestID] = requestID
        return response
    }

    private func authorizeAndSend(_ request: Request, route: Route, prefix: String, rest: String?, requestID: String, client: MeshClient) async throws -> Response {
        let principal = try authenticate(request)
        if principal == nil && !route.publicMethods.contains(request.method) {
            var response = Response.error(401, "authentication required: send X-API-Key or Authorization: Bearer")
            response.headers["www-authenticate"] = "Bearer"
            return response
        }
        if let required = route.requiredRoles[request.method], !required.isEmpty {
            guard let principal, !principal.roles.isDisjoint(with: required) else {
                return .error(403, "\(request.method) /api/\(prefix) needs one of the roles: \(required.sorted().joined(separator: ", "))")
            }
        }
        if let retryAfter = limiters.admit(principal?.clientID ?? "anonymous") {
            var response = Response.error(429, "rate limit exceeded for this client")
            response.headers[MeshHeader.retryAfter] = String(max(1, Int((retryAfter.seconds).rounded(.up))))
            return response
        }
        var forwarded = request
        let query = request.path.firstIndex(of: "?").map { String(request.path[$0...]) } ?? ""
        forwarded.path = "/\(prefix)" + (rest.map { $0.isEmpty ? "" : "/\($0)" } ?? "") + query
        forwarded.headers[MeshHeader.apiKey] = nil
        forwarded.headers[MeshHeader.authorization] = nil
        forwarded.headers[MeshHeader.requestID] = requestID
        forwarded.headers[MeshHeader.userID] = principal?.userID
        forwarded.headers[MeshHeader.userRoles] = principal.map { $0.roles.sorted().joined(separator: ",") }
        do {
            return try await client.call(route.service, forwarded)
        } catch {
            // No response from the service: 503 (504 for a timeout), as a gateway answers.
            return error.response
        }
    }
}

/// One token bucket per client, made on first use.
final class ClientLimiters: Sendable {
    let limit: CallPolicy.RateLimit?
    let clock: MeshClock
    let metrics: any MetricsFactory
    let gateway: String
    private let limiters = Mutex([String: RateLimiter]())
    private let requestNumber = Atomic<Int>(0)

    init(limit: CallPolicy.RateLimit?, clock: MeshClock, metrics: any MetricsFactory, gateway: String) {
        self.limit = limit
        self.clock = clock
        self.metrics = metrics
        self.gateway = gateway
    }

    /// nil when admitted; else how long until a permit is free.
    func admit(_ client: String) -> Duration? {
        guard let limit else { return nil }
        let limiter = limiters.withLock { limiters in
            if let limiter = limiters[client] { return limiter }
            let limiter = RateLimiter(name: "\(gateway) client \(client)", rate: limit.perSecond, burst: limit.burst, clock: clock, metrics: metrics)
            limiters[client] = limiter
            return limiter
        }
        if limiter.tryAcquire() { return nil }
        return .milliseconds(max(1, (1 - limiter.available) / limit.perSecond * 1000))
    }

    func nextRequestNumber() -> Int { requestNumber.add(1, ordering: .relaxed).newValue }
}
