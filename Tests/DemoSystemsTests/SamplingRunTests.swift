import DemoSystems
import Telemetry
import Testing

/// `--sample` changes which traces are stored, never the rates, error ratios and percentiles: they
/// come from metrics, which every request records.
@Suite("Sampling a simulated run")
struct SamplingRunTests {
    static func snapshot(sample: String?) async throws -> SystemSnapshot {
        let options = try SimOptions(validating: SimArguments(seed: "5", duration: "10s", rps: "100", faults: ["payment-service=errors:0.3"],
                                                              sample: sample), drawSeed: { 0 })
        return try await SystemSimulation.snapshot(options, at: .seconds(8)).get()
    }

    @Test("RED figures are the same at --sample 0.1 and 1; only the stored traces differ, and the snapshot says how")
    func redFiguresDoNotDependOnSampling() async throws {
        let all = try await Self.snapshot(sample: nil)
        let tenth = try await Self.snapshot(sample: "0.1")

        #expect(all.sampling == nil, "with every trace sampled the snapshot says nothing of sampling")
        let sampling = try #require(tenth.sampling)
        #expect(sampling.ratio == 0.1)
        #expect(sampling.sampledOutTraces > 0 && sampling.tailKeptTraces > 0 && sampling.sampledTraces > 0)
        #expect(tenth.totals.storedTraces < all.totals.storedTraces / 2)
        #expect(tenth.dropped == all.dropped, "sampled-out traces are not counted as drops")

        #expect(tenth.services.map(\.requestsTotal) == all.services.map(\.requestsTotal))
        #expect(tenth.services.map(\.rps) == all.services.map(\.rps))
        #expect(tenth.services.map(\.errorRatio) == all.services.map(\.errorRatio))
        #expect(tenth.services.map(\.latency) == all.services.map(\.latency))
        #expect(tenth.routes == all.routes)
        #expect(tenth.totals.rps == all.totals.rps && tenth.totals.errorRatio == all.totals.errorRatio && tenth.totals.latency == all.totals.latency)
        #expect(all.totals.rps > 0 && all.routes.contains { $0.errorRatio > 0 }, "the run must have traffic and errors to compare")
    }
}
