#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `meshtop sim --seed N --shrink`: runs the seed, and when it fails, reduces its fault schedule
/// with ``ScheduleShrinker`` (every candidate a simulated run of the same seed that must fail the
/// same way) and replays the result once more as the scenario file it will be written as.
public enum SimShrink {
    public struct Outcome: Sendable {
        /// The seed's own run.
        public var original: SimReport
        /// Nil when the original run passed: nothing to shrink.
        public var shrunk: Shrunk?
    }

    public struct Shrunk: Sendable {
        /// The invariant the runs violate (or `simulation`).
        public var signature: String
        public var from: FaultSchedule
        public var result: ScheduleShrinker.Result
        /// The shrunk schedule as the scenario file to write (with the seed).
        public var scenario: Scenario
        /// The run of that scenario, as `meshtop sim --faults FILE` makes it.
        public var replay: SimReport
        /// The file's JSON text, ending with a newline.
        public var fileText: String
        /// Where it is to be written.
        public var path: String
        /// Real time the whole shrink took.
        public var wallSeconds: Double

        /// True when the replay failed the same way (a shrink whose replay passes is a bug in the simulator).
        public var replayFailsTheSame: Bool { replay.fails(as: signature) }
    }

    /// Runs `options.seed`, and shrinks its schedule when it fails.
    public static func run(_ options: SimOptions, maximumRuns: Int = 150) async -> Outcome {
        // Real time, read only for the report: it decides nothing.
        let wallStart = ContinuousClock.now
        let original = await SystemSimulation.runOnDedicatedThread(options)
        guard let signature = original.failureSignature else { return Outcome(original: original, shrunk: nil) }
        let path = options.shrinkOut ?? options.defaultShrinkPath
        let schedule = options.schedule
        let grain: Duration = schedule.duration >= .seconds(20) ? .seconds(1) : .milliseconds(100)
        let result = await ScheduleShrinker.shrink(schedule, minimumDuration: grain, grain: grain, maximumRuns: maximumRuns) { candidate in
            await SystemSimulation.runOnDedicatedThread(options.withSchedule(candidate, writtenTo: path)).fails(as: signature)
        }
        let scenario = result.schedule.scenario(
            name: "\(options.system)-seed-\(options.seed)-shrunk",
            description: "seed \(options.seed) shrunk from \(schedule.summary) to \(result.schedule.summary) "
                + "in \(result.runs) runs; violates \(signature)",
            seed: options.seed)
        let replay = await SystemSimulation.runOnDedicatedThread(options.withSchedule(FaultSchedule(scenario), writtenTo: path))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A Scenario is strings and numbers: encoding it cannot fail.
        let text = (try? String(decoding: encoder.encode(scenario), as: UTF8.self)) ?? "{}"
        return Outcome(original: original, shrunk: Shrunk(
            signature: signature, from: schedule, result: result, scenario: scenario, replay: replay, fileText: text + "\n",
            path: path, wallSeconds: (ContinuousClock.now - wallStart).seconds))
    }
}

extension SimShrink.Outcome {
    /// The outcome as text (the original run's report first), ending with a newline.
    public func renderText() -> String {
        var text = original.renderText()
        guard let shrunk else {
            return text + "shrink: seed \(original.seed) passes; there is nothing to shrink\n"
        }
        let result = shrunk.result
        var lines = ["shrink: \(shrunk.from.summary) -> \(result.schedule.summary) in \(result.runs) runs "
            + "(\(result.accepted) kept\(result.budgetExhausted ? "; the run budget ran out" : ""), "
            + "\(String((shrunk.wallSeconds * 10).rounded() / 10))s of wall time), still violating \(shrunk.signature)"]
        for change in shrunk.scenario.faults {
            lines.append("  at \(DurationParser.format(change.at))  \(change.service)=\(FaultArgument.format(change.fault))")
        }
        lines.append(shrunk.replayFailsTheSame
            ? "replayed: \(shrunk.replay.firstFailure ?? "")"
            : "replayed: the shrunk schedule did not fail the same way (\(shrunk.replay.firstFailure ?? "it passed")): the run is not reproducible")
        lines.append("wrote \(shrunk.path)")
        var replay = "meshtop sim \(original.system) --faults \(SimOptions.quoted(shrunk.path))"
        if let bug = shrunk.replay.replay.range(of: " --planted-bug ") {
            replay += String(shrunk.replay.replay[bug.lowerBound...])
        }
        lines.append("replay: \(replay)")
        text += lines.joined(separator: "\n") + "\n"
        return text
    }

    /// 1 the seed failed (and was shrunk), 0 it passed, 3 the shrunk replay did not fail the same way.
    public var exitStatus: Int32 {
        guard let shrunk else { return original.exitStatus }
        return shrunk.replayFailsTheSame ? original.exitStatus : HeadlessOutput.exitRunFailed
    }
}

extension SimShrink.Outcome {
    /// The outcome as JSON: the original report, and what shrinking made of it.
    public func jsonString() throws -> String {
        struct Output: Encodable {
            var original: SimReport
            var signature: String?
            var shrinkRuns: Int?
            var budgetExhausted: Bool?
            var scenario: Scenario?
            var path: String?
            var replay: SimReport?
            var replayFailsTheSame: Bool?
        }
        let output = Output(original: original, signature: shrunk?.signature, shrinkRuns: shrunk?.result.runs,
                            budgetExhausted: shrunk?.result.budgetExhausted, scenario: shrunk?.scenario, path: shrunk?.path,
                            replay: shrunk?.replay, replayFailsTheSame: shrunk?.replayFailsTheSame)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }
}
