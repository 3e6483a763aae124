import Foundation
import HTTPEdge
import Telemetry
import Testing

@Suite("Control bodies → ControlCommand, or a 400 naming the field")
struct ControlBodyTests {
    @Test("each action as the contract writes it")
    func accepted() throws {
        #expect(try decode(#"{"action":"trip","breaker":"order-service->payment-service","seconds":30}"#)
            == .tripBreaker(id: "order-service->payment-service", forSeconds: 30))
        #expect(try decode(#"{"action":"force-closed","breaker":"a->b"}"#) == .forceBreakerClosed(id: "a->b"))
        #expect(try decode(#"{"action":"reset","breaker":"a->b"}"#) == .resetBreaker(id: "a->b"))
        #expect(try decode(#"{"action":"disable","breaker":"a->b"}"#) == .disableBreaker(id: "a->b"))
        #expect(try decode(#"{"action":"metrics-only","breaker":"a->b"}"#) == .metricsOnlyBreaker(id: "a->b"))
        #expect(try decode(#"{"action":"fault","service":"payment-service","fault":{"kind":"errors","ratio":0.5}}"#)
            == .setFault(service: "payment-service", fault: .errors(ratio: 0.5)))
        #expect(try decode(#"{"action":"fault","service":"x","fault":{"kind":"none"}}"#) == .setFault(service: "x", fault: .none))
        #expect(try decode(#"{"action":"policy","edge":"a->b","timeoutMs":200,"maxAttempts":2}"#)
            == .setPolicy(edge: "a->b", change: .patch(PolicyPatch(timeoutMilliseconds: 200, maxAttempts: 2))))
        #expect(try decode(#"{"action":"policy","edge":"a->b","restore":true}"#) == .setPolicy(edge: "a->b", change: .restore))
    }

    @Test("what is wrong is named", arguments: [
        (#"{"action":"explode","breaker":"a->b"}"#, "action", "expected one of"),
        (#"{"breaker":"a->b"}"#, "action", "missing field"),
        (#"{"action":"trip"}"#, "breaker", "missing field"),
        (#"{"action":"trip","breaker":42}"#, "breaker", "must be a string"),
        (#"{"action":"trip","breaker":null}"#, "breaker", "null"),
        (#"{"action":"trip","breaker":"a->b","seconds":-1}"#, "seconds", "positive"),
        (#"{"action":"trip","breaker":"a->b","seconds":"30"}"#, "seconds", "must be a number"),
        (#"{"action":"trip","breaker":"a->b","second":30}"#, "second", "unknown field"),
        (#"{"action":"disable"}"#, "breaker", "missing field"),
        (#"{"action":"metrics-only","breaker":"a->b","seconds":30}"#, "seconds", "unknown field"),
        (#"{"action":"metricsOnly","breaker":"a->b"}"#, "action", "metrics-only"),
        (#"{"action":"fault","service":"x","fault":{"kind":"melt"}}"#, "fault.kind", "expected one of"),
        (#"{"action":"fault","service":"x","fault":{"kind":"errors"}}"#, "fault.ratio", "missing field"),
        (#"{"action":"fault","service":"x","fault":"down"}"#, "fault", "must be"),
        (#"{"action":"fault","service":"x","fault":{"kind":"errors","ratio":1.5}}"#, "fault.ratio", "0…1"),
        (#"{"action":"fault","service":"x","fault":{"kind":"errors","ratio":0.5,"status":200}}"#, "fault.status", "400…599"),
        (#"{"action":"fault","service":"x","fault":{"kind":"latency","milliseconds":-5}}"#, "fault.milliseconds", "an hour"),
        (#"{"action":"fault","service":"x","fault":{"kind":"latency","milliseconds":1e300}}"#, "fault.milliseconds", "an hour"),
        (#"{"action":"trip","breaker":"a->b","seconds":3.0007177554975972e+16}"#, "seconds", "a year"),
        (#"{"action":"policy","timeoutMs":200}"#, "edge", "missing field"),
        (#"{"action":"policy","edge":"a->b"}"#, "timeoutMs", "at least one of timeoutMs, maxAttempts"),
        (#"{"action":"policy","edge":"a->b","timeoutMs":-1}"#, "timeoutMs", "1…600000"),
        (#"{"action":"policy","edge":"a->b","timeoutMs":1e12}"#, "timeoutMs", "1…600000"),
        (#"{"action":"policy","edge":"a->b","timeoutMs":"200ms"}"#, "timeoutMs", "must be a number"),
        (#"{"action":"policy","edge":"a->b","timeoutMs":2.5}"#, "timeoutMs", "whole number"),
        (#"{"action":"policy","edge":"a->b","maxAttempts":0}"#, "maxAttempts", "1 turns retries off"),
        (#"{"action":"policy","edge":"a->b","maxAttempts":1000}"#, "maxAttempts", "1…10"),
        (#"{"action":"policy","edge":"a->b","restore":"yes"}"#, "restore", "true or false"),
        (#"{"action":"policy","edge":"a->b","restore":false}"#, "restore", "only true"),
        (#"{"action":"policy","edge":"a->b","restore":null}"#, "restore", "only true"),
        (#"{"action":"policy","edge":"a->b","timeoutMs":null,"maxAttempts":2}"#, "timeoutMs", "is null"),
        (#"{"action":"policy","edge":"a->b","restore":true,"timeoutMs":200}"#, "timeoutMs", "no other policy field"),
        (#"{"action":"policy","edge":"a->b","timeout":200}"#, "timeout", "unknown field"),
        (#"{"action":"policy","breaker":"a->b","maxAttempts":2}"#, "breaker", "unknown field"),
        (#"{"action":"policy","edge":"a->b","maxAttempts":1e300}"#, "maxAttempts", "1…10"),
    ])
    func namesTheField(_ body: String, _ field: String, _ words: String) throws {
        let error = try #require(throws: APIError.self) { try decode(body) }
        #expect(error.status == .badRequest)
        #expect(error.field == field)
        #expect(error.message.contains(words), "\(error.message)")
    }

    @Test("not a JSON object at all: no one field, the accepted forms listed", arguments: ["", "{", "not json", "[1,2]", "\"trip\"", "{\"action\":"])
    func notAnObject(_ body: String) throws {
        let error = try #require(throws: APIError.self) { try decode(body) }
        #expect(error.status == .badRequest)
        #expect(error.field == nil)
        #expect(error.message.contains(#"{"action":"trip""#))
    }

    private func decode(_ body: String) throws(APIError) -> ControlCommand {
        try ControlBody.decode(Data(body.utf8))
    }
}
