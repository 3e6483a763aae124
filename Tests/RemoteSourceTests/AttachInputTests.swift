import Foundation
import Testing
import Telemetry
@testable import RemoteSource

@Suite("attach: URL, token file, server errors")
struct AttachInputTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("HTTPS://example.test/meshtop/", "https://example.test/meshtop"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("  http://localhost:8080  ", "http://localhost:8080"),
    ])
    func acceptedURLs(text: String, base: String) throws {
        #expect(try AttachTarget(parsing: text).base == base)
    }

    @Test(arguments: [
        ("", "the URL is empty"),
        ("ftp://host:21", "\"ftp\" is not supported: only http and https"),
        ("http://", "names no host"),
        ("http://host:99999", "out of range"),
        ("http://host:8080/?window=3", "has a query or fragment"),
    ])
    func rejectedURLsSayWhyAndWhatIsAccepted(text: String, reason: String) {
        #expect {
            try AttachTarget(parsing: text)
        } throws: { error in
            let description = String(describing: error)
            return description.contains(reason) && description.contains("http://127.0.0.1:8080")
        }
    }

    @Test func endpointsFollowTheContract() throws {
        let target = try AttachTarget(parsing: "http://127.0.0.1:8080")
        #expect(target.feed(window: 10, intervalMs: 250) == "http://127.0.0.1:8080/api/v1/feed?window=10&interval=250")
        #expect(target.snapshot(window: 10) == "http://127.0.0.1:8080/api/v1/snapshot?window=10")
        #expect(target.control == "http://127.0.0.1:8080/api/v1/control")
        #expect(target.traceTree(id: "4bf92f3577b34da6a3ce929d0e0e4736") == "http://127.0.0.1:8080/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(target.logs(traceId: "4bf92f3577b34da6a3ce929d0e0e4736") == "http://127.0.0.1:8080/api/v1/logs?trace=4bf92f3577b34da6a3ce929d0e0e4736&limit=1000")
        #expect(target.traces(TraceQuery(limit: 20)) == "http://127.0.0.1:8080/api/v1/traces?order=newest&limit=20")
        let query = TraceQuery(order: .slowest, errorsOnly: true, text: "POST /api&x", services: ["order-service", "payment-service"],
                               span: SpanName(service: "order-service", operation: "POST /orders"), offset: 40, limit: 8, anchor: "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(target.traces(query) == "http://127.0.0.1:8080/api/v1/traces?order=slowest&errors=true&text=POST%20%2Fapi%26x"
            + "&service=order-service&service=payment-service&span=order-service%3APOST%20%2Forders&offset=40&limit=8&anchor=4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test func serverErrorsCarryTheServersWords() {
        let notFound = ServerError(status: 404, body: Array(#"{"error":"unknown breaker \"x\"; known: a->b","field":"breaker"}"#.utf8))
        #expect(notFound.message == "unknown breaker \"x\"; known: a->b")
        #expect(notFound.field == "breaker")
        #expect(notFound.description == "unknown breaker \"x\"; known: a->b (HTTP 404)")
        let unauthorized = ServerError(status: 401, body: Array(#"{"error":"missing or wrong bearer token"}"#.utf8))
        #expect(unauthorized.description == "missing or wrong bearer token (HTTP 401: the token was refused; check --token-file)")
        let forbidden = ServerError(status: 403, body: Array(#"{"error":"control is off: start serve with --token-file"}"#.utf8))
        #expect(forbidden.description == "control is off: start serve with --token-file (HTTP 403)")
        let badField = ServerError(status: 400, body: Array(#"{"error":"seconds must be positive","field":"seconds"}"#.utf8))
        #expect(badField.description == "seconds must be positive (HTTP 400)")
        let badBody = ServerError(status: 400, body: Array(#"{"error":"malformed JSON","field":"action"}"#.utf8))
        #expect(badBody.description == "malformed JSON (field action) (HTTP 400)")
        let notJSON = ServerError(status: 502, body: Array("<html>Bad Gateway</html>".utf8))
        #expect(notJSON.description == "answer: <html>Bad Gateway</html> (HTTP 502)")
        #expect(ServerError(status: 500, body: []).description == "no explanation in the answer (HTTP 500)")
    }

    @Test func aTokenFileHoldsTheTokenAlone() throws {
        #expect(try TokenFile.parse("s3cret\n", path: "t") == "s3cret")
        #expect(try TokenFile.parse("  s3cret \r\n", path: "t") == "s3cret")
        #expect(throws: TokenFile.Unusable(description: "the token file t is empty: put the token meshtop serve was given in it")) {
            try TokenFile.parse("\n", path: "t")
        }
        #expect(throws: TokenFile.Unusable.self) { try TokenFile.parse("two\nlines", path: "t") }
    }

    @Test func anUnreadableTokenFileNamesTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("meshtop-no-such-token-\(UInt64.random(in: 0 ... .max))").path
        #expect {
            try TokenFile.read(path)
        } throws: { error in
            String(describing: error).hasPrefix("cannot read the token file \(path)")
        }
        let real = FileManager.default.temporaryDirectory.appendingPathComponent("meshtop-token-\(UInt64.random(in: 0 ... .max))")
        try Data("abc\n".utf8).write(to: real)
        defer { try? FileManager.default.removeItem(at: real) }
        #expect(try TokenFile.read(real.path) == "abc")
    }
}
