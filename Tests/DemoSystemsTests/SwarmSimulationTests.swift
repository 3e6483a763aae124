#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DemoSystems
import Synchronization
import Telemetry
import Testing

/// Swarm faults, sweeps, shrinking and `--at` on real simulated runs (short ones: seconds of CPU each).
@Suite("Swarm on the simulator")
struct SwarmSimulationTests {
    static func options(_ arguments: SimArguments) throws -> SimOptions {
        try SimOptions(validating: arguments, drawSeed: { 0 })
    }

    @Test("a swarm seed replays: same schedule, same digest; the faults are in the report; the traffic is the one --faults none sends")
    func swarmIsDeterministic() async throws {
        // Seed 2 draws faults (checked below), so this is not a fault-free run by accident.
        let options = try Self.options(SimArguments(seed: "2", duration: "10s", rps: "50"))
        async let first = SystemSimulation.runOnDedicatedThread(options)
        async let second = SystemSimulation.runOnDedicatedThread(options)
        let (a, b) = await (first, second)
        let schedule = try #require(a.swarmSchedule)
        #expect(!schedule.faults.isEmpty)
        #expect(a.digest != nil && a.digest == b.digest)
        #expect(a.faultPlan == "swarm" && a.faultsApplied.count >= schedule.faults.count)
        #expect(a.renderText().contains("applied (swarm, \(FaultSchedule(schedule).summary))"))

        let none = await SystemSimulation.runOnDedicatedThread(try Self.options(SimArguments(seed: "2", duration: "10s", rps: "50", faultSource: "none")))
        #expect(none.requestsSent == a.requestsSent, "drawing the schedule shifted the traffic's stream")
        #expect(none.digest != a.digest)
    }

    @Test("a sweep runs two seeds at a time and gives each the digest it gets alone")
    func sweepMatchesSingleRuns() async throws {
        let options = try Self.options(SimArguments(seeds: "5..8", duration: "5s", rps: "50"))
        let reports = Mutex<[UInt64: String]>([:])
        let sweep = await SeedSweep.run(options) { report in reports.withLock { $0[report.seed] = report.digest ?? "" } }
        #expect(sweep.runs == 4 && sweep.firstSeed == 5 && sweep.lastSeed == 8)
        for seed in UInt64(5)...8 {
            let alone = SystemSimulation.run(options.withSeed(seed))
            #expect(reports.withLock { $0[seed] } == alone.digest, "seed \(seed)")
        }
    }

    @Test("--at: the snapshot at 5m lies between those at 4m and 6m")
    func snapshotsInOrder() async throws {
        var counts: [Int] = [], uptimes: [Double] = []
        for minute in [4, 5, 6] {
            let options = try Self.options(SimArguments(seed: "3", duration: "6m", rps: "5", at: "\(minute)m", json: true))
            let snapshot = try await SystemSimulation.snapshot(options, at: try #require(options.at)).get()
            let gateway = try #require(snapshot.services.first { $0.name == "gateway" })
            counts.append(gateway.requestsTotal)
            uptimes.append(snapshot.uptimeSeconds)
        }
        #expect(counts[0] < counts[1] && counts[1] < counts[2], "gateway requests at 4m, 5m, 6m: \(counts)")
        #expect(uptimes == [240, 300, 360], "uptime at 4m, 5m, 6m: \(uptimes)")
    }
}
