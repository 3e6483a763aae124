import Foundation
import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

/// Pins what one hop through the mesh records and carries, so the hot path can be made cheaper
/// without changing it: span attributes, headers the handler sees, route matching edge cases.
@Suite("One hop: what it records and carries")
struct HopTests {
    @Test("a plain call: the client span names the peer and status, the server span the target, instance and caller")
    func plainCallAttributes() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"))
        let response = try await test.mesh.client(as: "caller").get("svc", "/echo/a?x=1")
        #expect(response.text == "a")
        let tree = try newestTree(test)
        #expect(tree.spans.map { "\($0.depth) \($0.service) \($0.kind) \($0.operation)" } == [
            "0 caller client GET svc",
            "1 svc server GET /echo/:word",
        ])
        #expect(tree.spans[0].attributes == ["peer.service": "svc", "http.target": "/echo/a?x=1", "http.status_code": "200"])
        #expect(tree.spans[0].status == SpanStatusRecord())
        #expect(tree.spans[1].attributes == ["http.target": "/echo/a?x=1", "instance": "svc-1", "caller": "caller", "http.status_code": "200"])
        #expect(tree.spans[1].status == SpanStatusRecord())
    }

    @Test("a call from outside the mesh: no caller attribute or header")
    func outsideCall() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService("svc") { router in
            router.get("/who") { request, context in .text("\(context.caller ?? "-") \(request.headers[MeshHeader.caller] ?? "-")") }
        })
        #expect(try await test.mesh.client().get("svc", "/who").text == "- -")
        let tree = try newestTree(test)
        #expect(tree.spans[1].attributes == ["http.target": "/who", "instance": "svc-1", "http.status_code": "200"])
    }

    @Test("retries: the client span counts attempts, each retry has its own span on the instance it tried")
    func retriedCallAttributes() async throws {
        let test = TestMesh(policy: CallPolicy(breaker: nil, retry: RetryPolicy(maxAttempts: 3, backoff: .constant(.zero), jitter: .none), timeout: nil, outlierDetection: nil))
        test.mesh.deploy(StubService("svc") { router in
            router.get("/fail") { _, _ in .error(503, "busy") }
        })
        let response = try await test.mesh.client(as: "caller").get("svc", "/fail")
        #expect(response.status == 503)
        let tree = try newestTree(test)
        let client = try #require(tree.spans.first)
        #expect(client.attributes == ["peer.service": "svc", "http.target": "/fail", "http.status_code": "503", "retry.attempts": "3"])
        #expect(client.status == SpanStatusRecord(code: .error, message: "503"))
        let attempts = tree.spans.filter { $0.operation.hasPrefix("attempt") }
        #expect(attempts.map(\.operation) == ["attempt 2", "attempt 3"])
        #expect(attempts.allSatisfy { $0.attributes == ["instance": "svc-1"] && $0.status == SpanStatusRecord(code: .error, message: "503") })
        let servers = tree.spans.filter { $0.kind == .server }
        #expect(servers.count == 3)
        #expect(servers.allSatisfy { $0.attributes["http.status_code"] == "503" && $0.status == SpanStatusRecord(code: .error, message: "busy") })
    }

    @Test("a failed call: the client span carries the error kind")
    func failedCallAttributes() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"))
        test.mesh.transport.setFault(.down, service: "svc")
        await #expect(throws: MeshCallError.self) { try await test.mesh.client(as: "caller").get("svc", "/echo/a") }
        let tree = try newestTree(test)
        #expect(tree.spans[0].attributes == ["peer.service": "svc", "http.target": "/echo/a", "mesh.error": "unavailable"])
        #expect(tree.spans[0].status.code == .error)
    }

    @Test("a dependency that fails is an event on the server span; the handler's calls are its children")
    func dependencyFailureEvent() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("backend"))
        test.mesh.deploy(StubService("svc") { router in
            router.get("/ok") { _, context in try await context.client.get("backend", "/echo/b") }
            router.get("/dependency") { _, context in try await context.client.get("nowhere", "/x") }
        })
        #expect(try await test.mesh.client(as: "caller").get("svc", "/ok").status == 200)
        let nested = try newestTree(test)
        #expect(nested.spans.map { "\($0.depth) \($0.service) \($0.kind)" } == ["0 caller client", "1 svc server", "2 svc client", "3 backend server"])

        #expect(try await test.mesh.client(as: "caller").get("svc", "/dependency").status == 503)
        let tree = try newestTree(test)
        let server = try #require(tree.spans.first { $0.kind == .server })
        #expect(server.events.map(\.name) == ["dependency failed"])
        #expect(server.events.first?.attributes == ["target": "nowhere", "kind": "unavailable"])
        #expect(server.status.code == .error)
    }

    @Test("a transport that outlives its mesh refuses connections to the mesh's instances")
    func transportOutlivesMesh() async throws {
        var test: TestMesh? = TestMesh()
        test!.mesh.deploy(StubService.echo("svc"))
        #expect(try await test!.mesh.client().get("svc", "/echo/a").status == 200)
        let transport = test!.mesh.transport
        weak let mesh = test!.mesh
        test = nil
        #expect(mesh == nil, "nothing keeps a mesh alive but its users")
        await #expect(throws: TransportError.connectionRefused(address: "svc-1.mesh:8080")) {
            try await transport.send(Request(path: "/echo/a"), to: "svc-1.mesh:8080")
        }
    }

    @Test("a connection sends to its instance until its address is unbound or bound anew; faults still apply")
    func connections() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"))
        let transport = test.mesh.transport
        let connection = try #require(transport.connection(to: "svc-1.mesh:8080"))
        #expect(connection.isOpen && connection.instance.id == "svc-1")
        #expect(try await transport.send(Request(path: "/echo/a"), on: connection).text == "a")
        #expect(transport.connection(to: "nowhere.mesh:8080") == nil)

        transport.setFault(.errors(ratio: 1), instance: "svc-1")
        #expect(try await transport.send(Request(path: "/echo/a"), on: connection).status == 503, "a fault applies on a connection too")
        transport.setFault(.none, instance: "svc-1")

        // Bound anew: the old connection is closed, and what it sends goes to the new listener.
        transport.bind("svc-1.mesh:8080", instance: InstanceID(service: "svc", id: "svc-1")) { _, _ in .text("new") }
        #expect(!connection.isOpen)
        #expect(try await transport.send(Request(path: "/echo/a"), on: connection).text == "new")
        #expect(try await test.mesh.client(as: "caller").get("svc", "/echo/a").text == "new", "a sidecar's channel reconnects")

        transport.unbind("svc-1.mesh:8080")
        await #expect(throws: TransportError.connectionRefused(address: "svc-1.mesh:8080")) {
            try await transport.send(Request(path: "/echo/a"), on: connection)
        }
    }

    @Test("an injected fault is an attribute of the server span")
    func faultAttribute() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"))
        test.mesh.transport.setFault(.errors(ratio: 1, status: 500), service: "svc")
        #expect(try await test.mesh.client(as: "caller").get("svc", "/echo/a").status == 500)
        let tree = try newestTree(test)
        let server = try #require(tree.spans.first { $0.kind == .server })
        #expect(server.attributes["fault"] == #"error(status: 500, message: "injected fault: svc answers 500 to 100% of requests")"#)
        #expect(Set(server.attributes.keys) == ["http.target", "instance", "caller", "fault", "http.status_code"])
    }

    @Test("the handler sees the caller's headers, the caller identity and the client span's traceparent")
    func headersCarried() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService("svc") { router in
            router.get("/headers") { request, _ in
                .json(Dictionary(uniqueKeysWithValues: request.headers.map { ($0.name, $0.value) }))
            }
        })
        let response = try await test.mesh.client(as: "caller").get("svc", "/headers", headers: ["X-Request-ID": "r1", "traceparent": "spoofed"])
        let headers = try response.decode([String: String].self)
        let tree = try newestTree(test)
        #expect(headers.keys.sorted() == ["traceparent", "x-mesh-caller", "x-request-id"])
        #expect(headers["x-mesh-caller"] == "caller")
        #expect(headers["x-request-id"] == "r1")
        #expect(headers["traceparent"] == "00-\(tree.traceId)-\(tree.spans[0].spanId)-01")
    }

    @Test("route matching edge cases", arguments: [
        ("/users/42", "GET /users/:id", ["id": "42"]),
        ("/users/42/", "GET /users/:id", ["id": "42"]),
        ("//users//42", "GET /users/:id", ["id": "42"]),
        ("/users/a%20b", "GET /users/:id", ["id": "a b"]),
        ("/users/%zz", "GET /users/:id", ["id": "%zz"]),
        ("/users/m%65", "GET /users/:id", ["id": "me"]),
        ("/users/caf%C3%A9", "GET /users/:id", ["id": "café"]),
        ("/users/café", "GET /users/:id", ["id": "café"]),
        ("/users/me", "GET /users/me", [:]),
        ("/files", "GET /files/*path", ["path": ""]),
        ("/files/a//b/", "GET /files/*path", ["path": "a/b"]),
        ("/pair/1/2", "GET /pair/:x/:x", ["x": "2"]),
        ("/", "GET /", [:]),
        ("", "GET /", [:]),
        ("/mid/a/b/tail", "GET /mid/*rest/tail", ["rest": "a/b/tail"]),
    ] as [(String, String, [String: String])])
    func routeEdgeCases(path: String, route: String, parameters: [String: String]) throws {
        var router = Router()
        router.get("/users/:id") { _, _ in .text("id") }
        router.get("/users/me") { _, _ in .text("me") }
        router.get("/files/*path") { _, _ in .text("file") }
        router.get("/pair/:x/:x") { _, _ in .text("pair") }
        router.get("/") { _, _ in .text("root") }
        router.get("/mid/*rest/tail") { _, _ in .text("mid") }
        guard case .found(let found, let foundParameters, _) = router.match(.get, path[...]) else {
            Issue.record("no match for \(path)")
            return
        }
        #expect(found == route)
        #expect(Dictionary(foundParameters.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }) == parameters)
        #expect(foundParameters.count == parameters.count, "a name captured twice is one parameter")
    }

    @Test("no match: too many or too few segments, a literal that differs; 405 lists the methods in route order")
    func routeMisses() {
        var router = Router()
        router.get("/users/:id") { _, _ in .text("id") }
        router.put("/users/:id") { _, _ in .text("put") }
        router.post("/users") { _, _ in .text("create") }
        for path in ["/users/1/2", "/orders/1", "/user"] {
            guard case .notFound = router.match(.get, path[...]) else { Issue.record("expected 404 for \(path)"); continue }
        }
        guard case .methodNotAllowed(let postOnly) = router.match(.get, "/users") else { Issue.record("expected 405 for GET /users"); return }
        #expect(postOnly == [.post])
        guard case .methodNotAllowed(let allowed) = router.match(.delete, "/users/1") else { Issue.record("expected 405"); return }
        #expect(allowed == [.get, .put])
    }
}

/// The newest trace's tree.
private func newestTree(_ test: TestMesh, sourceLocation: SourceLocation = #_sourceLocation) throws -> TraceTree {
    let summary = try #require(test.traces.recent(limit: 1).first, sourceLocation: sourceLocation)
    return try #require(test.traces.tree(hex: summary.traceId), sourceLocation: sourceLocation)
}

@Suite("Request paths")
struct RequestPathTests {
    @Test("pathWithoutQuery cuts at the first \"?\" Character, as a search by Character does", arguments: [
        "/a/b", "/a?x=1", "/a?x=1?y", "?", "", "/ä/b?x", "/a?\u{301}b?c", "/\u{600}?x", "/é?x", "/a\r\n?x", "/a?é",
    ])
    func pathWithoutQuery(path: String) {
        let byCharacter = path.firstIndex(of: "?").map { path[..<$0] } ?? path[...]
        #expect(Request(path: path).pathWithoutQuery == byCharacter)
        #expect(Request(path: path).pathWithoutQuery.endIndex == byCharacter.endIndex)
    }
}
