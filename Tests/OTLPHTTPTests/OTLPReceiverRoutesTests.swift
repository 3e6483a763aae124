import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import OTLP
import OTLPHTTP
import OTLPProto
import SwiftProtobuf
import Telemetry
import Testing

/// The receiver as an OTLP sender sees it, through Hummingbird's router test framework.
@Suite("OTLP receiver routes")
struct OTLPReceiverRoutesTests {
    static let protobuf: HTTPFields = [.contentType: "application/x-protobuf"]

    private func system() -> WatchedSystem {
        WatchedSystem(time: TimeSource(clock: ManualClock(), originUnixNanoseconds: 1_700_000_000_000_000_000))
    }

    private func request(traceByte: UInt8) throws -> ByteBuffer {
        let request = OTLPTraceRequest.with {
            $0.resourceSpans = [.with {
                $0.resource.attributes = [.with { $0.key = "service.name"; $0.value.stringValue = "svc" }]
                $0.scopeSpans = [.with {
                    $0.spans = [.with {
                        $0.traceID = Data([UInt8](repeating: 0, count: 15) + [traceByte])
                        $0.spanID = Data([0, 0, 0, 0, 0, 0, 0, 1])
                        $0.name = "GET /"
                        $0.kind = .server
                    }, .with {
                        $0.traceID = Data([UInt8](repeating: 0, count: 16))
                        $0.spanID = Data([0, 0, 0, 0, 0, 0, 0, 2])
                        $0.name = "bad"
                    }]
                }]
            }]
        }
        return ByteBuffer(bytes: try request.serializedBytes() as [UInt8])
    }

    private func withRoutes(_ routes: OTLPReceiverRoutes, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: routes.router()).test(.router, test)
    }

    private func status(_ response: TestResponse) throws -> Google_Rpc_Status {
        if response.headers[.contentType] == "application/json" {
            return try Google_Rpc_Status(jsonUTF8Bytes: Array(response.body.readableBytesView))
        }
        return try Google_Rpc_Status(serializedBytes: Array(response.body.readableBytesView))
    }

    @Test("a protobuf request: 200 with a response in protobuf, partial success naming the refused span")
    func partialSuccess() async throws {
        let system = system()
        let body = try request(traceByte: 7)
        try await withRoutes(OTLPReceiverRoutes(system: system)) { client in
            let response = try await client.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: body)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-protobuf")
            let answer = try OTLPTraceResponse(serializedBytes: Array(response.body.readableBytesView))
            #expect(answer.partialSuccess.rejectedSpans == 1)
            #expect(answer.partialSuccess.errorMessage == "a trace id is all zero")
        }
        #expect(system.traces.stats.storedSpans == 1)
    }

    @Test("a fully accepted request leaves partial_success unset")
    func fullyAccepted() async throws {
        try await withRoutes(OTLPReceiverRoutes(system: system())) { client in
            let response = try await client.execute(uri: "/v1/metrics", method: .post, headers: Self.protobuf, body: ByteBuffer())
            #expect(response.status == .ok)
            #expect(try OTLPMetricsResponse(serializedBytes: Array(response.body.readableBytesView)).hasPartialSuccess == false)
        }
    }

    @Test("a JSON request is answered in JSON")
    func json() async throws {
        let body = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"j"}}]},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","kind":2}]}]}]}"#
        let system = system()
        try await withRoutes(OTLPReceiverRoutes(system: system)) { client in
            let response = try await client.execute(uri: "/v1/traces", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(String(buffer: response.body) == "{}")
        }
        #expect(system.traceTree(id: "0102030405060708090a0b0c0d0e0f10")?.spans.first?.service == "j")
    }

    @Test("a JSON logs request: kept in the log store with its trace, a bad span id refused by partial success")
    func logs() async throws {
        let body = #"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"py"}}]},"scopeLogs":[{"logRecords":["#
            + #"{"severityNumber":17,"body":{"stringValue":"charge failed"},"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708"},"#
            + #"{"severityText":"WARN","body":{"stringValue":"odd"},"spanId":"0102"}]}]}]}"#
        let system = system()
        try await withRoutes(OTLPReceiverRoutes(system: system)) { client in
            let response = try await client.execute(uri: "/v1/logs", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let answer = try OTLPLogsResponse(jsonUTF8Bytes: Array(response.body.readableBytesView))
            #expect(answer.partialSuccess.rejectedLogRecords == 1)
            #expect(answer.partialSuccess.errorMessage == "a log record's span id is 2 bytes, not 8 or none")
        }
        let records = system.logs.records(traceId: "0102030405060708090a0b0c0d0e0f10")
        #expect(records.map(\.message) == ["charge failed"])
        #expect(records.first?.level == .error && records.first?.service == "py" && records.first?.spanId == "0102030405060708")
    }

    @Test("refusals: status, a google.rpc.Status body that says what is accepted, nothing stored", arguments: [
        ("/v1/traces", HTTPRequest.Method.post, "text/plain", "x", 415, "send application/x-protobuf or application/json"),
        ("/v1/traces", .post, "application/x-protobuf", "\u{0A}\u{05}\u{01}", 400, "not a protobuf"),
        ("/v1/traces", .post, "application/json", "", 400, "not OTLP JSON"),
        ("/v1/traces", .post, "application/json", "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"abc\"}]}]}]}", 400, "is not hex"),
        ("/v1/traces", .get, "application/x-protobuf", "", 405, "takes POST"),
        ("/v1/spans", .post, "application/x-protobuf", "", 404, "routes: POST /v1/traces, POST /v1/metrics, POST /v1/logs"),
    ] as [(String, HTTPRequest.Method, String, String, Int, String)])
    func refusals(path: String, method: HTTPRequest.Method, contentType: String, body: String, code: Int, message: String) async throws {
        let system = system()
        try await withRoutes(OTLPReceiverRoutes(system: system)) { client in
            let response = try await client.execute(uri: path, method: method, headers: [.contentType: contentType], body: ByteBuffer(string: body))
            #expect(response.status.code == code)
            #expect(try status(response).message.contains(message))
        }
        #expect(system.traces.stats.storedSpans == 0)
    }

    @Test("a body over the limit is 413, before and after inflating")
    func tooLarge() async throws {
        let routes = OTLPReceiverRoutes(system: system(), sizeLimit: 64)
        try await withRoutes(routes) { client in
            let big = try await client.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: ByteBuffer(bytes: [UInt8](repeating: 0, count: 65)))
            #expect(big.status == .contentTooLarge)
            #expect(try status(big).message.contains("over the limit of 64 bytes"))
        }
    }

    @Test("a saturated receiver answers 503 with Retry-After")
    func saturated() async throws {
        try await withRoutes(OTLPReceiverRoutes(system: system(), maxConcurrentRequests: 0)) { client in
            let response = try await client.execute(uri: "/v1/traces", method: .post, headers: Self.protobuf, body: ByteBuffer())
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
            #expect(try status(response).message.contains("retry after 1 s"))
        }
    }
}
