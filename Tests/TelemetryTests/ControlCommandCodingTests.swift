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

    @Test("an unknown action is refused with the accepted ones")
    func unknownAction() {
        do {
            _ = try decode(#"{"action":"explode","breaker":"a->b"}"#)
            Issue.record("decoded an unknown action")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("trip, force-closed, reset, disable, metrics-only, fault"))
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
