import Foundation
@testable import ServiceMesh
import Telemetry
import Testing

/// The fault in the snapshot is a typed value with stable JSON: readers switch on it, and only
/// views and reports turn it into words.
@Suite("Fault spec: stable JSON, words only in summaries")
struct FaultSpecCodingTests {
    static let cases: [(FaultSpec, String)] = [
        (.none, #"{"kind":"none"}"#),
        (.errors(ratio: 0.5), #"{"kind":"errors","ratio":0.5,"status":503}"#),
        (.errors(ratio: 0.25, status: 500), #"{"kind":"errors","ratio":0.25,"status":500}"#),
        (.latency(milliseconds: 300), #"{"kind":"latency","milliseconds":300}"#),
        (.down, #"{"kind":"down"}"#),
        (.hang, #"{"kind":"hang"}"#),
    ]

    @Test("each kind encodes as its kind and values, and decodes back", arguments: cases)
    func stableJSON(fault: FaultSpec, json: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(fault), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode(FaultSpec.self, from: Data(json.utf8)) == fault)
    }

    @Test("an errors fault without a status is 503; an unknown kind says what is accepted")
    func decodingDefaultsAndErrors() throws {
        #expect(try JSONDecoder().decode(FaultSpec.self, from: Data(#"{"kind":"errors","ratio":0.1}"#.utf8)) == .errors(ratio: 0.1))
        do {
            _ = try JSONDecoder().decode(FaultSpec.self, from: Data(#"{"kind":"explode"}"#.utf8))
            Issue.record("an unknown kind decoded")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription == #"unknown fault kind "explode"; expected one of none, errors, latency, down, hang"#)
        }
    }

    @Test("the snapshot reports the injected fault as a value")
    func snapshotCarriesTheValue() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"))
        try test.mesh.perform(.setFault(service: "svc", fault: .errors(ratio: 0.4, status: 500)), origin: "test")
        let svc = try #require(test.mesh.observe().services.first { $0.name == "svc" })
        #expect(svc.fault == .errors(ratio: 0.4, status: 500))
        #expect(svc.fault.summary == "errors 40% (500)")
        try test.mesh.perform(.setFault(service: "svc", fault: .none), origin: "test")
        #expect(test.mesh.observe().services.first { $0.name == "svc" }?.fault == FaultSpec.none)
    }

    @Test("a fault can name one instance: only that instance has it, the snapshot says which, and a typo lists the services")
    func oneInstance() async throws {
        let test = TestMesh()
        test.mesh.deploy(StubService.echo("svc"), instances: 2)
        try test.mesh.perform(.setFault(service: "svc-2", fault: .down), origin: "test")
        #expect(test.mesh.transport.fault(for: InstanceID(service: "svc", id: "svc-2")) == .down)
        #expect(test.mesh.transport.fault(for: InstanceID(service: "svc", id: "svc-1")) == FaultSpec.none)
        #expect(test.mesh.transport.instancesWithFaults == ["svc-2"])
        let svc = try #require(test.mesh.observe().services.first { $0.name == "svc" })
        #expect(svc.fault == FaultSpec.none)
        #expect(svc.instances.map(\.fault) == [FaultSpec.none, .down])
        #expect(test.mesh.telemetry.events.recent(limit: 5).contains { $0.source == "svc-2" && $0.message.hasPrefix("fault injected: down") })
        #expect(throws: UnknownTargetError.self) { try test.mesh.perform(.setFault(service: "svc-3", fault: .down), origin: "test") }
        try test.mesh.perform(.setFault(service: "svc-2", fault: .none), origin: "test")
        #expect(test.mesh.transport.instancesWithFaults.isEmpty)
    }
}
