import Foundation
import Telemetry
import Testing

@Suite("ControlCommand JSON")
struct ControlCommandCodingTests {
    private func decode(_ json: String) throws -> ControlCommand {
        try JSONDecoder().decode(ControlCommand.self, from: Data(json.utf8))
    }

    @Test("every command survives a round trip through its JSON",
          arguments: [
              ControlCommand.tripBreaker(id: "order-service->payment-service"),
              .tripBreaker(id: "a->b", forSeconds: 30),
              .forceBreakerClosed(id: "a->b"),
              .resetBreaker(id: "a->b"),
              .disableBreaker(id: "a->b"),
              .metricsOnlyBreaker(id: "a->b"),
              .setFault(service: "payment-service", fault: .errors(ratio: 0.5)),
              .setFault(service: "content-service-1", fault: .none),
              .setPolicy(edge: "a->b", change: .patch(PolicyPatch(timeoutMilliseconds: 200, maxAttempts: 2))),
              .setPolicy(edge: "a->b", change: .patch(PolicyPatch(maxAttempts: 1))),
              .setPolicy(edge: "a->b", change: .restore),
          ])
    func roundTrip(command: ControlCommand) throws {
        let data = try JSONEncoder().encode(command)
        #expect(try JSONDecoder().decode(ControlCommand.self, from: data) == command)
    }

    @Test("the wire form is one object with an action")
    func wireForm() throws {
        #expect(try decode(#"{"action":"trip","breaker":"a->b","seconds":5}"#) == .tripBreaker(id: "a->b", forSeconds: 5))
        #expect(try decode(#"{"action":"force-closed","breaker":"a->b"}"#) == .forceBreakerClosed(id: "a->b"))
        #expect(try decode(#"{"action":"disable","breaker":"a->b"}"#) == .disableBreaker(id: "a->b"))
        #expect(try decode(#"{"action":"metrics-only","breaker":"a->b"}"#) == .metricsOnlyBreaker(id: "a->b"))
        #expect(String(decoding: try JSONEncoder().encode(ControlCommand.metricsOnlyBreaker(id: "a->b")), as: UTF8.self).contains(#""action":"metrics-only""#))
        #expect(try decode(#"{"action":"fault","service":"s","fault":{"kind":"latency","milliseconds":300}}"#)
            == .setFault(service: "s", fault: .latency(milliseconds: 300)))
    }

    @Test("a policy change is flat in the command's object: a patch of its fields, or restore")
    func policyWireForm() throws {
        #expect(try decode(#"{"action":"policy","edge":"a->b","timeoutMs":200,"maxAttempts":2}"#)
            == .setPolicy(edge: "a->b", change: .patch(PolicyPatch(timeoutMilliseconds: 200, maxAttempts: 2))))
        #expect(try decode(#"{"action":"policy","edge":"a->b","timeoutMs":200}"#)
            == .setPolicy(edge: "a->b", change: .patch(PolicyPatch(timeoutMilliseconds: 200))))
        #expect(try decode(#"{"action":"policy","edge":"a->b","restore":true}"#) == .setPolicy(edge: "a->b", change: .restore))
        let restore = String(decoding: try JSONEncoder().encode(ControlCommand.setPolicy(edge: "a->b", change: .restore)), as: UTF8.self)
        #expect(restore.contains(#""restore":true"#) && restore.contains(#""action":"policy""#))
        #expect(PolicyPatch(timeoutMilliseconds: 200, maxAttempts: 2).summary == "timeout 200ms, 2 attempts")
        #expect(PolicyPatch(timeoutMilliseconds: 2000, maxAttempts: 1).summary == "timeout 2s, 1 attempt (no retries)")
    }

    @Test("a policy change that sets nothing, or out of range, or restore with a patch, is refused naming the field", arguments: [
        (#"{"action":"policy","edge":"a->b"}"#, "timeoutMs", "at least one of"),
        (#"{"action":"policy","edge":"a->b","timeoutMs":0}"#, "timeoutMs", "1…600000"),
        (#"{"action":"policy","edge":"a->b","timeoutMs":-200}"#, "timeoutMs", "1…600000"),
        (#"{"action":"policy","edge":"a->b","maxAttempts":11}"#, "maxAttempts", "1…10"),
        (#"{"action":"policy","edge":"a->b","restore":false}"#, "restore", "only true"),
        (#"{"action":"policy","edge":"a->b","restore":true,"maxAttempts":2}"#, "maxAttempts", "no other policy field"),
    ])
    func badPolicy(_ json: String, _ field: String, _ words: String) {
        do {
            _ = try decode(json)
            Issue.record("decoded \(json)")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == [field])
            #expect(context.debugDescription.contains(words), "\(context.debugDescription)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("an unknown action is refused with the accepted ones")
    func unknownAction() {
        do {
            _ = try decode(#"{"action":"explode","breaker":"a->b"}"#)
            Issue.record("decoded an unknown action")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("trip, force-closed, reset, disable, metrics-only, fault, policy"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("a trip for zero or negative seconds is refused")
    func badSeconds() {
        #expect(throws: DecodingError.self) { try decode(#"{"action":"trip","breaker":"a->b","seconds":0}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"action":"trip","breaker":"a->b","seconds":-3}"#) }
    }

    @Test("a duration from a number of seconds saturates instead of trapping")
    func saturatingDurations() {
        #expect(Duration(saturatingSeconds: 1.5) == .milliseconds(1500))
        #expect(Duration(saturatingSeconds: 3e16) == .nanoseconds(Int64.max))
        #expect(Duration(saturatingSeconds: -3e16) == .nanoseconds(Int64.min))
        #expect(Duration(saturatingSeconds: .infinity) == .nanoseconds(Int64.max))
        #expect(Duration(saturatingSeconds: .nan) == .zero)
    }
}
