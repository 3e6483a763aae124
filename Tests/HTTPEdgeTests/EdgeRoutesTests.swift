import Foundation
import HTTPEdge
import Hummingbird
import HummingbirdTesting
import Telemetry
import Testing

/// The routes as a client sees them, through Hummingbird's router test framework (no socket).
@Suite("HTTP API routes")
struct EdgeRoutesTests {
    static let token = "s3cret-token"
    static let auth: HTTPFields = [.authorization: "Bearer \(token)"]

    @Test("/healthz is ok; /readyz is 503 until the system runs, then 200")
    func health() async throws {
        let provider = FakeProvider(ready: false)
        try await withRoutes(provider) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try decode([String: String].self, health) == ["status": "ok"])
            let starting = try await client.execute(uri: "/readyz", method: .get)
            #expect(starting.status == .serviceUnavailable)
            #expect(try decode(ErrorBody.self, starting).error.contains("not ready"))
            provider.setReady(true)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }

    @Test("/metrics is the exposition, text format 0.0.4")
    func metrics() async throws {
        try await withRoutes { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(String(buffer: response.body).contains("requests_total{service=\"gateway\"} 42"))
        }
    }

    @Test("/api/v1/snapshot: the window asked for, 10 by default, a bad one 400")
    func snapshot() async throws {
        let provider = FakeProvider()
        try await withRoutes(provider) { client in
            let response = try await client.execute(uri: "/api/v1/snapshot?window=30", method: .get)
            #expect(response.status == .ok)
            #expect(try decode(SystemSnapshot.self, response).windowSeconds == 30)
            _ = try await client.execute(uri: "/api/v1/snapshot", method: .get)
            #expect(provider.windows == [30, 10])
            let bad = try await client.execute(uri: "/api/v1/snapshot?window=0", method: .get)
            #expect(bad.status == .badRequest)
            #expect(try decode(ErrorBody.self, bad).field == "window")
        }
    }

    @Test("/api/v1/snapshot: asked again within a tenth of a second, the same snapshot answers; after it, or after a command, a new one")
    func snapshotReused() async throws {
        let provider = FakeProvider()
        let clock = ManualClock()
        try await withRoutes(provider, clock: clock) { client in
            let first = try decode(SystemSnapshot.self, try await client.execute(uri: "/api/v1/snapshot", method: .get))
            let again = try decode(SystemSnapshot.self, try await client.execute(uri: "/api/v1/snapshot", method: .get))
            #expect(again.uptimeSeconds == first.uptimeSeconds)
            #expect(provider.windows == [10])

            clock.advance(by: EdgeRoutes.defaultSnapshotMaxAge)
            let later = try decode(SystemSnapshot.self, try await client.execute(uri: "/api/v1/snapshot", method: .get))
            #expect(later.uptimeSeconds > first.uptimeSeconds)
            #expect(provider.windows == [10, 10])

            let trip = try await client.execute(
                uri: "/api/v1/control", method: .post, headers: Self.auth,
                body: body(#"{"action":"trip","breaker":"order-service->payment-service"}"#))
            #expect(trip.status == .ok)
            let afterTrip = try decode(SystemSnapshot.self, try await client.execute(uri: "/api/v1/snapshot", method: .get))
            #expect(afterTrip.uptimeSeconds > later.uptimeSeconds)
            #expect(provider.windows == [10, 10, 10])
        }
    }

    @Test("/api/v1/traces hands the parsed TraceQuery to the provider")
    func traces() async throws {
        let provider = FakeProvider()
        try await withRoutes(provider) { client in
            let response = try await client.execute(uri: "/api/v1/traces?order=slowest&errors=true&service=gateway&service=payment-service&limit=5", method: .get)
            #expect(response.status == .ok)
            let page = try decode(TracePage.self, response)
            let expected = TraceQuery(order: .slowest, errorsOnly: true, services: ["gateway", "payment-service"], limit: 5)
            #expect(page.query == expected)
            #expect(provider.queries == [expected])
            let bad = try await client.execute(uri: "/api/v1/traces?limit=9999", method: .get)
            #expect(bad.status == .badRequest)
            #expect(try decode(ErrorBody.self, bad).field == "limit")
        }
    }

    @Test("/api/v1/logs hands the parsed LogQuery to the provider; a bad level or trace is a 400 naming it")
    func logs() async throws {
        let provider = FakeProvider()
        try await withRoutes(provider) { client in
            let response = try await client.execute(uri: "/api/v1/logs?level=warning&text=declined&trace=\(FakeProvider.knownTrace.uppercased())&limit=5", method: .get)
            #expect(response.status == .ok)
            let page = try decode(LogPage.self, response)
            let expected = LogQuery(minimumLevel: .warning, text: "declined", traceId: FakeProvider.knownTrace, limit: 5)
            #expect(page.query == expected)
            #expect(page.records.map(\.message) == ["card declined"])
            let badLevel = try await client.execute(uri: "/api/v1/logs?level=loud", method: .get)
            #expect(badLevel.status == .badRequest)
            #expect(try decode(ErrorBody.self, badLevel).field == "level")
            let badTrace = try await client.execute(uri: "/api/v1/logs?trace=42", method: .get)
            #expect(try decode(ErrorBody.self, badTrace).field == "trace")
            let unknown = try await client.execute(uri: "/api/v1/logs?service=x", method: .get)
            #expect(unknown.status == .badRequest)
        }
    }

    @Test("/api/v1/traces/{id}: 200 known, 404 unknown, 400 not 32 hex digits")
    func traceTree() async throws {
        try await withRoutes { client in
            let known = try await client.execute(uri: "/api/v1/traces/\(FakeProvider.knownTrace.uppercased())", method: .get)
            #expect(known.status == .ok)
            #expect(try decode(TraceTree.self, known).traceId == FakeProvider.knownTrace)
            let unknown = try await client.execute(uri: "/api/v1/traces/00000000000000000000000000000001", method: .get)
            #expect(unknown.status == .notFound)
            let bad = try await client.execute(uri: "/api/v1/traces/nope", method: .get)
            #expect(bad.status == .badRequest)
            #expect(try decode(ErrorBody.self, bad).field == "id")
        }
    }

    @Test("control without a token configured: 403 saying how to turn it on")
    func controlOff() async throws {
        let provider = FakeProvider()
        try await withRoutes(provider, token: nil) { client in
            let response = try await client.execute(uri: "/api/v1/control", method: .post, headers: Self.auth, body: body(#"{"action":"reset","breaker":"gateway->order-service"}"#))
            #expect(response.status == .forbidden)
            #expect(try decode(ErrorBody.self, response).error.contains("--token-file"))
            #expect(provider.performed.isEmpty)
        }
    }

    @Test("control with a missing or wrong token: 401, nothing performed", arguments: [nil, "Bearer wrong", "Basic czNjcmV0"] as [String?])
    func controlUnauthorised(_ authorization: String?) async throws {
        let provider = FakeProvider()
        try await withRoutes(provider) { client in
            var headers: HTTPFields = [:]
            if let authorization { headers[.authorization] = authorization }
            let response = try await client.execute(uri: "/api/v1/control", method: .post, headers: headers, body: body(#"{"action":"reset","breaker":"gateway->order-service"}"#))
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] != nil)
            #expect(provider.performed.isEmpty)
        }
    }

    @Test("control with the token: applied, echoed, recorded with origin api")
    func controlApplied() async throws {
        let provider = FakeProvider()
        try await withRoutes(provider) { client in
            let response = try await client.execute(
                uri: "/api/v1/control", method: .post, headers: Self.auth,
                body: body(#"{"action":"trip","breaker":"order-service->payment-service","seconds":30}"#))
            #expect(response.status == .ok)
            struct Applied: Decodable { var applied: ControlCommand }
            let command = ControlCommand.tripBreaker(id: "order-service->payment-service", forSeconds: 30)
            #expect(try decode(Applied.self, response).applied == command)
            #expect(provider.performed.map { $0.0 } == [command])
            // No socket under the router test framework, so no address: the origin is `api` alone.
            #expect(provider.performed.map { $0.1 } == [.api])
        }
    }

    @Test("control: a policy change is applied and echoed; a bad value is a 400 naming its field, an unknown edge a 404 on edge")
    func controlPolicy() async throws {
        let provider = FakeProvider()
        try await withRoutes(provider) { client in
            let applied = try await client.execute(
                uri: "/api/v1/control", method: .post, headers: Self.auth,
                body: body(#"{"action":"policy","edge":"order-service->payment-service","timeoutMs":200,"maxAttempts":2}"#))
            #expect(applied.status == .ok)
            struct Applied: Decodable { var applied: ControlCommand }
            let command = ControlCommand.setPolicy(edge: "order-service->payment-service",
                                                   change: .patch(PolicyPatch(timeoutMilliseconds: 200, maxAttempts: 2)))
            #expect(try decode(Applied.self, applied).applied == command)

            let negative = try await client.execute(uri: "/api/v1/control", method: .post, headers: Self.auth,
                                                    body: body(#"{"action":"policy","edge":"order-service->payment-service","timeoutMs":-200}"#))
            #expect(negative.status == .badRequest)
            let error = try decode(ErrorBody.self, negative)
            #expect(error.field == "timeoutMs" && error.error.contains("1…600000"))

            let unknown = try await client.execute(uri: "/api/v1/control", method: .post, headers: Self.auth,
                                                   body: body(#"{"action":"policy","edge":"a->b","restore":true}"#))
            #expect(unknown.status == .notFound)
            #expect(try decode(ErrorBody.self, unknown).field == "edge")
            #expect(provider.performed.map { $0.0 } == [command], "nothing refused was performed")
        }
    }

    @Test("control: malformed 400 naming the field, unknown target 404 listing what exists, too large 413")
    func controlRefusals() async throws {
        let provider = FakeProvider()
        try await withRoutes(provider, bodyLimit: 256) { client in
            let malformed = try await client.execute(uri: "/api/v1/control", method: .post, headers: Self.auth, body: body(#"{"action":"trip","breaker":7}"#))
            #expect(malformed.status == .badRequest)
            #expect(try decode(ErrorBody.self, malformed).field == "breaker")

            let unknown = try await client.execute(uri: "/api/v1/control", method: .post, headers: Self.auth, body: body(#"{"action":"trip","breaker":"a->b"}"#))
            #expect(unknown.status == .notFound)
            let error = try decode(ErrorBody.self, unknown)
            #expect(error.field == "breaker")
            #expect(error.error.contains("order-service->payment-service"))

            let service = try await client.execute(uri: "/api/v1/control", method: .post, headers: Self.auth,
                                                   body: body(#"{"action":"fault","service":"nobody","fault":{"kind":"down"}}"#))
            #expect(service.status == .notFound)
            #expect(try decode(ErrorBody.self, service).field == "service")

            let padding = String(repeating: " ", count: 300)
            let large = try await client.execute(uri: "/api/v1/control", method: .post, headers: Self.auth, body: body(#"{"action":"reset","breaker":"a->b"}"# + padding))
            #expect(large.status == .contentTooLarge)
            #expect(try decode(ErrorBody.self, large).error.contains("256"))
            #expect(provider.performed.isEmpty)
        }
    }

    @Test("an unknown path is a JSON 404 listing the routes; a known path with another method 405")
    func unknownRoutes() async throws {
        try await withRoutes { client in
            let missing = try await client.execute(uri: "/api/v2/snapshot", method: .get)
            #expect(missing.status == .notFound)
            #expect(try decode(ErrorBody.self, missing).error.contains("GET /api/v1/snapshot"))
            let wrongMethod = try await client.execute(uri: "/api/v1/control", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(try await client.execute(uri: "/metrics?x=1", method: .get).status == .badRequest)
        }
    }

    @Test("/api/v1/feed: an event at once, then one per interval on the clock, until the client goes")
    func feed() async throws {
        let provider = FakeProvider()
        let clock = ManualClock()
        try await withRoutes(provider, clock: clock) { client in
            let response = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                group.addTask { try await client.execute(uri: "/api/v1/feed?window=5&interval=100", method: .get) }
                for _ in 0..<2 {
                    await clock.waitForSleepers(count: 1)
                    clock.advance(by: .milliseconds(100))
                }
                await clock.waitForSleepers(count: 1)
                // The client goes: its task is cancelled, the feed stops and the response ends.
                group.cancelAll()
                return try await group.next()!
            }
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = String(buffer: response.body).split(separator: "\n\n", omittingEmptySubsequences: true)
            #expect(events.count == 3)
            for (index, event) in events.enumerated() {
                let lines = event.split(separator: "\n")
                #expect(lines.count == 2)
                #expect(lines.first == "event: snapshot")
                let json = try #require(lines.last?.dropFirst("data: ".count))
                let snapshot = try JSONDecoder().decode(SystemSnapshot.self, from: Data(json.utf8))
                #expect(snapshot.windowSeconds == 5)
                #expect(snapshot.uptimeSeconds == Double(index + 1))
            }
            #expect(provider.windows == [5, 5, 5])
        }
    }

    private func withRoutes(
        _ provider: FakeProvider = FakeProvider(),
        token: String? = EdgeRoutesTests.token,
        clock: any Clock<Duration> = ManualClock(),
        bodyLimit: Int = EdgeRoutes.defaultBodyLimit,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let routes = EdgeRoutes(provider: provider, token: token.map(ControlToken.init), clock: clock, bodyLimit: bodyLimit)
        try await Application(router: routes.router()).test(.router, test)
    }
}

func body(_ text: String) -> ByteBuffer {
    ByteBuffer(string: text)
}

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(type, from: Data(String(buffer: response.body).utf8))
}
