import OTLP
import OTLPProto
import SwiftProtobuf
import Testing

@Suite("OTLPBodyDecoder")
struct OTLPBodyDecoderTests {
    let decoder = OTLPBodyDecoder(sizeLimit: 4096)

    private var sample: OTLPTraceRequest {
        traceRequest([(resource("svc"), [span(0xAB, 0xCD, parent: 0x01, name: "GET /x", attributes: [("http.route", "/x")])])])
    }

    @Test("protobuf, plain and gzip")
    func protobuf() throws {
        let bytes: [UInt8] = try sample.serializedBytes()
        let (plain, encoding) = try decoder.decode(OTLPTraceRequest.self, body: bytes, contentType: "application/x-protobuf", contentEncoding: nil)
        #expect(plain == sample)
        #expect(encoding == .protobuf)
        let (inflated, _) = try decoder.decode(OTLPTraceRequest.self, body: gzipped(bytes), contentType: "application/x-protobuf", contentEncoding: "gzip")
        #expect(inflated == sample)
    }

    @Test("OTLP JSON: hex ids, integer enums, unknown fields ignored")
    func json() throws {
        let body = """
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
             "scopeSpans":[{"scope":{"name":"test"},"spans":[{"traceId":"000000000000000000000000000000AB",
             "spanId":"00000000000000cd","parentSpanId":"0000000000000001","name":"GET /x","kind":2,
             "startTimeUnixNano":"\(watchStart)","endTimeUnixNano":\(watchStart + 10_000_000),
             "attributes":[{"key":"http.route","value":{"stringValue":"/x"}}],"aFieldFromTheFuture":{"x":1}}]}]}]}
            """
        let (message, encoding) = try decoder.decode(OTLPTraceRequest.self, body: Array(body.utf8), contentType: "application/json; charset=utf-8", contentEncoding: nil)
        #expect(encoding == .json)
        #expect(message == sample)
    }

    @Test("an id field's text inside a string value is left alone")
    func idTextInsideValues() throws {
        let body = #"{"resourceSpans":[{"resource":{"attributes":[{"key":"note","value":{"stringValue":"\"traceId\":\"zz\""}}]}}]}"#
        let (message, _) = try decoder.decode(OTLPTraceRequest.self, body: Array(body.utf8), contentType: "application/json", contentEncoding: nil)
        #expect(message.resourceSpans[0].resource.attributes[0].value.stringValue == #""traceId":"zz""#)
    }

    @Test("refusals carry OTLP's status and say what is accepted", arguments: [
        ("text/plain", nil, [UInt8]("x".utf8), 415, "send application/x-protobuf or application/json"),
        (nil, nil, [UInt8]("x".utf8), 415, "no Content-Type"),
        ("application/x-protobuf", "br", [UInt8]("x".utf8), 415, "send gzip or no Content-Encoding"),
        ("application/x-protobuf", nil, [0x0A, 0x05, 0x01], 400, "not a protobuf"),
        ("application/x-protobuf", "gzip", [0x1F, 0x8B, 0x08, 0x00], 400, "not valid gzip"),
        ("application/x-protobuf", "gzip", [UInt8]("plain".utf8), 400, "not valid gzip"),
        ("application/json", nil, [], 400, "not OTLP JSON"),
        ("application/json", nil, [UInt8](#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#.utf8), 400, "traceId \"xyz\" is not hex"),
        ("application/json", nil, [UInt8](#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"#.utf8), 400, "not OTLP JSON"),
        ("application/x-protobuf", nil, [UInt8](repeating: 0, count: 5000), 413, "over the limit of 4096 bytes"),
    ] as [(String?, String?, [UInt8], Int, String)])
    func refusals(contentType: String?, contentEncoding: String?, body: [UInt8], status: Int, message: String) {
        #expect {
            _ = try decoder.decode(OTLPTraceRequest.self, body: body, contentType: contentType, contentEncoding: contentEncoding)
        } throws: { error in
            guard let rejection = error as? OTLPRejection else { return false }
            return rejection.status.rawValue == status && rejection.message.contains(message)
        }
    }

    @Test("an empty protobuf body is an empty request: accepted, nothing in it")
    func emptyProtobuf() throws {
        let (message, _) = try decoder.decode(OTLPTraceRequest.self, body: [], contentType: "application/x-protobuf", contentEncoding: nil)
        #expect(message.resourceSpans.isEmpty)
    }

    @Test("a small gzip body that inflates past the limit is refused with 413")
    func gzipBomb() {
        let bomb = gzipped([UInt8](repeating: 0, count: 100_000))
        #expect(bomb.count < 4096)
        #expect {
            _ = try decoder.decode(OTLPTraceRequest.self, body: bomb, contentType: "application/x-protobuf", contentEncoding: "gzip")
        } throws: { ($0 as? OTLPRejection)?.status == .contentTooLarge }
    }

    @Test("a refusal's body is a google.rpc.Status in the request's encoding")
    func statusBody() throws {
        let rejection = OTLPRejection(.badRequest, "bad")
        let status = try Google_Rpc_Status(serializedBytes: rejection.body(encoding: .protobuf))
        #expect(status.message == "bad")
        #expect(status.code == 3)
        let json = try Google_Rpc_Status(jsonUTF8Bytes: rejection.body(encoding: .json))
        #expect(json.message == "bad")
    }
}
