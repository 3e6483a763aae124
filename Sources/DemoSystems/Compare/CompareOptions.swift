#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
import Telemetry
#endif
import Telemetry

/// `meshtop compare A B`'s options exactly as typed (strings, nil when not given), before validation.
public struct CompareArguments: Sendable, Equatable {
    public var systems: [String]
    public var duration: String?
    public var rps: String?
    public var seed: String?
    /// Each `--fault COMPONENT=KIND[:VALUE]`, in order.
    public var faults: [String]
    public var scenario: String?
    public var json: Bool

    public init(systems: [String], duration: String? = nil, rps: String? = nil, seed: String? = nil, faults: [String] = [],
                scenario: String? = nil, json: Bool = false) {
        self.systems = systems
        self.duration = duration
        self.rps = rps
        self.seed = seed
        self.faults = faults
        self.scenario = scenario
        self.json = json
    }
}

/// A validated comparison: two different systems, one rate, duration and seed, and fault changes
/// that name *components* (`payment`), each mapped to what every side calls it.
///
/// Precedence as for `meshtop demo`: a flag beats the scenario file, which beats the default;
/// `--fault`s apply from the start, after the scenario's changes at 0 s.
public struct CompareOptions: Sendable, Equatable {
    /// The two systems' names, in the order given.
    public var systems: [String]
    public var duration: Duration
    public var rps: Double
    public var seed: UInt64
    /// Every fault change, by component: the scenario's, then the `--fault`s (at 0 s).
    public var faults: [ScheduledFault]
    public var scenario: Scenario?
    public var json: Bool

    public static let defaultDuration = Duration.seconds(10)

    public init(systems: [String], duration: Duration = CompareOptions.defaultDuration, rps: Double = DemoOptions.defaultRPS,
                seed: UInt64 = DemoOptions.defaultSeed, faults: [ScheduledFault] = [], scenario: Scenario? = nil, json: Bool = false) {
        self.systems = systems
        self.duration = duration
        self.rps = rps
        self.seed = seed
        self.faults = faults
        self.scenario = scenario
        self.json = json
    }

    /// Validates `arguments`; the first problem found is thrown.
    ///
    /// - Throws: ``CompareOptionsError`` naming the option, the bad value and what exists: an
    ///   unknown system, the same system twice, a fault on a component neither system has.
    public init(
        validating arguments: CompareArguments,
        loadScenario: (String) throws(ScenarioError) -> Scenario = { path throws(ScenarioError) in try Scenario.load(path: path) }
    ) throws(CompareOptionsError) {
        guard arguments.systems.count == 2 else {
            throw CompareOptionsError(option: "SYSTEMS", message: "expected two systems to compare, got \(arguments.systems.count); "
                + "the systems are \(DemoSystemCatalog.names.joined(separator: ", "))")
        }
        var profiles: [SystemProfile] = []
        for name in arguments.systems {
            do {
                profiles.append(try DemoSystemCatalog.system(named: name.trimmingSpaces).profile)
            } catch {
                throw CompareOptionsError(option: "SYSTEMS", message: error.description)
            }
        }
        guard profiles[0].name != profiles[1].name else {
            throw CompareOptionsError(option: "SYSTEMS", message: "\(profiles[0].name) is named twice; expected two different systems, "
                + "e.g. `meshtop compare monolith storefront` (the systems are \(DemoSystemCatalog.names.joined(separator: ", ")))")
        }
        systems = profiles.map(\.name)
        let components = Self.componentNames(of: profiles)
        json = arguments.json

        var scenario: Scenario?
        if let path = arguments.scenario {
            do {
                let loaded = try loadScenario(path)
                try loaded.validate(file: path, knownServices: components)
                scenario = loaded
            } catch {
                throw CompareOptionsError(option: "--scenario", message: error.description + Self.componentHint(profiles))
            }
        }
        self.scenario = scenario

        do {
            duration = try arguments.duration.map { text throws(DemoOptionsError) in try DemoOptions.parseDuration(text) } ?? scenario?.duration ?? Self.defaultDuration
            rps = try arguments.rps.map { text throws(DemoOptionsError) in try DemoOptions.parseRPS(text) } ?? scenario?.rps ?? DemoOptions.defaultRPS
            seed = try arguments.seed.map { text throws(DemoOptionsError) in try DemoOptions.parseSeed(text) } ?? scenario?.seed ?? DemoOptions.defaultSeed
        } catch {
            throw CompareOptionsError(option: error.option, message: error.message)
        }
        if let scenario, arguments.duration != nil, let path = arguments.scenario {
            do {
                try scenario.validate(file: path, knownServices: components, duration: duration)
            } catch {
                throw CompareOptionsError(option: "--scenario", message: error.description)
            }
        }

        var flagged: [ScheduledFault] = []
        for text in arguments.faults {
            let argument: FaultArgument
            do {
                argument = try FaultArgument.parse(text)
            } catch {
                throw CompareOptionsError(option: "--fault", message: error.description)
            }
            guard components.contains(argument.service) else {
                throw CompareOptionsError(option: "--fault", message: "invalid fault \"\(text)\": neither \(systems[0]) nor \(systems[1]) has a component \"\(argument.service)\"; "
                    + "expected COMPONENT=KIND[:VALUE] with COMPONENT one of \(components.joined(separator: ", "))" + Self.componentHint(profiles))
            }
            guard !flagged.contains(where: { $0.service == argument.service }) else {
                throw CompareOptionsError(option: "--fault", message: "\(argument.service) is given more than once; expected at most one --fault per component")
            }
            flagged.append(ScheduledFault(at: .zero, service: argument.service, fault: argument.fault, origin: .cli))
        }
        faults = (scenario?.faults ?? []) + flagged
    }

    /// Every component either system has, the first system's first.
    static func componentNames(of profiles: [SystemProfile]) -> [String] {
        var names: [String] = []
        for profile in profiles {
            for component in profile.components where !names.contains(component.name) { names.append(component.name) }
        }
        return names
    }

    /// "; monolith has gateway, shop, user, …; storefront has gateway, user, …": what each side calls a component.
    static func componentHint(_ profiles: [SystemProfile]) -> String {
        " (" + profiles.map { "\($0.name) has \($0.components.map(\.name).joined(separator: ", "))" }.joined(separator: "; ") + ")"
    }

    /// The profiles of the two systems.
    public var profiles: [SystemProfile] {
        systems.map { DemoSystemCatalog.validated($0).profile }
    }

    /// Each fault change with what it becomes on every side: the target there, or nil where that
    /// system has no such component (the change is not applied there, and the table says so).
    public var mappedFaults: [MappedFault] {
        let profiles = profiles
        return faults.map { change in
            MappedFault(at: change.at, component: change.service, fault: change.fault,
                        targets: profiles.map { MappedFault.Target(system: $0.name, target: $0.target(ofComponent: change.service)) })
        }
    }

    /// The plan each side runs: the same rate, duration and seed, the faults mapped to its own targets.
    public var sidePlans: [CompareSidePlan] {
        let mapped = mappedFaults
        return systems.enumerated().map { index, system in
            let faults = mapped.compactMap { fault -> ScheduledFault? in
                fault.targets[index].target.map { ScheduledFault(at: fault.at, service: $0, fault: fault.fault, origin: fault.at == .zero ? .cli : .scenario) }
            }
            return CompareSidePlan(system: system, duration: duration, rps: rps, seed: seed, faults: faults)
        }
    }
}

/// A fault change on a component, and what it names on each side.
public struct MappedFault: Sendable, Equatable, Codable {
    public struct Target: Sendable, Equatable, Codable {
        public var system: String
        /// What the component is called there; nil when that system has no such component.
        public var target: String?

        public init(system: String, target: String?) {
            self.system = system
            self.target = target
        }

        private enum CodingKeys: String, CodingKey { case system, target }

        // Written by hand so a side without the component is an explicit null, not a missing key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(system, forKey: .system)
            try container.encode(target, forKey: .target)
        }
    }

    public var at: Duration
    public var component: String
    public var fault: FaultSpec
    public var targets: [Target]

    /// True when some side has no such component (the change is applied only where it exists).
    public var isOneSided: Bool { targets.contains { $0.target == nil } }

    private enum CodingKeys: String, CodingKey { case atSeconds, component, fault, targets }

    public init(at: Duration, component: String, fault: FaultSpec, targets: [Target]) {
        self.at = at
        self.component = component
        self.fault = fault
        self.targets = targets
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        at = Duration(saturatingSeconds: try container.decode(Double.self, forKey: .atSeconds))
        component = try container.decode(String.self, forKey: .component)
        fault = try FaultArgument.parseFault(try container.decode(String.self, forKey: .fault))
        targets = try container.decode([Target].self, forKey: .targets)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at.seconds, forKey: .atSeconds)
        try container.encode(component, forKey: .component)
        try container.encode(FaultArgument.format(fault), forKey: .fault)
        try container.encode(targets, forKey: .targets)
    }
}

/// A `meshtop compare` option that cannot be used: exit status 2, nothing ran. The same shape as
/// `demo`'s: the option as typed and what was wrong with it.
public typealias CompareOptionsError = DemoOptionsError
