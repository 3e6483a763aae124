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
    public var duration: String?
    public var rps: String?
    /// Each `--fault SERVICE=KIND[:VALUE]`, in order.
    public var faults: [String]
    /// `--faults none|FILE`.
    public var faultSource: String?
    public var json: Bool

    public init(system: String? = nil, seed: String? = nil, duration: String? = nil, rps: String? = nil,
                faults: [String] = [], faultSource: String? = nil, json: Bool = false) {
        self.system = system
        self.seed = seed
        self.duration = duration
        self.rps = rps
        self.faults = faults
        self.faultSource = faultSource
        self.json = json
    }
}

/// A validated `meshtop sim` run: which system, from which seed, for how long, with which faults.
public struct SimOptions: Sendable, Equatable {
    public var system: String
    public var seed: UInt64
    /// True when no `--seed` was given and the seed was drawn at random (it is printed first then).
    public var seedWasDrawn: Bool
    public var duration: Duration
    public var rps: Double
    /// The scenario file's changes (with `--faults FILE`) and the `--fault`s at 0 s, origin `cli`.
    public var faults: FaultTimeline
    /// The arguments that select faults, as typed, for the replay command.
    public var faultArguments: [String]
    public var faultSource: String?
    public var json: Bool

    public static let defaultDuration = Duration.seconds(3600)
    public static let defaultRPS: Double = 200

    /// Validates `arguments`; the first problem found is thrown.
    ///
    /// - Parameters:
    ///   - drawSeed: the seed when `--seed` is not given (the executable reads global randomness
    ///     here, and nowhere else).
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
        if let text = arguments.seed {
            seed = try DemoOptions.parseSeed(text)
            seedWasDrawn = false
        } else {
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
            duration = Self.defaultDuration
        }
        rps = try arguments.rps.map { text throws(DemoOptionsError) in try DemoOptions.parseRPS(text) } ?? Self.defaultRPS

        var scheduled: [ScheduledFault] = []
        switch arguments.faultSource {
        case nil, "none":
            break
        case "swarm":
            throw DemoOptionsError(option: "--faults", message: "swarm faults are not available yet; expected none or a scenario file")
        case let path?:
            do {
                let scenario = try loadScenario(path)
                try scenario.validate(file: path, knownServices: knownServices, duration: duration)
                scheduled = scenario.faults
            } catch {
                throw DemoOptionsError(option: "--faults", message: "\(error.description) (expected none or a scenario file; swarm is not available yet)")
            }
        }
        let flagged = try DemoOptions.parseFaults(arguments.faults, knownServices: knownServices)
        faults = FaultTimeline(scheduled + flagged.changes)
        faultArguments = arguments.faults
        faultSource = arguments.faultSource
        json = arguments.json
    }

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
        return words.joined(separator: " ")
    }

    private static func formatRPS(_ rps: Double) -> String {
        rps == rps.rounded() ? String(Int(rps)) : String(rps)
    }

    /// A shell word: as is when it is plain, in single quotes otherwise.
    private static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_=:./%,+@".unicodeScalars.contains(scalar)
        }
        if plain { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
