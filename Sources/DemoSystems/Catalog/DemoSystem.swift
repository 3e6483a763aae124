import ServiceMesh
import Telemetry

/// One of meshtop's example systems: its services on a ``Mesh`` with their policies, the traffic
/// that exercises them, the work it does in the background, and the invariants a finished run
/// must hold.
///
/// A ``SystemRun`` runs any system the same way, so the dashboard, `meshtop demo SYSTEM
/// --headless`, `meshtop snapshot SYSTEM` and scenarios work on each one unchanged. Adding a system
/// is a folder with a type conforming to this protocol, a line in ``DemoSystemCatalog/all`` and its
/// scenarios in `demo/SYSTEM/`.
public protocol DemoSystem: AnyObject, Sendable {
    /// What the catalog and `meshtop systems` say about the system.
    static var profile: SystemProfile { get }

    /// The system built on `clock`, every random choice drawn from `seed`.
    ///
    /// - Parameter time: where spans and events read their timestamps; nil reads `clock` (a
    ///   simulation passes a time source with a fixed origin).
    static func make<C: Clock>(clock: C, seed: UInt64, time: TimeSource?) -> Self where C.Duration == Duration

    var mesh: Mesh { get }

    /// How often each of the system's request kinds is sent.
    var trafficMix: TrafficMix { get }

    /// Sends one arrival's request (from outside the system, through its gateway). `index` is the
    /// request's position in the run: per-request randomness must come from it, not from which
    /// task runs first.
    @discardableResult
    func send(_ kind: RequestKind, index: Int) async -> Response

    /// The system's own long-running work besides the mesh's (queues, simulated movement), until
    /// the calling task is cancelled. ``SystemRun`` runs it next to the mesh runtime.
    func runBackgroundWork<C: Clock>(clock: C) async where C.Duration == Duration

    /// Ends a run so its invariants can be checked: lifts faults and lets queued work finish, for
    /// at most `timeout`; whatever is still unfinished then is ended the system's way (cancelled,
    /// refunded), so nothing is left in flight.
    func settle<C: Clock>(clock: C, timeout: Duration) async where C.Duration == Duration

    /// Every invariant violation in the system's current state; empty when all hold. Called once
    /// the run has settled.
    func checkInvariants() -> [Violation]

    /// The system's own counters for the report's `domain` object (homepages served, rides
    /// accepted…), read from its services' state.
    func domainFigures() -> DomainFigures

    /// Applies a scheduled fault change to one of ``SystemProfile/faultTargets``. The default sets
    /// it on the mesh's transport (a service or an instance); a system whose profile lists
    /// ``SystemProfile/modules`` enacts those itself.
    func apply(_ change: ScheduledFault)
}

extension DemoSystem {
    /// Applies a scheduled fault change, logged as a manual action with the change's origin.
    public func apply(_ change: ScheduledFault) {
        try? mesh.perform(.setFault(service: change.service, fault: change.fault), origin: change.origin)
    }

    /// Lifts every injected fault, on services and on single instances, each logged as the run's
    /// own action: the first step of settling.
    public func liftFaults() {
        let faulted = mesh.serviceNames.filter { mesh.transport.fault(service: $0) != .none } + mesh.transport.instancesWithFaults
        for target in faulted {
            try? mesh.perform(.setFault(service: target, fault: .none), origin: .run)
        }
    }
}

/// A system's entry in the catalog.
public struct SystemProfile: Sendable, Equatable {
    /// What `meshtop demo SYSTEM` takes, and the mesh's name.
    public var name: String
    /// One line: the real-world shape it imitates and what it shows.
    public var summary: String
    /// Its services, the gateway first.
    public var services: [String]
    /// How many instances each service runs; a service not listed runs one.
    public var instances: [String: Int]
    /// The invariants its ``DemoSystem/checkInvariants()`` checks, by name.
    public var invariants: [Invariant]
    /// Parts inside a service that a fault may name on their own (the monolith's modules,
    /// `payment-module`); the system's ``DemoSystem/apply(_:)`` enacts them. Most systems have none.
    public var modules: [String]
    /// Components this system names otherwise than ``componentName(ofService:)`` derives, or adds
    /// (`payment` → `payment-module`), by component name. See ``components``.
    public var componentTargets: [String: String]

    public init(name: String, summary: String, services: [String], instances: [String: Int] = [:], invariants: [Invariant],
                modules: [String] = [], componentTargets: [String: String] = [:]) {
        self.name = name
        self.summary = summary
        self.services = services
        self.instances = instances
        self.invariants = invariants
        self.modules = modules
        self.componentTargets = componentTargets
    }

    /// A part of a system's domain as every system calls it (`payment`), and the fault target that
    /// stands for it in this system (`payment-service` in the storefront, `payment-module` in the
    /// monolith): what `meshtop compare` maps a `--fault` through.
    public struct Component: Sendable, Equatable {
        public var name: String
        public var target: String

        public init(name: String, target: String) {
            self.name = name
            self.target = target
        }
    }

    /// Every component of the system: one per service, named by ``componentName(ofService:)``
    /// (`payment-service` → `payment`, `gateway` → `gateway`), in service order, then
    /// ``componentTargets`` by name, each replacing a derived one of the same name. So a system
    /// whose services end in `-service` needs to write nothing out.
    public var components: [Component] {
        var list: [Component] = []
        for service in services {
            let name = Self.componentName(ofService: service)
            if !list.contains(where: { $0.name == name }) { list.append(Component(name: name, target: service)) }
        }
        for (name, target) in componentTargets.sorted(by: { $0.key < $1.key }) {
            if let index = list.firstIndex(where: { $0.name == name }) {
                list[index].target = target
            } else {
                list.append(Component(name: name, target: target))
            }
        }
        return list
    }

    /// The fault target standing for `component` in this system; nil when it has no such component.
    public func target(ofComponent component: String) -> String? {
        components.first { $0.name == component }?.target
    }

    /// The component name a service stands for: its name without a trailing `-service`
    /// (`payment-service` → `payment`); a name without that suffix stands for itself.
    public static func componentName(ofService service: String) -> String {
        let suffix = "-service"
        guard service.hasSuffix(suffix), service.count > suffix.count else { return service }
        return String(service.dropLast(suffix.count))
    }

    /// How many instances `service` runs.
    public func instanceCount(of service: String) -> Int {
        instances[service] ?? 1
    }

    /// Deploys each of `services` on `mesh` with as many instances as this profile gives it.
    public func deploy(_ services: [any MeshService], on mesh: Mesh) {
        for service in services {
            mesh.deploy(service, instances: instanceCount(of: service.name))
        }
    }

    /// What `--fault` and scenario files may name: every service, its ``modules``, then each
    /// instance of a service that runs more than one (`content-service-1`: the mesh numbers
    /// instances from 1).
    public var faultTargets: [String] {
        services + modules + services.flatMap { service in
            let count = instanceCount(of: service)
            return count > 1 ? (1...count).map { "\(service)-\($0)" } : []
        }
    }
}

/// A system's own figures for a report, in the order the system lists them; the JSON report
/// writes them as one object (`"domain": {"homepages": 1200, "surgeRatioMax": 1.8}`).
public struct DomainFigures: Sendable, Equatable, Codable {
    /// One figure: a count or a measured ratio.
    public enum Value: Sendable, Equatable {
        case count(Int)
        case ratio(Double)
    }

    public private(set) var entries: [(name: String, value: Value)] = []

    public init() {}

    public init(_ entries: KeyValuePairs<String, Value>) {
        for (name, value) in entries { self[name] = value }
    }

    /// The figure named `name`; setting one that exists replaces it in place.
    public subscript(name: String) -> Value? {
        get { entries.first { $0.name == name }?.value }
        set {
            let index = entries.firstIndex { $0.name == name }
            switch (index, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append((name, value))
            case (nil, nil): break
            }
        }
    }

    /// The count named `name`, 0 when there is none (or it is a ratio).
    public func count(_ name: String) -> Int {
        if case .count(let value)? = self[name] { return value }
        return 0
    }

    public static func == (lhs: DomainFigures, rhs: DomainFigures) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.name == $1.name && $0.value == $1.value }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, value) in entries {
            switch value {
            case .count(let count): try container.encode(count, forKey: Key(stringValue: name))
            case .ratio(let ratio): try container.encode(ratio, forKey: Key(stringValue: name))
            }
        }
    }

    /// Decoding cannot tell a ratio that happens to be whole from a count: whole numbers come back
    /// as counts, in name order (JSON objects have none of their own).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            if let count = try? container.decode(Int.self, forKey: key) {
                self[key.stringValue] = .count(count)
            } else {
                self[key.stringValue] = .ratio(try container.decode(Double.self, forKey: key))
            }
        }
    }
}
