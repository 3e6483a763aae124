#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `meshtop sim --seeds A..B`: one simulated run per seed, `parallelism` at a time, and the seeds
/// that failed with their first violation.
///
/// Each run is its own ``Simulator`` on a thread of its own (``SystemSimulation/runOnDedicatedThread(_:)``),
/// started from a child task of one task group that keeps `parallelism` runs in flight: a run's
/// clock, executor and system are its own, so runs side by side give each seed exactly the digest
/// it gets alone. (Child processes, as `compare` uses, would buy isolation a sweep does not need
/// and cost a process start and a JSON round trip per seed.)
public enum SeedSweep {
    /// Runs every seed of `options.seeds` (or `options.seed` alone) and reports the failures in
    /// seed order. `onRun` sees each report as it finishes (in completion order), for progress.
    public static func run(_ options: SimOptions, parallelism: Int = 2,
                           onRun: @Sendable (SimReport) -> Void = { _ in }) async -> SeedSweepReport {
        precondition(parallelism >= 1, "SeedSweep.run: parallelism must be at least 1")
        let seeds = options.seeds ?? options.seed...options.seed
        // Real time, read only for the report's seeds-per-minute: it decides nothing.
        let wallStart = ContinuousClock.now
        var failures: [SeedSweepReport.Failure] = []
        var runs = 0
        await withTaskGroup(of: SimReport.self) { group in
            var next: UInt64? = seeds.lowerBound
            func startNext() {
                guard let seed = next else { return }
                next = seed < seeds.upperBound ? seed + 1 : nil
                let seeded = options.withSeed(seed)
                group.addTask { await SystemSimulation.runOnDedicatedThread(seeded) }
            }
            for _ in 0..<parallelism { startNext() }
            while let report = await group.next() {
                runs += 1
                onRun(report)
                if let failure = report.firstFailure {
                    failures.append(SeedSweepReport.Failure(seed: report.seed, exitStatus: report.exitStatus, signature: report.failureSignature ?? "",
                                                            firstFailure: failure, replay: report.replay))
                }
                startNext()
            }
        }
        failures.sort { $0.seed < $1.seed }
        let wall = (ContinuousClock.now - wallStart).seconds
        return SeedSweepReport(system: options.system, firstSeed: seeds.lowerBound, lastSeed: seeds.upperBound, runs: runs,
                               virtualSecondsEach: options.duration.seconds, faultPlan: Self.describe(options.faultPlan),
                               failures: failures, wallSeconds: wall)
    }

    static func describe(_ plan: SimOptions.FaultPlan) -> String {
        switch plan {
        case .none: "none"
        case .swarm: "swarm"
        case .scenario(let path, _): "scenario \(path)"
        }
    }
}

/// What a sweep over seeds found.
public struct SeedSweepReport: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var seed: UInt64
        /// The run's own exit status: 1 an invariant was violated, 3 the simulation failed.
        public var exitStatus: Int32
        /// The violated invariant's name, or `simulation`.
        public var signature: String
        public var firstFailure: String
        /// The command that replays the run.
        public var replay: String
    }

    public var system: String
    public var firstSeed: UInt64
    public var lastSeed: UInt64
    public var runs: Int
    public var virtualSecondsEach: Double
    public var faultPlan: String
    public var failures: [Failure]
    public var wallSeconds: Double

    /// Seeds run per minute of wall time.
    public var seedsPerMinute: Double { wallSeconds > 0 ? Double(runs) / wallSeconds * 60 : 0 }

    /// 0 every seed passed, 1 one failed.
    public var exitStatus: Int32 {
        failures.isEmpty ? HeadlessOutput.exitInvariantsHold : HeadlessOutput.exitInvariantViolated
    }

    public func jsonString() throws -> String {
        struct Output: Encodable {
            var report: SeedSweepReport
            var seedsPerMinute: Double
            func encode(to encoder: any Encoder) throws {
                try report.encode(to: encoder)
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(seedsPerMinute, forKey: .seedsPerMinute)
            }
            enum Key: String, CodingKey { case seedsPerMinute }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(Output(report: self, seedsPerMinute: seedsPerMinute)), as: UTF8.self)
    }

    /// The sweep as text, ending with a newline.
    public func renderText() -> String {
        var lines = ["meshtop sim \(system): seeds \(firstSeed)..\(lastSeed), \(faultPlan) faults, "
            + "\(DurationParser.format(Duration(saturatingSeconds: virtualSecondsEach))) of virtual time each"]
        for failure in failures {
            lines.append("  seed \(failure.seed)  \(failure.exitStatus == HeadlessOutput.exitRunFailed ? "FAILED" : "VIOLATED") \(failure.firstFailure)")
        }
        let rate = seedsPerMinute >= 100 ? String(Int(seedsPerMinute.rounded())) : String((seedsPerMinute * 10).rounded() / 10)
        lines.append("\(runs) seed\(runs == 1 ? "" : "s") in \(String((wallSeconds * 10).rounded() / 10))s of wall time (\(rate) seeds/minute): "
            + (failures.isEmpty ? "all passed" : "\(failures.count) failed"))
        if let first = failures.first {
            lines.append("replay: \(first.replay)")
            lines.append("shrink: \(first.replay) --shrink")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
