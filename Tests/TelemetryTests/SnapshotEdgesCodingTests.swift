import Foundation
import Telemetry
import Testing

/// The snapshot's `edges` in JSON: stable names, and snapshots written before edges existed still read.
@Suite("Snapshot edges in JSON")
struct SnapshotEdgesCodingTests {
    let edges = [
        EdgeStatus(caller: "order-service", target: "payment-service", kind: .call, rps: 43, errorRatio: 0.5,
                   breakerId: "order-service->payment-service", breaker: .open),
        EdgeStatus(caller: "order-service", target: "notification-service", kind: .event, topic: "orders", rps: 4,
                   breakerId: "event-bus->notification-service", breaker: .forcedClosed),
        EdgeStatus(caller: "gateway", target: "user-service", rps: 30),
    ]

    func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func anEdgeEncodesWithItsSchemaNames() throws {
        #expect(try json(edges[1]) == #"{"breaker":"forcedClosed","breakerId":"event-bus->notification-service","caller":"order-service","errorRatio":0,"kind":"event","rps":4,"target":"notification-service","topic":"orders"}"#)
        #expect(try json(edges[2]) == #"{"caller":"gateway","errorRatio":0,"kind":"call","rps":30,"target":"user-service"}"#)
    }

    @Test func aSnapshotWithEdgesRoundTrips() throws {
        let snapshot = SystemSnapshot(system: "storefront", takenAt: 1_780_000_000, uptimeSeconds: 8, windowSeconds: 10, edges: edges)
        let decoded = try JSONDecoder().decode(SystemSnapshot.self, from: Data(try json(snapshot).utf8))
        #expect(decoded == snapshot)
        #expect(try json(snapshot).contains(#""edges":[{"#))
    }

    @Test func aSnapshotFromBeforeEdgesDecodesWithNone() throws {
        var old = try JSONSerialization.jsonObject(with: Data(try json(SystemSnapshot(system: "storefront", takenAt: 1, uptimeSeconds: 1, windowSeconds: 10, edges: edges)).utf8)) as! [String: Any]
        old.removeValue(forKey: "edges")
        let decoded = try JSONDecoder().decode(SystemSnapshot.self, from: try JSONSerialization.data(withJSONObject: old))
        #expect(decoded.edges == [])
        #expect(decoded.system == "storefront")
    }

    @Test func aMissingFieldOtherThanEdgesIsStillAnError() throws {
        var old = try JSONSerialization.jsonObject(with: Data(try json(SystemSnapshot(system: "s", takenAt: 1, uptimeSeconds: 1, windowSeconds: 10)).utf8)) as! [String: Any]
        old.removeValue(forKey: "breakers")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SystemSnapshot.self, from: try JSONSerialization.data(withJSONObject: old)) }
    }

    @Test func edgesSortByCallerTargetThenCallsBeforeEvents() {
        let call = EdgeStatus(caller: "a", target: "b")
        let event = EdgeStatus(caller: "a", target: "b", kind: .event, topic: "t")
        let later = EdgeStatus(caller: "a", target: "c")
        let first = EdgeStatus(caller: "0", target: "z", kind: .event, topic: "t")
        #expect([later, event, call, first].sorted(by: EdgeStatus.precedes) == [first, call, event, later])
        #expect(call.id == "a->b")
        #expect(event.id == "a-[t]->b")
    }
}
