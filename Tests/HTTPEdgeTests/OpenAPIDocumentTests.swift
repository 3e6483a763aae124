import Foundation
import HTTPEdge
import Hummingbird
import HummingbirdTesting
import Testing

/// `openapi.yaml` against the server: every documented operation is a route and every route is
/// documented, and what the routes answer (a good request and a bad one) is a documented status.
/// The full check of bodies against the schemas is schemathesis's, against a live `serve` (.ci/run).
@Suite("openapi.yaml matches the routes")
struct OpenAPIDocumentTests {
    /// The operations of the document's `paths`, with their documented statuses, read from the
    /// file's layout (two-space indents, as written) rather than with a YAML parser.
    static func documentedOperations() throws -> [String: Set<Int>] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("openapi.yaml")
        let text = try String(contentsOf: url, encoding: .utf8)
        var operations: [String: Set<Int>] = [:]
        var path: String?
        var operation: String?
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                operation = "\(method) \(path)"
                operations[operation!] = []
            } else if let operation, line.hasPrefix("        '"), !line.hasPrefix("         "), line.hasSuffix("':") {
                let code = line.trimmingCharacters(in: .whitespaces).dropFirst().prefix(3)
                operations[operation]?.insert(Int(code)!)
            }
        }
        return operations
    }

    @Test("documented operations and routes are the same set")
    func sameOperations() throws {
        let documented = try Self.documentedOperations()
        #expect(documented.count == EdgeRoutes.routes.count)
        #expect(Set(documented.keys) == Set(EdgeRoutes.routes.map(\.description)))
        for (operation, statuses) in documented {
            #expect(statuses.contains(200), "\(operation) documents no 200")
        }
    }

    /// A good and a bad request for each route but the feed (endless; its route is tested on its own).
    static let requests: [(route: String, uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: String?)] = [
        ("GET /healthz", "/healthz", .get, [:], nil),
        ("GET /healthz", "/healthz?x=1", .get, [:], nil),
        ("GET /readyz", "/readyz", .get, [:], nil),
        ("GET /metrics", "/metrics", .get, [:], nil),
        ("GET /metrics", "/metrics?format=json", .get, [:], nil),
        ("GET /api/v1/snapshot", "/api/v1/snapshot?window=60", .get, [:], nil),
        ("GET /api/v1/snapshot", "/api/v1/snapshot?window=-1", .get, [:], nil),
        ("GET /api/v1/traces", "/api/v1/traces?order=newest&limit=10", .get, [:], nil),
        ("GET /api/v1/traces", "/api/v1/traces?order=fastest", .get, [:], nil),
        ("GET /api/v1/traces/{id}", "/api/v1/traces/\(FakeProvider.knownTrace)", .get, [:], nil),
        ("GET /api/v1/traces/{id}", "/api/v1/traces/ffffffffffffffffffffffffffffffff", .get, [:], nil),
        ("GET /api/v1/traces/{id}", "/api/v1/traces/zz", .get, [:], nil),
        ("GET /api/v1/logs", "/api/v1/logs?level=warning&limit=10", .get, [:], nil),
        ("GET /api/v1/logs", "/api/v1/logs?level=loud", .get, [:], nil),
        ("GET /api/v1/feed", "/api/v1/feed?interval=1", .get, [:], nil),
        ("POST /api/v1/control", "/api/v1/control", .post, [.authorization: "Bearer t0ken"], #"{"action":"reset","breaker":"gateway->order-service"}"#),
        ("POST /api/v1/control", "/api/v1/control", .post, [.authorization: "Bearer t0ken"], #"{"action":"reset","breaker":"x"}"#),
        ("POST /api/v1/control", "/api/v1/control", .post, [.authorization: "Bearer t0ken"], #"{"action":"reset"}"#),
        ("POST /api/v1/control", "/api/v1/control", .post, [.authorization: "Bearer wrong"], #"{"action":"reset","breaker":"x"}"#),
    ]

    @Test("each answer's status is documented for its operation")
    func documentedStatuses() async throws {
        let documented = try Self.documentedOperations()
        let routes = EdgeRoutes(provider: FakeProvider(ready: false), token: ControlToken("t0ken"))
        try await Application(router: routes.router()).test(.router) { client in
            for request in Self.requests {
                let response = try await client.execute(uri: request.uri, method: request.method, headers: request.headers,
                                                        body: request.body.map { ByteBuffer(string: $0) })
                let statuses = try #require(documented[request.route], "\(request.route) is not documented")
                #expect(statuses.contains(Int(response.status.code)), "\(request.method) \(request.uri) answered \(response.status.code), documented: \(statuses.sorted())")
            }
        }
    }
}
