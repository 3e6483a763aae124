import Foundation
import Telemetry
import Testing

/// The snapshot's `interventions` and a breaker's `shadow` in JSON: additive, so snapshots
/// written before them still read.
@Suite("Snapshot interventions and shadow in JSON")
struct SnapshotInterventionsCodingTests {
    static let trip = InterventionRecord(id: 1, action: .trip, target: "order-service->payment-service", origin: "dashboard", detail: "forced open",
                                         atSeconds: 12, endedAtSeconds: 40, endedBy: "reset by cli", effect: InterventionEffect(callsRejected: 412))
    static let shadow = BreakerShadowStatus(wouldBeOpen: true, openedAt: 20.5, reason: "failure rate 62% ≥ 50% over last 20 calls", timesOpened: 1, wouldHaveRejected: 7)

    func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func anInterventionEncodesWithItsSchemaNames() throws {
        #expect(try json(Self.trip) == #"{"action":"trip","atSeconds":12,"detail":"forced open","effect":{"callsRejected":412},"endedAtSeconds":40,"endedBy":"reset by cli","id":1,"origin":"dashboard","target":"order-service->payment-service"}"#)
        #expect(try json(Self.shadow) == #"{"openedAt":20.5,"reason":"failure rate 62% ≥ 50% over last 20 calls","timesOpened":1,"wouldBeOpen":true,"wouldHaveRejected":7}"#)
    }

    @Test func aSnapshotWithBothRoundTrips() throws {
        let snapshot = SystemSnapshot(system: "storefront", takenAt: 1, uptimeSeconds: 50, windowSeconds: 10,
                                      breakers: [BreakerStatus(id: "a->b", state: .metricsOnly, isManual: true, shadow: Self.shadow)],
                                      interventions: [Self.trip])
        #expect(try JSONDecoder().decode(SystemSnapshot.self, from: Data(try json(snapshot).utf8)) == snapshot)
    }

    @Test func aSnapshotFromBeforeThemDecodesWithNone() throws {
        let snapshot = SystemSnapshot(system: "storefront", takenAt: 1, uptimeSeconds: 1, windowSeconds: 10,
                                      breakers: [BreakerStatus(id: "a->b", state: .metricsOnly, shadow: Self.shadow)], interventions: [Self.trip])
        var old = try JSONSerialization.jsonObject(with: Data(try json(snapshot).utf8)) as! [String: Any]
        old.removeValue(forKey: "interventions")
        var breaker = (old["breakers"] as! [[String: Any]])[0]
        breaker.removeValue(forKey: "shadow")
        old["breakers"] = [breaker]
        let decoded = try JSONDecoder().decode(SystemSnapshot.self, from: try JSONSerialization.data(withJSONObject: old))
        #expect(decoded.interventions == [])
        #expect(decoded.breakers.first?.shadow == nil)
    }

    @Test func anEffectInWords() {
        #expect(InterventionEffect(callsRejected: 1).summary == "1 call rejected")
        #expect(InterventionEffect(callsLetThrough: 96, failuresLetThrough: 61, wouldHaveRejected: 40, wouldHaveOpened: 2).summary
            == "96 let through, 61 failed; would have opened 2 times and rejected 40")
        #expect(InterventionEffect(callsLetThrough: 5, failuresLetThrough: 0, wouldHaveRejected: 0, wouldHaveOpened: 0).summary
            == "5 let through, 0 failed; would not have opened")
        #expect(InterventionEffect(faultsInjected: 3).summary == "3 requests hit")
        #expect(InterventionEffect().summary == "-")
        #expect(Self.trip.secondsLasted(now: 100) == 28)
        #expect(InterventionRecord(id: 2, action: .disable, target: "a->b", origin: "api", detail: "disabled", atSeconds: 10).secondsLasted(now: 25) == 15)
    }
}
