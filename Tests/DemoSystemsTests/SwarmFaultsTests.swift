#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DemoSystems
import Telemetry
import Testing

@Suite("Swarm faults: each seed draws its own schedule")
struct SwarmFaultsTests {
    static let targets = Storefront.profile.faultTargets

    static func draw(_ seed: UInt64, duration: Duration = .seconds(120)) -> FaultSchedule {
        SwarmFaults.draw(seed: seed, targets: targets, entry: "gateway", rps: 200, duration: duration)
    }

    @Test("the same seed draws the same schedule; seeds draw different ones")
    func sameSeedSameSchedule() {
        let schedules = (UInt64(0)..<40).map { Self.draw($0) }
        #expect(schedules == (UInt64(0)..<40).map { Self.draw($0) })
        let distinct = schedules.indices.filter { index in !schedules[..<index].contains(schedules[index]) }
        #expect(distinct.count >= 35, "only \(distinct.count) distinct schedules in 40 seeds")
    }

    @Test("episodes stay within the run, name known targets, never overlap on a target, and swarm varies kinds and targets")
    func episodesAreWellFormed() {
        var kindSets: Set<[String]> = [], withoutFaults = 0
        for seed in UInt64(0)..<200 {
            let schedule = Self.draw(seed)
            if schedule.episodes.isEmpty { withoutFaults += 1 }
            #expect(schedule.episodes.count <= SwarmFaults.maximumEpisodes)
            for episode in schedule.episodes {
                #expect(Self.targets.contains(episode.target), "seed \(seed): \(episode.target)")
                #expect(episode.start >= .zero && episode.start < episode.end && episode.end <= schedule.duration, "seed \(seed): \(episode)")
                #expect(episode.fault != .none)
                #expect(!(episode.fault == .hang && episode.target.hasPrefix("gateway")), "seed \(seed): the entry hangs: \(episode)")
            }
            for target in Set(schedule.episodes.map(\.target)) {
                let onTarget = schedule.episodes.filter { $0.target == target }
                for (earlier, later) in zip(onTarget, onTarget.dropFirst()) {
                    #expect(earlier.end <= later.start, "seed \(seed): overlapping episodes on \(target)")
                }
            }
            kindSets.insert(Set(schedule.episodes.map { $0.fault.kind.rawValue }).sorted())
        }
        // Swarm: seeds differ in which kinds they use at all, not only in when.
        #expect(kindSets.count >= 10, "kind subsets seen: \(kindSets)")
        #expect(kindSets.contains(["latency"]) && kindSets.contains(["errors"]))
        #expect((1...30).contains(withoutFaults), "\(withoutFaults) of 200 seeds drew no faults (about 1 in 16 should)")
    }

    @Test("a drawn schedule is a scenario: it validates, survives JSON, and converts back to the same episodes")
    func scheduleIsAScenario() throws {
        for seed in UInt64(1)...20 {
            let scenario = SwarmFaults.scenario(system: "storefront", seed: seed, targets: Self.targets, entry: "gateway", rps: 200, duration: .seconds(120))
            #expect(scenario.seed == seed && scenario.name == "storefront-swarm-\(seed)")
            try scenario.validate(file: "swarm", knownServices: Self.targets)
            let encoded = try JSONEncoder().encode(scenario)
            let decoded = try Scenario.decode(encoded, file: "swarm.json")
            #expect(decoded == scenario)
            #expect(FaultSchedule(decoded) == Self.draw(seed), "seed \(seed)")
        }
    }

    @Test("a change on a target that already has a fault ends that episode; at one instant an end comes before a start")
    func episodesFromChanges() {
        let changes = [
            ScheduledFault(at: .seconds(10), service: "a", fault: .down),
            ScheduledFault(at: .seconds(20), service: "a", fault: .hang),
            ScheduledFault(at: .seconds(30), service: "a", fault: .none),
            ScheduledFault(at: .seconds(5), service: "b", fault: .latency(milliseconds: 100)),
        ]
        let schedule = FaultSchedule(rps: 10, duration: .seconds(60), changes: changes)
        #expect(schedule.episodes == [
            .init(target: "b", fault: .latency(milliseconds: 100), start: .seconds(5), end: .seconds(60)),
            .init(target: "a", fault: .down, start: .seconds(10), end: .seconds(20)),
            .init(target: "a", fault: .hang, start: .seconds(20), end: .seconds(30)),
        ])
        #expect(schedule.changes.map { "\($0.at) \($0.service) \(FaultArgument.format($0.fault))" } == [
            "5.0 seconds b latency:100ms", "10.0 seconds a down", "20.0 seconds a none", "20.0 seconds a hang", "30.0 seconds a none",
        ])
    }
}
