@testable import HTTPEdge
import Telemetry
import Testing

@Suite("Query parameters → typed values")
struct APIParametersTests {
    @Test("percent-escapes and + decode; order and repeats are kept")
    func decoding() throws {
        let items = try QueryItems(query: "text=POST+%2Fapi%2Forders&service=a&service=b%2Dc&empty=")
        #expect(items.values("text") == ["POST /api/orders"])
        #expect(items.values("service") == ["a", "b-c"])
        #expect(try items.single("empty") == "")
        #expect(try items.single("missing") == nil)
    }

    @Test("a malformed percent-escape is a 400", arguments: ["text=%zz", "text=50%", "text=%4", "%ff=1"])
    func malformedEscape(_ query: String) {
        #expect(throws: APIError.self) { try QueryItems(query: query) }
    }

    @Test("the traces query maps every TraceQuery field")
    func traceQuery() throws {
        let query = try APIParameters.traceQuery(QueryItems(
            query: "order=slowest&errors=true&text=pay&service=gateway&service=payment-service&span=order-service:GET%20/orders/:id&offset=20&limit=100&anchor=4BF92F3577B34DA6A3CE929D0E0E4736"))
        #expect(query == TraceQuery(order: .slowest, errorsOnly: true, text: "pay", services: ["gateway", "payment-service"],
                                    span: SpanName(service: "order-service", operation: "GET /orders/:id"), offset: 20, limit: 100, anchor: "4bf92f3577b34da6a3ce929d0e0e4736"))
        #expect(try APIParameters.traceQuery(QueryItems(query: nil)) == TraceQuery(limit: 50))
    }

    @Test("a span's colon is found even when a mark after it joins it into one character")
    func spanColonBeforeACombiningScalar() throws {
        // `:` followed by an emoji modifier is one Character; schemathesis sent this one.
        let query = try APIParameters.traceQuery(QueryItems(query: "span=%C2%AB%3A%F0%9F%8F%BB%C2%A0%7C%11%C8%BE"))
        #expect(query.span == SpanName(service: "\u{AB}", operation: "\u{1F3FB}\u{A0}|\u{11}\u{23E}"))
        let combining = try APIParameters.traceQuery(QueryItems(query: "span=svc%3A%CC%81op"))
        #expect(combining.span == SpanName(service: "svc", operation: "\u{301}op"))
    }

    @Test("a bad traces parameter names itself", arguments: [
        ("order=oldest", "order"), ("errors=yes", "errors"), ("limit=0", "limit"), ("limit=501", "limit"),
        ("limit=ten", "limit"), ("offset=-1", "offset"), ("anchor=abc", "anchor"), ("order=newest&order=slowest", "order"),
        ("erorrs=true", "erorrs"), ("service=", "service"), ("span=order-service", "span"), ("span=:GET", "span"), ("span=a:", "span"),
    ])
    func badTraceParameter(_ query: String, _ field: String) throws {
        let error = try #require(throws: APIError.self) { try APIParameters.traceQuery(QueryItems(query: query)) }
        #expect(error.status == .badRequest)
        #expect(error.field == field)
    }

    @Test("the logs query maps level, text, trace and limit; defaults list everything, 100 at most")
    func logQuery() throws {
        let query = try APIParameters.logQuery(QueryItems(query: "level=error&text=card+declined&trace=4BF92F3577B34DA6A3CE929D0E0E4736&limit=1000"))
        #expect(query == LogQuery(minimumLevel: .error, text: "card declined", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", limit: 1000))
        #expect(try APIParameters.logQuery(QueryItems(query: nil)) == LogQuery(minimumLevel: .trace, text: "", traceId: nil, limit: 100))
    }

    @Test("a bad logs parameter names itself", arguments: [
        ("level=loud", "level"), ("level=WARN", "level"), ("trace=abc", "trace"), ("limit=0", "limit"), ("limit=1001", "limit"),
        ("service=gateway", "service"), ("level=info&level=error", "level"),
    ])
    func badLogParameter(_ query: String, _ field: String) throws {
        let error = try #require(throws: APIError.self) { try APIParameters.logQuery(QueryItems(query: query)) }
        #expect(error.status == .badRequest)
        #expect(error.field == field)
    }

    @Test("window and interval: defaults, bounds, and what a bad one says")
    func windowAndInterval() throws {
        #expect(try APIParameters.snapshotWindow(QueryItems(query: nil)) == 10)
        #expect(try APIParameters.snapshotWindow(QueryItems(query: "window=300")) == 300)
        let error = try #require(throws: APIError.self) { try APIParameters.snapshotWindow(QueryItems(query: "window=301")) }
        #expect(error.field == "window")
        #expect(error.message.contains("1…300"))
        let feed = try APIParameters.feed(QueryItems(query: "interval=100"))
        #expect(feed.window == 10 && feed.interval == .milliseconds(100))
        #expect(try APIParameters.feed(QueryItems(query: nil)).interval == .milliseconds(250))
        #expect(throws: APIError.self) { try APIParameters.feed(QueryItems(query: "interval=99")) }
        #expect(throws: APIError.self) { try APIParameters.feed(QueryItems(query: "interval=5001")) }
    }

    @Test("a trace id is 32 hex digits", arguments: ["", "xyz", "4bf92f3577b34da6a3ce929d0e0e473", "4bf92f3577b34da6a3ce929d0e0e4736a", "4bf92f3577b34da6a3ce929d0e0e473g"])
    func badTraceID(_ id: String) {
        #expect(throws: APIError.self) { try APIParameters.traceID(id) }
    }
}

@Suite("Listen address and token file")
struct ServeSettingsTests {
    @Test("HOST:PORT forms", arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464, true), ("localhost:0", "localhost", 0, true), ("[::1]:80", "::1", 80, true),
        ("0.0.0.0:9464", "0.0.0.0", 9464, false), ("10.1.2.3:1", "10.1.2.3", 1, false), ("127.9.9.9:65535", "127.9.9.9", 65535, true),
        ("[::]:9464", "::", 9464, false), ("example.org:9464", "example.org", 9464, false),
    ])
    func parses(_ text: String, _ host: String, _ port: Int, _ loopback: Bool) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address.host == host && address.port == port)
        #expect(address.isLoopback == loopback)
    }

    @Test("a bad --listen says the accepted form", arguments: ["9464", "127.0.0.1:", ":9464", "127.0.0.1:65536", "::1:80", "[::1]", "127.0.0.1:http"])
    func refuses(_ text: String) throws {
        let error = try #require(throws: ListenAddressError.self) { try ListenAddress(parsing: text) }
        #expect(error.description.contains("HOST:PORT"))
    }

    @Test("the token file: trimmed; empty or two words refused")
    func tokenFile() throws {
        let token = try ControlToken.fromFile(contents: "  s3cret\n", path: "t")
        try token.check(authorization: "Bearer s3cret")
        #expect(throws: ControlTokenError.self) { try ControlToken.fromFile(contents: " \n\n", path: "t") }
        #expect(throws: ControlTokenError.self) { try ControlToken.fromFile(contents: "two words", path: "t") }
    }
}

@Suite("Bearer token")
struct ControlTokenTests {
    @Test("constant-time comparison agrees with ==", arguments: [
        ("abc", "abc"), ("abc", "abd"), ("abc", "ab"), ("ab", "abc"), ("", "abc"), ("abc\0", "abc"), ("xbc", "abc"),
    ])
    func comparison(_ given: String, _ expected: String) {
        #expect(ControlToken.constantTimeEqual(Array(given.utf8), Array(expected.utf8)) == (given == expected))
    }

    @Test("missing, not bearer, or wrong: 401 with WWW-Authenticate", arguments: [nil, "Basic abc", "Bearer", "Bearer wrong", "Bearer s3cre", "Bearer s3cret2"] as [String?])
    func refused(_ header: String?) throws {
        let error = try #require(throws: APIError.self) { try ControlToken("s3cret").check(authorization: header) }
        #expect(error.status == .unauthorized)
        #expect(error.headers[.wwwAuthenticate] != nil)
    }

    @Test("the scheme in any case, the right token")
    func accepted() throws {
        try ControlToken("s3cret").check(authorization: "Bearer s3cret")
        try ControlToken("s3cret").check(authorization: "bearer s3cret")
    }
}
