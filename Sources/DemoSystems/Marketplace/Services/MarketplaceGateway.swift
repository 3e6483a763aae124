import ServiceMesh

extension Marketplace {
    /// The marketplace's API gateway: routes `/api/{name}/rest` to the service its table names
    /// (with the path `/{name}/rest`, query kept) and asks auth-service who a bearer token belongs
    /// to, for every signed-in request, rather than holding the tokens itself (so revoking or
    /// expiring one takes effect at once). Browsing (search, product pages, prices) is public.
    ///
    /// - No `Authorization: Bearer TOKEN` on a signed-in route → 401; a token auth-service refuses
    ///   → 401 with its reason; auth-service unreachable → 503 (fail closed).
    /// - It passes the customer on as `X-User-ID`, and drops the token.
    public struct Gateway: MeshService {
        public let name = "gateway"

        public struct Route: Sendable {
            public var service: String
            /// Methods reachable without signing in.
            public var publicMethods: Set<HTTPMethod>
        }

        public static let routes: [String: Route] = [
            "search": Route(service: "search-service", publicMethods: [.get]),
            "products": Route(service: "catalog-service", publicMethods: [.get]),
            "prices": Route(service: "pricing-service", publicMethods: [.get]),
            "carts": Route(service: "cart-service", publicMethods: []),
            "orders": Route(service: "order-service", publicMethods: []),
            "tracking": Route(service: "tracking-service", publicMethods: []),
        ]

        public init() {}

        public var router: Router {
            var router = Router()
            for method in [HTTPMethod.get, .post, .put, .delete] {
                router.on(method, "/api/:prefix/*rest") { request, context in try await Self.forward(request, context) }
                router.on(method, "/api/:prefix") { request, context in try await Self.forward(request, context) }
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        static func forward(_ request: Request, _ context: RequestContext) async throws -> Response {
            let prefix = try context.parameter("prefix")
            guard let route = routes[prefix] else {
                throw HTTPError(404, "no API named '\(prefix)'; known: \(routes.keys.sorted().joined(separator: ", "))")
            }
            var customer: String?
            if let authorization = request.headers[MeshHeader.authorization] {
                let parts = authorization.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                    return .error(401, "the Authorization header must be 'Bearer TOKEN'")
                }
                let verified: Response
                do {
                    verified = try await context.client.get("auth-service", "/tokens/\(parts[1])")
                } catch {
                    return .error(503, "cannot check the token: auth-service did not answer (\(error))")
                }
                guard verified.isSuccess, let principal = verified.decodeIfSuccess(AuthService.Verified.self) else {
                    return verified.status == 401 ? .error(401, verified.errorMessage ?? "the token was refused") : .error(503, "cannot check the token: auth-service answered \(verified.status)")
                }
                customer = principal.customerId
            } else if !route.publicMethods.contains(request.method) {
                var response = Response.error(401, "sign in: send Authorization: Bearer TOKEN")
                response.headers["www-authenticate"] = "Bearer"
                return response
            }
            var forwarded = request
            let query = request.path.firstIndex(of: "?").map { String(request.path[$0...]) } ?? ""
            let rest = context.parameters["rest"].map { $0.isEmpty ? "" : "/\($0)" } ?? ""
            forwarded.path = "/\(prefix)" + rest + query
            forwarded.headers[MeshHeader.authorization] = nil
            forwarded.headers[MeshHeader.userID] = customer
            do {
                return try await context.client.call(route.service, forwarded)
            } catch {
                return error.response
            }
        }
    }
}
