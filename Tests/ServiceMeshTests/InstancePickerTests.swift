@testable import ServiceMesh
import Testing

/// A generator that returns the values it was given, in turn: each draw is chosen by the test.
struct ScriptedRandom: RandomNumberGenerator {
    private var values: [UInt64]
    private(set) var draws = 0

    /// Values whose unit draw (`next() >> 11` scaled to 0..<1) is each of `units`.
    init(units: [Double]) {
        values = units.map { UInt64($0 * 0x1.0p64) }
    }

    mutating func next() -> UInt64 {
        defer { draws += 1 }
        return values[draws % values.count]
    }
}

@Suite("Instance picker: ejection, version split, load balancer choice")
struct InstancePickerTests {
    func instance(_ id: String, version: String = "v1") -> RegisteredInstance {
        RegisteredInstance(instance: InstanceID(service: "svc", id: id), address: "\(id):80", version: version,
                           metadata: [:], status: .passing, reason: nil, lastHeartbeat: .zero)
    }

    @Test("ejected instances are left out, unless that leaves none (panic threshold)")
    func passingLeavesOutEjected() {
        let all = [instance("a"), instance("b"), instance("c")]
        #expect(InstancePicker.passing(all, ejected: []).map(\.id) == ["a", "b", "c"])
        #expect(InstancePicker.passing(all, ejected: ["b"]).map(\.id) == ["a", "c"])
        #expect(InstancePicker.passing(all, ejected: ["a", "b", "c"]).map(\.id) == ["a", "b", "c"])
        #expect(InstancePicker.passing(all, ejected: ["x"]).map(\.id) == ["a", "b", "c"])
    }

    @Test("a split draws a version by weight, versions taken in name order", arguments: [
        (0.0, "canary"), (0.09, "canary"), (0.11, "stable"), (0.5, "stable"), (0.99, "stable"),
    ])
    func splitDrawsByWeight(unit: Double, expected: String) {
        // The weights total 10; in name order canary holds draws 0..<1 of it, stable 1..<10.
        let all = [instance("a", version: "stable"), instance("b", version: "canary")]
        var random = ScriptedRandom(units: [unit])
        #expect(InstancePicker.version(split: ["stable": 9, "canary": 1], among: all, using: &random) == expected)
        #expect(random.draws == 1)
    }

    @Test("versions without instances, and zero weights, are not drawn; no present version means no split")
    func splitIgnoresAbsentVersions() {
        let stableOnly = [instance("a", version: "stable"), instance("b", version: "stable")]
        var random = ScriptedRandom(units: [0.0])
        #expect(InstancePicker.version(split: ["canary": 5, "stable": 1], among: stableOnly, using: &random) == "stable")
        #expect(InstancePicker.version(split: ["canary": 1, "stable": 0], among: stableOnly, using: &random) == nil)
        #expect(InstancePicker.version(split: ["v9": 1], among: stableOnly, using: &random) == nil)
        // Only the first look had a version to choose, so only it drew.
        #expect(random.draws == 1)
    }

    @Test("routing keeps the drawn version's instances; without a split it keeps all and draws nothing")
    func routedNarrowsToVersion() {
        let all = [instance("a", version: "v1"), instance("b", version: "v2"), instance("c", version: "v2")]
        var random = ScriptedRandom(units: [0.75])
        #expect(InstancePicker.routed(all, split: ["v1": 1, "v2": 1], using: &random).map(\.id) == ["b", "c"])
        #expect(InstancePicker.routed(all, split: nil, using: &random).map(\.id) == ["a", "b", "c"])
        #expect(random.draws == 1)
    }

    @Test("round robin takes each in turn and draws nothing")
    func roundRobinChoice() {
        var turn = 0
        var random = ScriptedRandom(units: [0.5])
        let choices = (0..<4).map { _ in InstancePicker.choose(.roundRobin, among: 3, turn: &turn, using: &random) }
        #expect(choices == [.index(0), .index(1), .index(2), .index(0)])
        #expect(turn == 4)
        #expect(random.draws == 0)
    }

    @Test("random takes the drawn index; least in flight of two names two different candidates")
    func randomChoices() {
        var turn = 0
        var random = ScriptedRandom(units: [0.6])
        #expect(InstancePicker.choose(.random, among: 4, turn: &turn, using: &random) == .index(2))
        // Both draws land at 0.6: the first at index 2 of 4, the second at 1 of 3 (below the first, so kept).
        var two = ScriptedRandom(units: [0.6, 0.6])
        #expect(InstancePicker.choose(.leastInFlightOfTwo, among: 4, turn: &turn, using: &two) == .lessLoaded(2, 1))
        // The second draw at or past the first skips it, so the two always differ.
        var same = ScriptedRandom(units: [0.0, 0.0])
        #expect(InstancePicker.choose(.leastInFlightOfTwo, among: 2, turn: &turn, using: &same) == .lessLoaded(0, 1))
        #expect(turn == 0)
    }

    @Test("one candidate is chosen without a draw or a turn", arguments: LoadBalancing.allCases)
    func oneCandidate(strategy: LoadBalancing) {
        var turn = 5
        var random = ScriptedRandom(units: [0.5])
        #expect(InstancePicker.choose(strategy, among: 1, turn: &turn, using: &random) == .index(0))
        #expect(turn == 5)
        #expect(random.draws == 0)
    }

    @Test("the balancer resolves least in flight of two by the loads it reads")
    func balancerReadsLoads() {
        let balancer = LoadBalancer(strategy: .leastInFlightOfTwo, seed: 3)
        let all = [instance("a"), instance("b"), instance("c")]
        // Only one instance is busy: of any two, the idle one wins, so the busy one is never picked.
        let picks = (0..<30).compactMap { _ in balancer.pick(from: all, inFlight: { $0.id == "b" ? 5 : 0 })?.id }
        #expect(!picks.contains("b"))
        #expect(Set(picks) == ["a", "c"])
    }
}
