/// `meshtop snapshot`'s options exactly as typed (strings, nil when not given), before validation.
///
/// The executable fills it from swift-argument-parser; tests fill it directly. ``SnapshotOptions``
/// validates it.
public struct SnapshotArguments: Sendable, Equatable {
    /// The system to run, as typed; nil runs the catalog's default.
    public var system: String?
    public var view: String?
    public var width: String?
    public var height: String?
    public var after: String?
    public var seed: String?
    public var rps: String?
    /// Each `--fault SERVICE=KIND[:VALUE]`, in order.
    public var faults: [String]
    public var json: Bool
    /// `--target NAME`: the service or breaker of `--view service` / `--view breaker`.
    public var target: String?
    /// Each `--trace ID`, in order: the trace of `--view trace`, the two of `--view compare`.
    public var traces: [String]

    public init(
        system: String? = nil,
        view: String? = nil,
        width: String? = nil,
        height: String? = nil,
        after: String? = nil,
        seed: String? = nil,
        rps: String? = nil,
        faults: [String] = [],
        json: Bool = false,
        target: String? = nil,
        traces: [String] = []
    ) {
        self.system = system
        self.target = target
        self.traces = traces
        self.view = view
        self.width = width
        self.height = height
        self.after = after
        self.seed = seed
        self.rps = rps
        self.faults = faults
        self.json = json
    }
}

/// A view `meshtop snapshot` prints: the dashboard's lists, a trace's detail, the topology, a
/// service's or breaker's detail or a route's slowest traces (`--target`), the help, or two
/// traces compared (`--trace` twice).
public enum SnapshotView: String, CaseIterable, Sendable {
    case services, breakers, traces, trace, events, topology, service, breaker, route, help, compare
    /// Manual actions with their origin and measured effect.
    case interventions
    /// What the services logged, newest first.
    case logs

    /// `services, breakers, traces, …`: what error messages list as accepted.
    public static var acceptedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A validated `meshtop snapshot` run: a system under traffic for ``after``, then one view
/// rendered as text at ``width``×``height`` (or, with ``json``, the whole `SystemSnapshot`).
///
/// `--view`, `--width` and `--height` shape the text; with `--json` they mean nothing, so giving
/// them together is an error rather than silently ignored.
public struct SnapshotOptions: Sendable, Equatable {
    /// The system's name, one of ``DemoSystemCatalog/names``.
    public var systemName: String
    public var view: SnapshotView
    public var width: Int
    public var height: Int
    /// How long the system runs under traffic before the snapshot is taken.
    public var after: Duration
    public var seed: UInt64
    public var rps: Double
    /// Faults applied from the start (`--fault`), one per service at most.
    public var faults: FaultTimeline
    /// Print the `SystemSnapshot` as JSON instead of a view.
    public var json: Bool
    /// The service or breaker `--view service` / `--view breaker` shows.
    public var target: String?
    /// The trace `--view trace` shows (else the slowest), or the two `--view compare` shows
    /// (else the slowest and the median one of its operation): 32 lowercase hex digits each.
    public var traces: [String] = []

    public static let defaultView = SnapshotView.services
    public static let defaultWidth = 120
    public static let defaultHeight = 40
    public static let defaultAfter = Duration.seconds(3)
    /// The dashboard's own minimum (below it the dashboard only says "terminal too small") up to
    /// a size no terminal has.
    public static let widthRange = 60...1000
    public static let heightRange = 15...1000
    public static let maximumAfter = Duration.seconds(3600)

    public init(
        system: String = DemoSystemCatalog.defaultSystem.profile.name,
        view: SnapshotView = SnapshotOptions.defaultView,
        width: Int = SnapshotOptions.defaultWidth,
        height: Int = SnapshotOptions.defaultHeight,
        after: Duration = SnapshotOptions.defaultAfter,
        seed: UInt64 = DemoOptions.defaultSeed,
        rps: Double = DemoOptions.defaultRPS,
        faults: FaultTimeline = FaultTimeline([]),
        json: Bool = false,
        target: String? = nil,
        traces: [String] = []
    ) {
        self.target = target
        self.traces = traces
        systemName = system
        self.view = view
        self.width = width
        self.height = height
        self.after = after
        self.seed = seed
        self.rps = rps
        self.faults = faults
        self.json = json
    }

    /// Validates `arguments`; the first problem found is thrown.
    ///
    /// - Parameter knownServices: the services `--fault` may name; nil takes the system's.
    /// - Throws: ``DemoOptionsError`` naming the option, the bad value and what is accepted.
    public init(validating arguments: SnapshotArguments, knownServices: [String]? = nil) throws(DemoOptionsError) {
        let system = try DemoOptions.parseSystem(arguments.system)
        systemName = system.profile.name
        let knownServices = knownServices ?? system.profile.faultTargets
        json = arguments.json
        if json {
            for (option, value) in [("--view", arguments.view), ("--width", arguments.width), ("--height", arguments.height),
                                    ("--target", arguments.target), ("--trace", arguments.traces.first)] where value != nil {
                throw DemoOptionsError(option: option, message: "--json prints the whole snapshot, not a view of it; drop \(option) or --json")
            }
        }

        if let text = arguments.view {
            guard let value = SnapshotView(rawValue: text.trimmingSpaces.lowercased()) else {
                throw DemoOptionsError(option: "--view", message: "unknown view \"\(text)\"; expected one of \(SnapshotView.acceptedNames)")
            }
            view = value
        } else {
            view = Self.defaultView
        }
        (target, traces) = try Self.parseNames(view: view, target: arguments.target, traces: arguments.traces)
        width = try Self.parseSize(arguments.width, option: "--width", what: "columns", range: Self.widthRange) ?? Self.defaultWidth
        height = try Self.parseSize(arguments.height, option: "--height", what: "rows", range: Self.heightRange) ?? Self.defaultHeight

        if let text = arguments.after {
            let value: Duration
            do {
                value = try DurationParser.parse(text)
            } catch {
                throw DemoOptionsError(option: "--after", message: error.description)
            }
            guard value > .zero, value <= Self.maximumAfter else {
                throw DemoOptionsError(option: "--after", message: "invalid duration \"\(text)\": expected more than 0s and at most \(DurationParser.format(Self.maximumAfter))")
            }
            after = value
        } else {
            after = Self.defaultAfter
        }

        if let text = arguments.seed {
            seed = try DemoOptions.parseSeed(text)
        } else {
            seed = DemoOptions.defaultSeed
        }
        if let text = arguments.rps {
            rps = try DemoOptions.parseRPS(text)
        } else {
            rps = DemoOptions.defaultRPS
        }
        faults = try DemoOptions.parseFaults(arguments.faults, knownServices: knownServices)
    }

    /// `--target` and `--trace` against the view: each only where the view uses it, as many as it needs.
    private static func parseNames(view: SnapshotView, target: String?, traces: [String]) throws(DemoOptionsError) -> (String?, [String]) {
        let needsTarget = view == .service || view == .breaker || view == .route
        if needsTarget {
            guard let target, !target.trimmingSpaces.isEmpty else {
                let name = view == .route ? "SERVICE:ROUTE" : "NAME"
                throw DemoOptionsError(option: "--target", message: "--view \(view.rawValue) needs --target \(name): the \(view.rawValue) to show")
            }
            if view == .route, !target.contains(":") {
                throw DemoOptionsError(option: "--target", message: "invalid route \"\(target)\"; expected SERVICE:ROUTE (order-service:POST /orders)")
            }
        } else if let target {
            throw DemoOptionsError(option: "--target", message: "--target \"\(target)\" names the service, breaker or route of --view service, breaker or route, not of --view \(view.rawValue)")
        }
        var ids: [String] = []
        for text in traces {
            let id = text.trimmingSpaces.lowercased()
            guard id.utf8.count == 32, id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
                throw DemoOptionsError(option: "--trace", message: "invalid trace id \"\(text)\"; expected 32 hex digits (the TRACE column of --view traces shows the first 8)")
            }
            ids.append(id)
        }
        switch view {
        case .compare:
            guard ids.count == 2 || ids.isEmpty else {
                throw DemoOptionsError(option: "--trace", message: "--view compare takes two traces, --trace A --trace B, or none (the slowest stored trace and the median one of its operation); got \(ids.count)")
            }
            guard ids.isEmpty || ids[0] != ids[1] else {
                throw DemoOptionsError(option: "--trace", message: "--view compare needs two different traces; both are \(ids[0])")
            }
        case .trace:
            guard ids.count <= 1 else {
                throw DemoOptionsError(option: "--trace", message: "--view trace shows one trace; got \(ids.count) (--view compare shows two)")
            }
        default:
            guard ids.isEmpty else {
                throw DemoOptionsError(option: "--trace", message: "--trace names the trace of --view trace or the two of --view compare, not of --view \(view.rawValue)")
            }
        }
        return (needsTarget ? target?.trimmingSpaces : nil, ids)
    }

    private static func parseSize(_ text: String?, option: String, what: String, range: ClosedRange<Int>) throws(DemoOptionsError) -> Int? {
        guard let text else { return nil }
        guard let value = Int(text.trimmingSpaces), range.contains(value) else {
            throw DemoOptionsError(option: option, message: "invalid size \"\(text)\"; expected a whole number of \(what) from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

extension SnapshotOptions {
    /// The system this snapshot is of.
    public var system: any DemoSystem.Type {
        DemoSystemCatalog.validated(systemName)
    }
}
