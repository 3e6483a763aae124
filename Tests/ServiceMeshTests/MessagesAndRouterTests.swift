import Foundation
@testable import ServiceMesh
import Testing

@Suite("Messages and router")
struct MessagesAndRouterTests {
    @Test("path parameters, literals before parameters, rest captures, 404 and 405")
    func routing() throws {
        var router = Router()
        router.get("/users/:id") { _, _ in .text("by id") }
        router.get("/users/me") { _, _ in .text("me") }
        router.post("/users") { _, _ in .text("create") }
        router.get("/files/*path") { _, _ in .text("file") }

        guard case .found(let route, let parameters, _) = router.match(.get, "/users/42") else { Issue.record("no match"); return }
        #expect(route == "GET /users/:id")
        #expect(parameters == ["id": "42"])
        guard case .found(let meRoute, _, _) = router.match(.get, "/users/me") else { Issue.record("no match"); return }
        #expect(meRoute == "GET /users/me")
        guard case .found(_, let rest, _) = router.match(.get, "/files/a/b/c.txt") else { Issue.record("no match"); return }
        #expect(rest == ["path": "a/b/c.txt"])
        guard case .methodNotAllowed(let allowed) = router.match(.delete, "/users") else { Issue.record("expected 405"); return }
        #expect(allowed == [.post])
        guard case .notFound = router.match(.get, "/orders/1") else { Issue.record("expected 404"); return }
    }

    @Test("headers are case-insensitive; query is parsed; JSON round-trips; a bad body names the field")
    func messages() throws {
        struct Order: Codable, Equatable { var product: String; var quantity: Int }
        var request = try Request(method: .post, path: "/orders?express=true&note=two+words", json: Order(product: "p1", quantity: 2))
        request.headers["X-User-ID"] = "u1"
        #expect(request.headers["x-user-id"] == "u1")
        #expect(request.headers["X-USER-ID"] == "u1", "found as given only when lowercase; otherwise after lowercasing")
        #expect(request.headers["X-Missing"] == nil && request.headers["x-missing"] == nil)
        #expect(request.headers["content-type"] == "application/json")
        #expect(Response.text("ok").headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(request.query == ["express": "true", "note": "two words"])
        #expect(request.pathWithoutQuery == "/orders")
        #expect(try request.decode(Order.self) == Order(product: "p1", quantity: 2))

        let bad = Request(method: .post, path: "/orders", body: Data(#"{"product":"p1","quantity":"two"}"#.utf8))
        #expect(throws: BadRequestError(message: "the body is not a valid Order: field 'quantity' should be Int")) { try bad.decode(Order.self) }
        let missing = Request(method: .post, path: "/orders", body: Data(#"{"product":"p1"}"#.utf8))
        #expect(throws: BadRequestError(message: "the body is not a valid Order: missing field 'quantity'")) { try missing.decode(Order.self) }
        #expect(Response.error(404, "no user").errorMessage == "no user")
    }

    @Test("headers: a name set again replaces its value, nil removes it, order kept, equality ignores order")
    func headerList() {
        var headers: Headers = ["Accept": "text/plain", "x-a": "1"]
        headers["X-A"] = "2"
        headers["x-b"] = "3"
        #expect(headers.count == 3)
        #expect(headers["x-a"] == "2")
        #expect(headers.map(\.name) == ["accept", "x-a", "x-b"])
        headers["accept"] = nil
        headers["never-set"] = nil
        #expect(headers.map(\.name) == ["x-a", "x-b"])
        #expect(headers == ["x-b": "3", "x-a": "2"])
        #expect(headers != ["x-b": "3", "x-a": "1"])
        #expect(headers != ["x-b": "3"])
    }

    @Test("a handler's errors become statuses: 400, its HTTPError, 503 for a dependency, 500 otherwise")
    func handlerErrors() async throws {
        struct Boom: Error {}
        let test = TestMesh()
        test.mesh.deploy(StubService("svc") { router in
            router.get("/bad") { _, _ in throw BadRequestError(message: "quantity must be positive") }
            router.get("/missing") { _, _ in throw HTTPError(404, "no such thing") }
            router.get("/boom") { _, _ in throw Boom() }
            router.get("/dependency") { _, context in try await context.client.get("nowhere", "/x") }
        })
        let client = test.mesh.client()
        #expect(try await client.get("svc", "/bad").status == 400)
        let missing = try await client.get("svc", "/missing")
        #expect(missing.status == 404)
        #expect(missing.errorMessage == "no such thing")
        #expect(try await client.get("svc", "/boom").status == 500)
        #expect(try await client.get("svc", "/dependency").status == 503)
        #expect(try await client.get("svc", "/nope").status == 404)
    }
}
