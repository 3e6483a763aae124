#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Telemetry

/// `meshtop demo`'s options exactly as typed (strings, nil when not given), before validation.
///
/// The executable fills it from swift-argument-parser; tests fill it directly. ``DemoOptions``
/// validates it.
public struct DemoArguments: Sendable, Equatable {
    /// The system to run, as typed; nil runs the catalog's default.
    public var system: String?
    public var headless: Bool
    public var duration: String?
    public var rps: String?
    public var seed: String?
    /// Each `--fault SERVICE=KIND[:VALUE]`, in order.
    public var faults: [String]
    public var scenario: String?
    public var json: Bool
    public var prometheusOut: String?
    public var refreshMs: String?
    /// `--sample RATIO`.
    public var sample: String?

    public init(
        system: String? = nil,
        headless: Bool = false,
        duration: String? = nil,
        rps: String? = nil,
        seed: String? = nil,
        faults: [String] = [],
        scenario: String? = nil,
        json: Bool = false,
        prometheusOut: String? = nil,
        refreshMs: String? = nil,
        sample: String? = nil
    ) {
        self.system = system
        self.headless = headless
        self.duration = duration
        self.rps = rps
        self.seed = seed
        self.faults = faults
        self.scenario = scenario
        self.json = json
        self.prometheusOut = prometheusOut
        self.refreshMs = refreshMs
        self.sample = sample
    }
}

/// A validated `meshtop demo` run: everything checked up front, before anything starts.
///
/// Precedence: a flag given on the command line beats the scenario file, which beats the default.
/// `--fault`s apply from the start, after the scenario's changes at 0 s (so a flag overrides the file).
public struct DemoOptions: Sendable, Equatable {
    /// The system's name, one of ``DemoSystemCatalog/names``.
    public var systemName: String
    public var headless: Bool
    public var duration: Duration
    public var rps: Double
    public var seed: UInt64
    /// Every fault change of the run: the scenario's and the `--fault`s (at 0 s).
    public var faults: FaultTimeline
    /// The scenario played, if one was given.
    public var scenario: Scenario?
    /// Print the headless report as JSON instead of text.
    public var json: Bool
    /// Where to write the Prometheus exposition at the end of a headless run.
    public var prometheusOutputPath: String?
    /// How often the dashboard redraws.
    public var refreshInterval: Duration
    /// The share of traces head-sampled, 0…1 (`--sample`); errors and slow traces are kept whatever it is.
    public var sampleRatio: Double

    public static let defaultDuration = Duration.seconds(10)
    public static let defaultRPS: Double = 200
    public static let defaultSeed: UInt64 = 42
    public static let defaultRefreshMilliseconds = 250
    public static let maximumDuration = Duration.seconds(24 * 3600)
    public static let refreshMillisecondsRange = 10...10_000

    public init(
        system: String = DemoSystemCatalog.defaultSystem.profile.name,
        headless: Bool,
        duration: Duration = DemoOptions.defaultDuration,
        rps: Double = DemoOptions.defaultRPS,
        seed: UInt64 = DemoOptions.defaultSeed,
        faults: FaultTimeline = FaultTimeline([]),
        scenario: Scenario? = nil,
        json: Bool = false,
        prometheusOutputPath: String? = nil,
        refreshInterval: Duration = .milliseconds(DemoOptions.defaultRefreshMilliseconds),
        sampleRatio: Double = 1
    ) {
        systemName = system
        self.headless = headless
        self.duration = duration
        self.rps = rps
        self.seed = seed
        self.faults = faults
        self.scenario = scenario
        self.json = json
        self.prometheusOutputPath = prometheusOutputPath
        self.refreshInterval = refreshInterval
        self.sampleRatio = sampleRatio
    }

    /// What a path on disk is, for checking `--prometheus-out` before the run.
    public enum PathKind: Sendable {
        case missing, file, directory
    }

    /// Validates `arguments`; the first problem found is thrown.
    ///
    /// - Parameters:
    ///   - knownServices: the services `--fault` and the scenario may name; nil takes the system's.
    ///   - loadScenario: reads a scenario file (tests pass their own).
    ///   - pathKind: what is at a path (tests pass their own).
    /// - Throws: ``DemoOptionsError`` naming the option, the bad value and what is accepted.
    public init(
        validating arguments: DemoArguments,
        knownServices: [String]? = nil,
        loadScenario: (String) throws(ScenarioError) -> Scenario = { path throws(ScenarioError) in try Scenario.load(path: path) },
        pathKind: (String) -> PathKind = DemoOptions.pathKindOnDisk
    ) throws(DemoOptionsError) {
        let system = try Self.parseSystem(arguments.system)
        systemName = system.profile.name
        let knownServices = knownServices ?? system.profile.faultTargets
        headless = arguments.headless
        json = arguments.json

        var scenario: Scenario?
        if let path = arguments.scenario {
            do {
                let loaded = try loadScenario(path)
                try loaded.validate(file: path, knownServices: knownServices)
                scenario = loaded
            } catch {
                throw DemoOptionsError(option: "--scenario", message: error.description)
            }
        }
        self.scenario = scenario

        if let text = arguments.duration {
            duration = try Self.parseDuration(text)
        } else {
            duration = scenario?.duration ?? Self.defaultDuration
        }
        if let text = arguments.rps {
            rps = try Self.parseRPS(text)
        } else {
            rps = scenario?.rps ?? Self.defaultRPS
        }
        if let text = arguments.seed {
            seed = try Self.parseSeed(text)
        } else {
            seed = scenario?.seed ?? Self.defaultSeed
        }

        // A shorter --duration must still cover the scenario's faults — in a headless run; the
        // dashboard's traffic runs until the person quits, so there it does not cut anything.
        if let scenario, arguments.duration != nil, arguments.headless, let path = arguments.scenario {
            do {
                try scenario.validate(file: path, knownServices: knownServices, duration: duration)
            } catch {
                throw DemoOptionsError(option: "--scenario", message: error.description)
            }
        }

        let flagged = try Self.parseFaults(arguments.faults, knownServices: knownServices)
        faults = FaultTimeline((scenario?.faults ?? []) + flagged.changes)

        if json, !headless {
            throw DemoOptionsError(option: "--json", message: "the JSON report is only printed by a headless run; add --headless")
        }
        if let path = arguments.prometheusOut {
            guard headless else {
                throw DemoOptionsError(option: "--prometheus-out", message: "the exposition is only written by a headless run; add --headless")
            }
            try Self.checkOutputPath(path, pathKind: pathKind)
        }
        prometheusOutputPath = arguments.prometheusOut

        if let text = arguments.refreshMs {
            guard let value = Int(text.trimmingSpaces), Self.refreshMillisecondsRange.contains(value) else {
                throw DemoOptionsError(
                    option: "--refresh-ms",
                    message: "invalid refresh interval \"\(text)\"; expected whole milliseconds from \(Self.refreshMillisecondsRange.lowerBound) to \(Self.refreshMillisecondsRange.upperBound)"
                )
            }
            refreshInterval = .milliseconds(value)
        } else {
            refreshInterval = .milliseconds(Self.defaultRefreshMilliseconds)
        }
        sampleRatio = try arguments.sample.map { text throws(DemoOptionsError) in try Self.parseSampleRatio(text) } ?? 1
    }

    /// The system this run is of.
    public var system: any DemoSystem.Type {
        DemoSystemCatalog.validated(systemName)
    }

    /// `SYSTEM`: a name in the catalog; nil is the default system.
    static func parseSystem(_ text: String?) throws(DemoOptionsError) -> any DemoSystem.Type {
        guard let text else { return DemoSystemCatalog.defaultSystem }
        do {
            return try DemoSystemCatalog.system(named: text.trimmingSpaces)
        } catch {
            throw DemoOptionsError(option: "SYSTEM", message: error.description)
        }
    }

    static func parseDuration(_ text: String) throws(DemoOptionsError) -> Duration {
        let value: Duration
        do {
            value = try DurationParser.parse(text)
        } catch {
            throw DemoOptionsError(option: "--duration", message: error.description)
        }
        guard value > .zero, value <= maximumDuration else {
            throw DemoOptionsError(option: "--duration", message: "invalid duration \"\(text)\": expected more than 0s and at most \(DurationParser.format(maximumDuration))")
        }
        return value
    }

    /// `--seed`: a whole number that fits 64 bits.
    static func parseSeed(_ text: String) throws(DemoOptionsError) -> UInt64 {
        guard let value = UInt64(text.trimmingSpaces) else {
            throw DemoOptionsError(option: "--seed", message: "invalid seed \"\(text)\"; expected a whole number from 0 to \(UInt64.max)")
        }
        return value
    }

    /// Each `--fault SERVICE=KIND[:VALUE]`, applied from the start (at 0 s) in the order given,
    /// recorded with origin ``ActionOrigin/cli``.
    static func parseFaults(_ texts: [String], knownServices: [String]) throws(DemoOptionsError) -> FaultTimeline {
        var changes: [ScheduledFault] = []
        var flaggedServices: Set<String> = []
        for text in texts {
            let argument: FaultArgument
            do {
                argument = try FaultArgument.parse(text, knownServices: knownServices)
            } catch {
                throw DemoOptionsError(option: "--fault", message: error.description)
            }
            guard flaggedServices.insert(argument.service).inserted else {
                throw DemoOptionsError(option: "--fault", message: "\(argument.service) is given more than once; expected at most one --fault per service")
            }
            changes.append(ScheduledFault(at: .zero, service: argument.service, fault: argument.fault, origin: .cli))
        }
        return FaultTimeline(changes)
    }

    /// `--sample RATIO`: the share of traces head-sampled, a plain number from 0 to 1 (0.1 keeps
    /// one trace in ten, plus every error and slow trace).
    public static func parseSampleRatio(_ text: String) throws(DemoOptionsError) -> Double {
        let trimmed = text.trimmingSpaces
        let isPlainNumber = !trimmed.isEmpty && trimmed.allSatisfy { $0.isASCIIDigit || $0 == "." } && trimmed.filter { $0 == "." }.count <= 1
        guard isPlainNumber, let value = Double(trimmed), (0...1).contains(value) else {
            throw DemoOptionsError(option: "--sample", message: "invalid sample ratio \"\(text)\"; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)")
        }
        return value
    }

    /// `--rps`: a plain positive number up to the scenario maximum.
    static func parseRPS(_ text: String) throws(DemoOptionsError) -> Double {
        let trimmed = text.trimmingSpaces
        let isPlainNumber = !trimmed.isEmpty && trimmed.allSatisfy { $0.isASCIIDigit || $0 == "." } && trimmed.filter { $0 == "." }.count <= 1
        guard isPlainNumber, let value = Double(trimmed), value > 0, value <= Scenario.maximumRPS else {
            throw DemoOptionsError(option: "--rps", message: "invalid rate \"\(text)\"; expected requests per second, a number greater than 0 and at most \(Int(Scenario.maximumRPS))")
        }
        return value
    }

    private static func checkOutputPath(_ path: String, pathKind: (String) -> PathKind) throws(DemoOptionsError) {
        guard !path.isEmpty else {
            throw DemoOptionsError(option: "--prometheus-out", message: "the file name is empty; expected a path to a file to write")
        }
        if pathKind(path) == .directory {
            throw DemoOptionsError(option: "--prometheus-out", message: "\(path) is a directory; expected a path to a file to write")
        }
        let parent = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let directory = parent.isEmpty ? "/" : parent
        guard pathKind(directory) == .directory else {
            throw DemoOptionsError(option: "--prometheus-out", message: "the directory \(directory) does not exist; expected a path to a file in an existing directory")
        }
    }

    /// What is at `path` on the local file system.
    @Sendable public static func pathKindOnDisk(_ path: String) -> PathKind {
        #if canImport(Darwin)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory.boolValue ? .directory : .file
        #else
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory ? .directory : .file
        #endif
    }
}

/// A `meshtop demo` option that cannot be used: the option and a message naming the bad value and what is accepted.
public struct DemoOptionsError: Error, Equatable, CustomStringConvertible {
    /// The option as typed on the command line (`--duration`).
    public var option: String
    public var message: String

    public init(option: String, message: String) {
        self.option = option
        self.message = message
    }

    public var description: String { "\(option): \(message)" }
}
