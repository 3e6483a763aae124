/// Who carried out a manual action (a trip, a reset, a fault set or cleared): the audit trail's
/// "who did it", shown in the Events view and kept in the event's `origin` attribute.
///
/// Open for extension like ``EventKind``: new origins are new static members, and the JSON is the
/// raw string. A string literal makes one (`"test"`), for callers with an origin of their own.
public struct ActionOrigin: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        rawValue = value
    }

    public var description: String { rawValue }

    /// A person at the dashboard's keyboard.
    public static let dashboard = ActionOrigin(rawValue: "dashboard")
    /// A command-line flag of the run (`--fault`).
    public static let cli = ActionOrigin(rawValue: "cli")
    /// A scenario file's timeline (`--scenario`).
    public static let scenario = ActionOrigin(rawValue: "scenario")
    /// A client of the control API.
    public static let api = ActionOrigin(rawValue: "api")
    /// The run itself, outside anyone's request: lifting faults when a headless run settles.
    public static let run = ActionOrigin(rawValue: "run")
}
