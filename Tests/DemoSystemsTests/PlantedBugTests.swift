#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DemoSystems
import Telemetry
import Testing

/// The proof that swarm finds bugs: a bug planted in the storefront (every compensated refund
/// skipped) is found by a sweep of a few short seeds, shrunk, and the shrunk schedule fails again
/// when replayed from its scenario file; without the bug the same seeds pass.
@Suite("Swarm finds a planted bug")
struct PlantedBugTests {
    /// The sweep the test runs; the bug must show within it.
    static let seeds = "1..\(seedsSearched)"
    static let seedsSearched = 10
    static let arguments = SimArguments(seeds: seeds, duration: "10s", rps: "40", plantedBug: "skip-refund:1")

    @Test("found within the sweep, shrunk, replayed from the file; the same seeds pass without the bug")
    func findShrinkReplay() async throws {
        let options = try SimOptions(validating: Self.arguments, drawSeed: { 0 })
        let sweep = await SeedSweep.run(options)
        let found = try #require(sweep.failures.first, "no seed of \(Self.seeds) found the planted bug")
        #expect(found.signature == "cancelledOrderRefunded", "\(found.firstFailure)")
        #expect(found.replay.contains("--planted-bug skip-refund:1"))

        var clean = options
        clean.plantedBug = nil
        let cleanSweep = await SeedSweep.run(clean)
        #expect(cleanSweep.failures.isEmpty, "without the bug: \(cleanSweep.failures.map { "seed \($0.seed): \($0.firstFailure)" })")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("planted-\(found.seed).json").path
        var one = options.withSeed(found.seed)
        one.shrink = true
        one.shrinkOut = path
        let outcome = await SimShrink.run(one, maximumRuns: 80)
        let shrunk = try #require(outcome.shrunk)
        #expect(shrunk.signature == "cancelledOrderRefunded")
        #expect(shrunk.replayFailsTheSame, "the shrunk schedule passed when replayed: \(shrunk.replay.firstFailure ?? "no failure")")
        let small = shrunk.result.schedule
        #expect(small.episodes.count <= shrunk.from.episodes.count && small.duration <= shrunk.from.duration)
        #expect(small.episodes.count < shrunk.from.episodes.count || small.duration < shrunk.from.duration || small.rps < shrunk.from.rps,
                "nothing was shrunk: \(small)")
        #expect(shrunk.result.runs > 0 && shrunk.result.runs <= 80)

        // The file, read back as `meshtop sim --faults FILE` reads it: its seed, rate and duration apply.
        let scenario = try Scenario.decode(Data(shrunk.fileText.utf8), file: path)
        let replay = try SimOptions(validating: SimArguments(faultSource: path, plantedBug: "skip-refund:1"), drawSeed: { 0 },
                                    loadScenario: { _ in scenario })
        #expect(replay.seed == found.seed && replay.duration == small.duration && replay.rps == small.rps)
        let replayed = SystemSimulation.run(replay)
        #expect(replayed.fails(as: "cancelledOrderRefunded"), "\(replayed.firstFailure ?? "passed")")
        #expect(replayed.digest == shrunk.replay.digest, "the file replays the shrink's own last run exactly")
        var withoutBug = replay
        withoutBug.plantedBug = nil
        #expect(SystemSimulation.run(withoutBug).violations.isEmpty, "the shrunk schedule fails only because of the planted bug")
    }
}
