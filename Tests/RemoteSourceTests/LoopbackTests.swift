import Dashboard
import Foundation
import Synchronization
import Telemetry
import Testing
@testable import RemoteSource

/// The client against a real HTTP server on 127.0.0.1, speaking the contract's endpoints.
@Suite("attach over loopback")
struct LoopbackTests {
    static func json<Value: Encodable>(_ value: Value) -> String {
        String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
    }

    static func snapshot(_ system: String) -> SystemSnapshot {
        SystemSnapshot(system: system, takenAt: 1_780_000_000, uptimeSeconds: 3, windowSeconds: 10,
                       breakers: [BreakerStatus(id: "a->b", state: .closed)])
    }

    static func event(_ system: String) -> String {
        "event: snapshot\ndata: \(json(snapshot(system)))\n\n"
    }

    /// A source on the test server. Its timeouts are generous: on a loaded machine (the whole suite
    /// runs at once, beside other builds) a loopback answer has been seen to take over the default
    /// 2 s, and no test here is about a timeout.
    func source(_ server: TestHTTPServer, token: String? = nil) throws -> RemoteSource {
        RemoteSource(target: try AttachTarget(parsing: server.base), token: token, seed: 1,
                     requestTimeout: .seconds(30), connectTimeout: .seconds(30))
    }

    /// A server with the contract's answers for one breaker `a->b` and token `t0k`.
    static func contract(feed: TestHTTPServer.Reply = .events([event("one")], keepOpen: false)) -> @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Reply {
        { request in
            switch (request.method, String(request.path)) {
            case (.GET, "/api/v1/feed"):
                return feed
            case (.GET, "/api/v1/snapshot"):
                return .json(status: 200, body: json(snapshot("by-request")))
            case (.GET, "/api/v1/traces"):
                let page = TracePage(query: TraceQuery(limit: 1), rows: [], matching: 0, storedTraces: 7)
                return .json(status: 200, body: json(page))
            case (.GET, "/api/v1/logs"):
                let records = [LogRecord(id: 2, at: 1.5, level: .error, service: "b", message: "second", traceId: "4bf92f3577b34da6a3ce929d0e0e4736"),
                               LogRecord(id: 1, at: 1.0, level: .info, service: "a", message: "first", traceId: "4bf92f3577b34da6a3ce929d0e0e4736")]
                return .json(status: 200, body: json(LogPage(query: LogQuery(traceId: "4bf92f3577b34da6a3ce929d0e0e4736"), records: records, stored: 2)))
            case (.GET, let path) where path.hasPrefix("/api/v1/traces/"):
                return .json(status: 404, body: #"{"error":"no stored trace 0123; it may have been evicted"}"#)
            case (.POST, "/api/v1/control"):
                guard request.headers.first(name: "Authorization") == "Bearer t0k" else {
                    return .json(status: 401, body: #"{"error":"missing or wrong bearer token"}"#)
                }
                guard let command = try? JSONDecoder().decode(ControlCommand.self, from: Data(request.body)) else {
                    return .json(status: 400, body: #"{"error":"malformed body","field":"action"}"#)
                }
                guard case .tripBreaker(let id, _) = command, id == "a->b" else {
                    return .json(status: 404, body: #"{"error":"unknown breaker; known: a->b","field":"breaker"}"#)
                }
                return .json(status: 200, body: #"{"applied":\#(json(command))}"#)
            default:
                return .json(status: 404, body: #"{"error":"no such endpoint"}"#)
            }
        }
    }

    @Test func theFeedKeepsTheLatestSnapshotWhateverTheChunks() async throws {
        let second = Self.event("two")
        let cut = second.index(second.startIndex, offsetBy: 40)
        let server = try await TestHTTPServer.start(Self.contract(feed: .events(
            [Self.event("one"), ": keep-alive\n\n", String(second[..<cut]), String(second[cut...])], keepOpen: false)))
        let source = try source(server)
        #expect(await source.snapshot() == nil)
        try await source.readFeed()
        #expect(await source.snapshot()?.system == "two")
        #expect(source.connectionStatus == .live)
        try await source.shutdown()
        try await server.stop()
    }

    @Test func tracesAndTreesByGetWhileLive() async throws {
        let server = try await TestHTTPServer.start(Self.contract())
        let source = try source(server)
        let query = TraceQuery(order: .slowest, limit: 20)
        // Not live yet: answered at once from what was received (nothing), without the network.
        #expect(await source.traces(query) == TracePage(query: query))
        #expect(await source.traceTree(id: "0123") == nil)
        try await source.readFeed()
        let page = await source.traces(query)
        #expect(page.query == query)
        #expect(page.storedTraces == 7)
        #expect(await source.traceTree(id: "0123") == nil)
        try await source.shutdown()
        try await server.stop()
    }

    @Test func aTracesLogsByGetWhileLiveOldestFirst() async throws {
        let server = try await TestHTTPServer.start(Self.contract())
        let source = try source(server)
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        #expect(await source.logs(traceId: trace) == nil, "not live: the snapshot's records serve")
        try await source.readFeed()
        #expect(await source.logs(traceId: trace)?.map(\.message) == ["first", "second"])
        try await source.shutdown()
        try await server.stop()
    }

    @Test func firstContactShowsTheServersSnapshotAndConnecting() async throws {
        let server = try await TestHTTPServer.start(Self.contract())
        let source = try source(server)
        #expect(try await source.firstContact(within: .seconds(10)) == .answered)
        #expect(await source.snapshot()?.system == "by-request")
        #expect(source.connectionStatus == .connecting)
        try await source.shutdown()
        try await server.stop()
    }

    @Test func firstContactWithNoServerFailsAtOnce() async throws {
        let server = try await TestHTTPServer.start(Self.contract())
        let base = server.base
        try await server.stop()
        let source = RemoteSource(target: try AttachTarget(parsing: base), token: nil, seed: 1, connectTimeout: .milliseconds(500))
        await #expect {
            try await source.firstContact(within: .seconds(10))
        } throws: { error in
            guard let error = error as? ConnectionError else { return false }
            return !error.isTimeout && error.description == "no answer from \(base)/api/v1/snapshot?window=10: connection refused"
        }
        try await source.shutdown()
    }

    @Test func firstContactWithAnErrorSaysTheServersWords() async throws {
        let server = try await TestHTTPServer.start { _ in .json(status: 404, body: #"{"error":"no such endpoint"}"#) }
        let source = try source(server)
        await #expect(throws: ServerError(status: 404, message: "no such endpoint")) {
            try await source.firstContact(within: .seconds(10))
        }
        try await source.shutdown()
        try await server.stop()
    }

    @Test func controlSendsTheTokenAndSurfacesTheServersErrors() async throws {
        let server = try await TestHTTPServer.start(Self.contract())
        let source = try source(server, token: "t0k")
        #expect(source.controlUnavailableReason == nil)
        try await source.perform(.tripBreaker(id: "a->b"))
        // The effect is fetched at once, not left for the feed.
        #expect(await source.snapshot()?.system == "by-request")
        await #expect {
            try await source.perform(.resetBreaker(id: "x"))
        } throws: { error in
            String(describing: error) == "unknown breaker; known: a->b (HTTP 404)"
        }
        let wrongToken = try self.source(server, token: "nope")
        await #expect {
            try await wrongToken.perform(.tripBreaker(id: "a->b"))
        } throws: { error in
            (error as? ServerError)?.status == 401 && String(describing: error).hasPrefix("missing or wrong bearer token")
        }
        try await source.shutdown()
        try await wrongToken.shutdown()
        try await server.stop()
    }

    @Test func withoutATokenControlsAreOff() async throws {
        let server = try await TestHTTPServer.start(Self.contract())
        let source = try source(server)
        #expect(source.controlUnavailableReason == RemoteSource.controlsOffReason)
        #expect(RemoteSource.controlsOffReason.hasPrefix("controls are off: attach with --token-file"))
        await #expect(throws: ControlsOff.self) { try await source.perform(.resetBreaker(id: "a->b")) }
        try await source.shutdown()
        try await server.stop()
    }

    @Test func cancellingStopsAFeedThatStaysOpen() async throws {
        let (sent, sentContinuation) = AsyncStream<Void>.makeStream()
        let server = try await TestHTTPServer.start { request in
            guard request.path == "/api/v1/feed" else { return .json(status: 404, body: "{}") }
            sentContinuation.yield()
            return .events([Self.event("open")], keepOpen: true)
        }
        let source = try source(server)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await source.followFeed() }
            var iterator = sent.makeAsyncIterator()
            await iterator.next()
            group.cancelAll()
            try await group.waitForAll()
        }
        try await source.shutdown()
        try await server.stop()
    }
}
