import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

@Suite("Gateway")
struct GatewayTests {
    func makeMesh(rateLimit: CallPolicy.RateLimit? = nil) -> TestMesh {
        let test = TestMesh()
        let gateway = Gateway(
            routes: [
                Gateway.Route(prefix: "users", service: "user-service", requiredRoles: [.delete: ["admin"]]),
                Gateway.Route(prefix: "products", service: "product-service", publicMethods: [.get]),
            ],
            apiKeys: ["key-alice": Principal(userID: "alice", roles: ["customer"])],
            bearerTokens: ["token-root": Principal(userID: "root", roles: ["admin", "customer"])],
            rateLimit: rateLimit, clock: test.clock, metrics: test.mesh.telemetry.metrics)
        test.mesh.deploy(gateway, instances: 2)
        test.mesh.deploy(StubService("user-service") { router in
            router.get("/users/:id") { request, context in
                .json(["id": try context.parameter("id"), "by": request.headers[MeshHeader.userID] ?? "-",
                       "roles": request.headers[MeshHeader.userRoles] ?? "-", "request": request.headers[MeshHeader.requestID] ?? "-",
                       "query": request.query["fields"] ?? "-", "key": request.headers[MeshHeader.apiKey] ?? "stripped"])
            }
            router.delete("/users/:id") { _, _ in Response(status: 204) }
        })
        test.mesh.deploy(StubService("product-service") { router in
            router.get("/products") { _, _ in .json(["catalog"]) }
        })
        return test
    }

    @Test("routes /api/users/42 to user-service /users/42 with the user's id, roles and a request id")
    func routing() async throws {
        let test = makeMesh()
        let response = await test.mesh.ingress(Request(path: "/api/users/42?fields=name", headers: [MeshHeader.apiKey: "key-alice"]))
        #expect(response.status == 200)
        let body = try response.decode([String: String].self)
        #expect(body == ["id": "42", "by": "alice", "roles": "customer", "request": "req-gateway-1-1", "query": "name", "key": "stripped"])
        #expect(response.headers[MeshHeader.requestID] == "req-gateway-1-1")
        // The gateway's catch-all route names its span by the path, the services' by their routes.
        let newest = try #require(test.traces.recent(limit: 1).first)
        let tree = try #require(test.traces.tree(hex: newest.traceId))
        #expect(tree.spans.map(\.operation) == ["GET /api/users/42", "GET user-service", "GET /users/:id"])

        let kept = await test.mesh.ingress(Request(path: "/api/users/7", headers: [MeshHeader.apiKey: "key-alice", "X-Request-ID": "mine"]))
        #expect(try kept.decode([String: String].self)["request"] == "mine")
        #expect(await test.mesh.ingress(Request(path: "/api/products")).status == 200, "public GET needs no credentials")
        let unknown = await test.mesh.ingress(Request(path: "/api/nothing/1", headers: [MeshHeader.apiKey: "key-alice"]))
        #expect(unknown.status == 404)
        #expect(unknown.errorMessage == "no API named 'nothing'; known: products, users")
    }

    @Test("401 without or with bad credentials, 403 for a role that may not")
    func authentication() async throws {
        let test = makeMesh()
        #expect(await test.mesh.ingress(Request(path: "/api/users/42")).status == 401)
        #expect(await test.mesh.ingress(Request(path: "/api/users/42", headers: [MeshHeader.apiKey: "stolen"])).status == 401)
        let malformed = await test.mesh.ingress(Request(path: "/api/users/42", headers: ["Authorization": "Basic abc"]))
        #expect(malformed.status == 401)
        #expect(malformed.errorMessage == "the Authorization header must be 'Bearer TOKEN'")
        let forbidden = await test.mesh.ingress(Request(method: .delete, path: "/api/users/42", headers: [MeshHeader.apiKey: "key-alice"]))
        #expect(forbidden.status == 403)
        #expect(forbidden.errorMessage == "DELETE /api/users needs one of the roles: admin")
        #expect(await test.mesh.ingress(Request(method: .delete, path: "/api/users/42", headers: ["Authorization": "Bearer token-root"])).status == 204)
    }

    @Test("per-client rate limiting: 429 with Retry-After once a client's bucket is empty; other clients unaffected")
    func rateLimit() async throws {
        let test = makeMesh(rateLimit: CallPolicy.RateLimit(perSecond: 1, burst: 2))
        let alice = Request(path: "/api/users/1", headers: [MeshHeader.apiKey: "key-alice"])
        #expect(await test.mesh.ingress(alice).status == 200)
        #expect(await test.mesh.ingress(alice).status == 200)
        let limited = await test.mesh.ingress(alice)
        #expect(limited.status == 429)
        #expect(limited.headers[MeshHeader.retryAfter] == "1")
        #expect(await test.mesh.ingress(Request(path: "/api/users/1", headers: ["Authorization": "Bearer token-root"])).status == 200)
        test.clock.advance(by: .seconds(1))
        #expect(await test.mesh.ingress(alice).status == 200)
    }

    @Test("the gateway answers 503 with the reason when the service is unreachable, and ingress 503 while draining")
    func unavailable() async throws {
        let test = makeMesh()
        try test.mesh.perform(.setFault(service: "user-service", fault: .down), origin: "test")
        let response = await test.mesh.ingress(Request(path: "/api/users/1", headers: [MeshHeader.apiKey: "key-alice"]))
        #expect(response.status == 503)
        #expect(response.errorMessage == "user-service unavailable: connection refused by user-service-1.mesh:8080")
        test.mesh.beginDraining()
        #expect(await test.mesh.ingress(Request(path: "/api/products")).errorMessage == "shutting down")
    }
}
