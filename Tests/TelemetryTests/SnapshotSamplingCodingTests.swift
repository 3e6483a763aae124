import Foundation
import Telemetry
import Testing

/// The snapshot's `sampling` in JSON: additive, absent when every trace is sampled, so snapshots
/// written before it still read.
@Suite("Snapshot sampling in JSON")
struct SnapshotSamplingCodingTests {
    static let sampling = SamplingStatus(ratio: 0.1, sampledTraces: 1_234, tailKeptTraces: 56, sampledOutTraces: 9_876, sampledOutSpans: 40_210)

    func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func itEncodesWithItsSchemaNames() throws {
        #expect(try json(Self.sampling) == #"{"ratio":0.1,"sampledOutSpans":40210,"sampledOutTraces":9876,"sampledTraces":1234,"tailKeptTraces":56}"#)
    }

    @Test func aSampledSnapshotRoundTripsAndAnUnsampledOneHasNoKey() throws {
        let sampled = SystemSnapshot(system: "storefront", takenAt: 1, uptimeSeconds: 50, windowSeconds: 10, sampling: Self.sampling)
        #expect(try JSONDecoder().decode(SystemSnapshot.self, from: Data(try json(sampled).utf8)) == sampled)
        let unsampled = SystemSnapshot(system: "storefront", takenAt: 1, uptimeSeconds: 50, windowSeconds: 10)
        #expect(!(try json(unsampled)).contains("sampling"))
        #expect(try JSONDecoder().decode(SystemSnapshot.self, from: Data(try json(unsampled).utf8)).sampling == nil)
    }
}
