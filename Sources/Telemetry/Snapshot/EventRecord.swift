/// A notable event in the system: a breaker transition, a manual action, a saga step, a health change.
public struct EventRecord: Codable, Sendable, Equatable, Identifiable {
    /// Increases by one per event logged, from 1; gaps mean events were evicted.
    public var id: UInt64
    /// When, in seconds since the Unix epoch.
    public var at: Double
    /// When, in seconds since the system started.
    public var uptimeSeconds: Double
    /// What emitted it: a breaker id, a service name, a saga id, `dashboard` for a person's action.
    public var source: String
    public var kind: EventKind
    public var message: String
    public var attributes: [String: String]
    /// The trace the event belongs to, when there is one.
    public var traceId: String?

    public init(id: UInt64, at: Double, uptimeSeconds: Double, source: String, kind: EventKind, message: String, attributes: [String: String] = [:], traceId: String? = nil) {
        self.id = id
        self.at = at
        self.uptimeSeconds = uptimeSeconds
        self.source = source
        self.kind = kind
        self.message = message
        self.attributes = attributes
        self.traceId = traceId
    }
}

/// What sort of event it is. Open for extension: new kinds are new static members; the JSON
/// is the raw string, so older readers see unknown kinds as text rather than failing.
public struct EventKind: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static let breakerTransition = EventKind(rawValue: "breakerTransition")
    /// What a metrics-only breaker's policy would have done: would have opened, closed again.
    public static let breakerShadow = EventKind(rawValue: "breakerShadow")
    /// A person's (or a script's) action: trip, force closed, reset, disable, metrics-only, fault set or cleared. The audit trail.
    public static let manualAction = EventKind(rawValue: "manualAction")
    public static let sagaStep = EventKind(rawValue: "sagaStep")
    public static let sagaCompensation = EventKind(rawValue: "sagaCompensation")
    public static let healthChange = EventKind(rawValue: "healthChange")
    public static let fault = EventKind(rawValue: "fault")
    public static let security = EventKind(rawValue: "security")
    public static let deadLetter = EventKind(rawValue: "deadLetter")
    public static let info = EventKind(rawValue: "info")
}
