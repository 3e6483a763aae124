import DemoSystems
import Testing

/// The storefront on the deterministic simulator: the same seed gives the same run, digest for
/// digest, and nothing escapes the simulator's thread.
@Suite("The storefront simulated: same seed, same run")
struct StorefrontSimulationTests {
    static func simulate(seed: UInt64, duration: String = "20s", rps: String = "100", faults: [String] = []) throws -> SimReport {
        let options = try SimOptions(validating: SimArguments(seed: String(seed), duration: duration, rps: rps, faults: faults), drawSeed: { 0 })
        return SystemSimulation.run(options)
    }

    /// Seeds 1…4, 10 s of virtual time at 100 req/s, each run twice (on threads of their own, side
    /// by side). Four short runs rather than twenty 20 s ones: a 20 s run takes about 5 s of CPU in
    /// a debug build, half of it the digest. Tests/EndToEnd/sim.sh checks 20 s runs across two processes.
    @Test("the same seed twice gives the same digest; different seeds differ; nothing escapes")
    func sameSeedSameRun() async throws {
        let seeds = Array(UInt64(1)...4)
        let options = try seeds.map { seed in
            try SimOptions(validating: SimArguments(seed: String(seed), duration: "10s", rps: "100"), drawSeed: { 0 })
        }
        let reports = await withTaskGroup(of: (Int, SimReport).self) { group in
            for (index, option) in (options + options).enumerated() {
                group.addTask { (index, await SystemSimulation.runOnDedicatedThread(option)) }
            }
            var reports = [SimReport?](repeating: nil, count: options.count * 2)
            for await (index, report) in group { reports[index] = report }
            return reports.compactMap { $0 }
        }
        try #require(reports.count == seeds.count * 2)
        var digests: [String] = []
        for (index, seed) in seeds.enumerated() {
            let first = reports[index], second = reports[index + seeds.count]
            #expect(first.simulationFailure == nil, "seed \(seed): \(first.simulationFailure ?? "")")
            #expect(first.escapes == 0 && second.escapes == 0, "seed \(seed)")
            let digest = try #require(first.digest, "seed \(seed) has no digest")
            #expect(second.digest == digest, "seed \(seed) ran differently the second time")
            #expect(first.jobsRun == second.jobsRun, "seed \(seed)")
            #expect(first.requestsSent > 700, "seed \(seed): 10 s at 100 req/s")
            digests.append(digest)
        }
        #expect(Set(digests).count == digests.count, "two seeds gave the same digest")
    }

    @Test("a run with a fault reports it, settles with every invariant holding, and exits 0")
    func aFaultIsReported() throws {
        let report = try Self.simulate(seed: 7, duration: "5s", faults: ["payment-service=errors:0.3"])
        #expect(report.escapes == 0)
        #expect(report.faultsApplied.first?.change == "fault injected: errors 30%, by cli")
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.exitStatus == 0)
        #expect(report.virtualSeconds >= 5)
        #expect(report.requestsByOutcome.contains { $0.outcome.hasPrefix("2") })
        #expect(report.renderText().contains("digest       \(report.digest ?? "-")"))
        #expect(!report.renderText().contains("replay:"), "a run that passed needs no replay line")

        var violated = report
        violated.violations = [Violation(invariant: .moneyBalances, subject: "payments", message: "captured 10.00 but confirmed 12.00")]
        #expect(violated.exitStatus == 1)
        #expect(violated.renderText().hasSuffix("""
            VIOLATED: captured 10.00 but confirmed 12.00
            replay: meshtop sim storefront --seed 7 --duration 5s --rps 100 --fault payment-service=errors:0.3

            """))

        var failed = report
        failed.simulationFailure = "simulation with seed 7 failed: deadlock at virtual 3s"
        #expect(failed.exitStatus == 3)
        #expect(failed.renderText().contains("FAILED: simulation with seed 7 failed: deadlock at virtual 3s\nreplay: meshtop sim storefront --seed 7"))
    }
}
