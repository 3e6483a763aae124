#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `meshtop sim`'s options exactly as typed (strings, nil when not given), before validation.
///
/// The executable fills it from swift-argument-parser; tests fill it directly. ``SimOptions``
/// validates it.
public struct SimArguments: Sendable, Equatable {
    public var system: String?
    public var seed: String?
    /// `--seeds A..B`.
    public var seeds: String?
    public var duration: String?
    public var rps: String?
    /// Each `--fault SERVICE=KIND[:VALUE]`, in order.
    public var faults: [String]
    /// `--faults swarm|none|FILE`.
    public var faultSource: String?
    public var shrink: Bool
    public var shrinkOut: String?
    /// `--at T`.
    public var at: String?
    /// `--planted-bug skip-refund:N` (hidden; for tests of the simulator).
    public var plantedBug: String?
    public var json: Bool
    /// `--sample RATIO`.
    public var sample: String?
    /// `--dashboard`: watch the run on the dashboard, with time controls.
    public var dashboard: Bool = false

    public init(system: String? = nil, seed: String? = nil, seeds: String? = nil, duration: String? = nil, rps: String? = nil,
                faults: [String] = [], faultSource: String? = nil, shrink: Bool = false, shrinkOut: String? = nil,
                at: String? = nil, plantedBug: String? = nil, json: Bool = false, sample: String? = nil) {
        self.system = system
        self.seed = seed
        self.seeds = seeds
        self.duration = duration
        self.rps = rps
        self.faults = faults
        self.faultSource = faultSource
        self.shrink = shrink
        self.shrinkOut = shrinkOut
        self.at = at
        self.plantedBug = plantedBug
        self.json = json
        self.sample = sample
    }
}

/// A validated `meshtop sim` run: which system, from which seed (or seeds), for how long, with
/// which faults, and what to do with it (report, sweep, shrink, snapshot).
///
/// Faults: `--faults swarm` (the default when neither `--faults` nor `--fault` is given) draws a
/// schedule from the seed (``SwarmFaults``); `--faults FILE` plays a scenario file, whose rate,
/// duration and seed apply where the command line gives none; `--faults none` plays nothing but
/// the `--fault`s, which apply from 0 s after the schedule's changes at 0 s.
public struct SimOptions: Sendable, Equatable {
    /// Where the run's scheduled faults come from.
    public enum FaultPlan: Sendable, Equatable {
        case none
        /// Drawn from the seed by ``SwarmFaults``.
        case swarm
        /// A scenario file: its path as given, and what it holds.
        case scenario(path: String, Scenario)
    }

    public var system: String
    public var seed: UInt64
    /// True when no `--seed` was given and the seed was drawn at random (it is printed first then).
    public var seedWasDrawn: Bool
    /// `--seeds A..B`: every seed from A to B, each its own run; nil for one run.
    public var seeds: ClosedRange<UInt64>?
    public var duration: Duration
    public var rps: Double
    public var faultPlan: FaultPlan
    /// The `--fault`s, at 0 s with origin `cli`.
    public var flaggedFaults: [ScheduledFault]
    /// The schedule's changes (swarm's or the file's) and then the `--fault`s.
    public private(set) var faults: FaultTimeline
    /// The arguments that select faults, as typed, for the replay command.
    public var faultArguments: [String]
    public var faultSource: String?
    /// `--shrink`: reduce this seed's failing schedule and write it as a scenario file.
    public var shrink: Bool
    /// Where `--shrink` writes the scenario; nil: ``defaultShrinkPath``.
    public var shrinkOut: String?
    /// `--at T`: print the snapshot at this virtual time instead of a report.
    public var at: Duration?
    public var plantedBug: PlantedBug?
    public var json: Bool
    /// `--dashboard`: the run on the dashboard, paced against real time, instead of a report only.
    public var dashboard: Bool
    /// What faults may name: the system's targets (or what the caller passed).
    public var faultTargets: [String]
    /// The share of traces head-sampled, 0…1 (`--sample`).
    public var sampleRatio: Double

    public static let defaultDuration = Duration.seconds(3600)
    public static let defaultRPS: Double = 200

    /// Validates `arguments`; the first problem found is thrown.
    ///
    /// - Parameters:
    ///   - drawSeed: the seed when neither `--seed` nor `--seeds` is given (the executable reads
    ///     global randomness here, and nowhere else).
    ///   - knownServices: the services `--fault` and the scenario may name; nil takes the system's.
    ///   - loadScenario: reads a scenario file for `--faults FILE` (tests pass their own).
    /// - Throws: ``DemoOptionsError`` naming the option, the bad value and what is accepted.
    public init(
        validating arguments: SimArguments,
        drawSeed: () -> UInt64,
        knownServices: [String]? = nil,
        loadScenario: (String) throws(ScenarioError) -> Scenario = { path throws(ScenarioError) in try Scenario.load(path: path) }
    ) throws(DemoOptionsError) {
        let demoSystem = try DemoOptions.parseSystem(arguments.system)
        system = demoSystem.profile.name
        let knownServices = knownServices ?? demoSystem.profile.faultTargets
        faultTargets = knownServices

        // The scenario first: its seed, duration and rate are the defaults the flags override.
        let faultSourceText = arguments.faultSource ?? (arguments.faults.isEmpty ? "swarm" : "none")
        var scenario: Scenario?
        switch faultSourceText {
        case "none":
            faultPlan = .none
        case "swarm":
            faultPlan = .swarm
        case let path:
            do {
                let loaded = try loadScenario(path)
                try loaded.validate(file: path, knownServices: knownServices)
                scenario = loaded
                faultPlan = .scenario(path: path, loaded)
            } catch {
                throw DemoOptionsError(option: "--faults", message: "\(error.description) (expected swarm, none or a scenario file)")
            }
        }

        if let text = arguments.seeds {
            guard arguments.seed == nil else {
                throw DemoOptionsError(option: "--seeds", message: "--seed and --seeds were both given; expected one seed (--seed N) or a range (--seeds A..B)")
            }
            let range = try Self.parseSeedRange(text)
            seeds = range
            seed = range.lowerBound
            seedWasDrawn = false
        } else if let text = arguments.seed {
            seeds = nil
            seed = try DemoOptions.parseSeed(text)
            seedWasDrawn = false
        } else if let fileSeed = scenario?.seed {
            seeds = nil
            seed = fileSeed
            seedWasDrawn = false
        } else {
            seeds = nil
            seed = drawSeed()
            seedWasDrawn = true
        }
        if let text = arguments.duration {
            let value: Duration
            do {
                value = try DurationParser.parse(text)
            } catch {
                throw DemoOptionsError(option: "--duration", message: error.description)
            }
            guard value > .zero else {
                throw DemoOptionsError(option: "--duration", message: "invalid duration \"\(text)\": expected more than 0s of virtual time")
            }
            duration = value
        } else {
            duration = scenario?.duration ?? Self.defaultDuration
        }
        if let scenario, arguments.duration != nil, case .scenario(let path, _) = faultPlan {
            do {
                try scenario.validate(file: path, knownServices: knownServices, duration: duration)
            } catch {
                throw DemoOptionsError(option: "--faults", message: error.description)
            }
        }
        rps = try arguments.rps.map { text throws(DemoOptionsError) in try DemoOptions.parseRPS(text) } ?? scenario?.rps ?? Self.defaultRPS
        flaggedFaults = try DemoOptions.parseFaults(arguments.faults, knownServices: knownServices).changes
        faultArguments = arguments.faults
        faultSource = arguments.faultSource

        shrink = arguments.shrink
        shrinkOut = arguments.shrinkOut
        if let path = shrinkOut {
            guard shrink else {
                throw DemoOptionsError(option: "--shrink-out", message: "\"\(path)\" was given without --shrink; expected --shrink --shrink-out FILE")
            }
            guard !path.isEmpty else {
                throw DemoOptionsError(option: "--shrink-out", message: "the file name is empty; expected a path to a scenario file to write")
            }
            if DemoOptions.pathKindOnDisk(path) == .directory {
                throw DemoOptionsError(option: "--shrink-out", message: "\(path) is a directory; expected a path to a scenario file to write")
            }
        }
        if shrink, let text = arguments.seeds {
            throw DemoOptionsError(option: "--shrink", message: "--shrink takes one seed, not the range \"\(text)\"; expected --seed N --shrink (a failing seed a --seeds sweep listed)")
        }
        dashboard = arguments.dashboard
        if dashboard {
            let others = [(arguments.json, "--json"), (arguments.seeds != nil, "--seeds"), (shrink, "--shrink"), (arguments.at != nil, "--at")]
                .filter(\.0).map(\.1)
            if !others.isEmpty {
                throw DemoOptionsError(option: "--dashboard", message: "it watches one run on the terminal and cannot be combined with "
                    + others.joined(separator: ", ") + "; expected --dashboard with one seed (its time controls go to any moment: t, v)")
            }
        }

        if let text = arguments.at {
            let value: Duration
            do {
                value = try DurationParser.parse(text)
            } catch {
                throw DemoOptionsError(option: "--at", message: "\(error.description); expected a virtual time from 0s to the run's duration")
            }
            guard value >= .zero, value <= duration else {
                throw DemoOptionsError(option: "--at", message: "invalid time \"\(text)\": expected a virtual time from 0s to the run's duration (\(DurationParser.format(duration)))")
            }
            guard arguments.json else {
                throw DemoOptionsError(option: "--at", message: "--at prints the system's snapshot as JSON; expected --json with it")
            }
            guard arguments.seeds == nil, !shrink else {
                throw DemoOptionsError(option: "--at", message: "--at takes a snapshot of one run; expected it without --seeds and --shrink")
            }
            at = value
        } else {
            at = nil
        }
        plantedBug = try arguments.plantedBug.map { text throws(DemoOptionsError) in try PlantedBug.parse(text) }
        json = arguments.json
        sampleRatio = try arguments.sample.map { text throws(DemoOptionsError) in try DemoOptions.parseSampleRatio(text) } ?? 1
        faults = FaultTimeline([])
        faults = timeline()
    }

    /// The range `A..B` (both included, A ≤ B), each a whole number from 0 to 2⁶⁴ − 1.
    public static func parseSeedRange(_ text: String) throws(DemoOptionsError) -> ClosedRange<UInt64> {
        let accepted = "expected A..B, two whole numbers from 0 to \(UInt64.max) with A ≤ B (such as 1..100)"
        let trimmed = text.trimmingSpaces
        guard let dots = trimmed.range(of: "..") else {
            throw DemoOptionsError(option: "--seeds", message: "invalid seed range \"\(text)\": no \"..\" between the first and last seed; \(accepted)")
        }
        let lowerText = String(trimmed[..<dots.lowerBound]).trimmingSpaces, upperText = String(trimmed[dots.upperBound...]).trimmingSpaces
        guard let lower = UInt64(lowerText), let upper = UInt64(upperText) else {
            let bad = UInt64(lowerText) == nil ? lowerText : upperText
            throw DemoOptionsError(option: "--seeds", message: "invalid seed range \"\(text)\": \"\(bad)\" is not a seed; \(accepted)")
        }
        guard lower <= upper else {
            throw DemoOptionsError(option: "--seeds", message: "invalid seed range \"\(text)\": it runs backwards (\(lower) > \(upper)); \(accepted)")
        }
        return lower...upper
    }

    /// The schedule swarm draws for this seed, as a scenario; nil unless the faults are swarm's.
    public var swarmScenario: Scenario? {
        guard faultPlan == .swarm else { return nil }
        return SwarmFaults.scenario(system: system, seed: seed, targets: faultTargets, entry: demoSystem.profile.services.first, rps: rps, duration: duration)
    }

    /// The run's faults as episodes, with its rate and duration: what `--shrink` reduces.
    public var schedule: FaultSchedule {
        FaultSchedule(rps: rps, duration: duration, changes: faults.changes)
    }

    /// The same options for another seed (swarm draws that seed's schedule): one run of a sweep.
    public func withSeed(_ seed: UInt64) -> SimOptions {
        var options = self
        options.seed = seed
        options.seedWasDrawn = false
        options.seeds = nil
        options.faults = options.timeline()
        return options
    }

    /// The same seed with `schedule` as its faults, rate and duration (the `--fault`s are part of
    /// it already): one candidate of a shrink. `source` names the file it will be written to.
    public func withSchedule(_ schedule: FaultSchedule, writtenTo source: String) -> SimOptions {
        var options = self
        options.rps = schedule.rps
        options.duration = schedule.duration
        options.faultPlan = .scenario(path: source, schedule.scenario(name: "candidate", description: nil, seed: seed))
        options.faultSource = source
        options.flaggedFaults = []
        options.faultArguments = []
        options.shrink = false
        options.faults = options.timeline()
        return options
    }

    private func timeline() -> FaultTimeline {
        let scheduled: [ScheduledFault] = switch faultPlan {
        case .none: []
        case .swarm: swarmScenario?.faults ?? []
        case .scenario(_, let scenario): scenario.faults
        }
        return FaultTimeline(scheduled + flaggedFaults)
    }

    /// Where `--shrink` writes when no `--shrink-out` is given: in the working directory.
    public var defaultShrinkPath: String { "\(system)-seed-\(seed)-shrunk.json" }

    /// The system this run is of.
    public var demoSystem: any DemoSystem.Type {
        DemoSystemCatalog.validated(system)
    }

    /// The command that replays this run exactly (the seed always written out).
    public var replayCommand: String {
        var words = ["meshtop", "sim", system, "--seed", String(seed), "--duration", DurationParser.format(duration)]
        if rps != Self.defaultRPS { words += ["--rps", Self.formatRPS(rps)] }
        for fault in faultArguments { words += ["--fault", Self.quoted(fault)] }
        if let faultSource { words += ["--faults", Self.quoted(faultSource)] }
        if let plantedBug { words += ["--planted-bug", plantedBug.description] }
        if sampleRatio != 1 { words += ["--sample", String(sampleRatio)] }
        return words.joined(separator: " ")
    }

    private static func formatRPS(_ rps: Double) -> String {
        rps == rps.rounded() ? String(Int(rps)) : String(rps)
    }

    /// A shell word: as is when it is plain, in single quotes otherwise.
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_=:./%,+@".unicodeScalars.contains(scalar)
        }
        if plain { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
