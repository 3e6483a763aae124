import DemoSystems
import Testing

/// The storefront on the deterministic simulator: the same seed gives the same run, digest for
/// digest, and nothing escapes the simulator's thread.
@Suite("The storefront simulated: same seed, same run")
struct StorefrontSimulationTests {
    static func simulate(seed: UInt64, duration: String = "20s", rps: String = "100", faults: [String] = []) throws -> SimReport {
        let options = try SimOptions(validating: SimArguments(seed: String(seed), duration: duration, rps: rps, faults: faults), drawSeed: { 0 })
        return StorefrontSimulation.run(options)
    }

    /// Seeds 1…20, each run twice: identical digests per seed, and no two seeds alike.
    @Test("the same seed twice gives the same digest; different seeds differ; nothing escapes")
    func sameSeedSameRun() throws {
        var digests: [UInt64: String] = [:]
        for seed in UInt64(1)...20 {
            let first = try Self.simulate(seed: seed)
            let second = try Self.simulate(seed: seed)
            #expect(first.simulationFailure == nil, "seed \(seed): \(first.simulationFailure ?? "")")
            #expect(first.escapes == 0, "seed \(seed)")
            let digest = try #require(first.digest, "seed \(seed) has no digest")
            #expect(second.digest == digest, "seed \(seed) ran differently the second time")
            #expect(first.jobsRun == second.jobsRun, "seed \(seed)")
            #expect(first.requestsSent > 1_500, "seed \(seed): 20 s at 100 req/s")
            digests[seed] = digest
        }
        #expect(Set(digests.values).count == digests.count, "two seeds gave the same digest")
    }

    @Test("a run with a fault reports it, settles with every invariant holding, and exits 0")
    func aFaultIsReported() throws {
        let report = try Self.simulate(seed: 7, duration: "10s", faults: ["payment-service=errors:0.3"])
        #expect(report.escapes == 0)
        #expect(report.faultsApplied.first?.change == "fault injected: errors 30%, by cli")
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.exitStatus == 0)
        #expect(report.virtualSeconds >= 10)
        #expect(report.requestsByOutcome.contains { $0.outcome.hasPrefix("2") })
        #expect(report.renderText().contains("digest       \(report.digest ?? "-")"))
    }
}
