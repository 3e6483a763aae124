/// One log record: what a service logged, when, at which level, and in which trace and span.
///
/// Part of the snapshot schema (`SystemSnapshot.logs`, the JSON of `--json` and of the API):
/// field names are stable. Times are seconds since the system started, from the log store's
/// `TimeSource` (the injected clock), never the wall clock.
public struct LogRecord: Codable, Sendable, Equatable, Identifiable {
    /// Increases by one per record appended to its store, from 1; gaps mean records were dropped.
    public var id: UInt64
    /// When, in seconds since the system started (negative for a record made before: one
    /// received from outside with an older timestamp).
    public var at: Double
    public var level: LogLevel
    /// The service that logged it.
    public var service: String
    public var message: String
    /// The logger's and the call's metadata, flattened to strings.
    public var metadata: [String: String]
    /// The trace the record was logged in (32 lowercase hex digits), when there was one.
    public var traceId: String?
    /// The span the record was logged in (16 lowercase hex digits), when there was one.
    public var spanId: String?

    public init(id: UInt64, at: Double, level: LogLevel, service: String, message: String,
                metadata: [String: String] = [:], traceId: String? = nil, spanId: String? = nil) {
        self.id = id
        self.at = at
        self.level = level
        self.service = service
        self.message = message
        self.metadata = metadata
        self.traceId = traceId
        self.spanId = spanId
    }
}

/// How severe a log record is: swift-log's seven levels, least severe first (so `<` orders them),
/// with the same names in JSON (`"warning"`).
public enum LogLevel: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case trace, debug, info, notice, warning, error, critical

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .notice: 3
        case .warning: 4
        case .error: 5
        case .critical: 6
        }
    }

    /// The level's name for a column: `TRACE`, `DEBUG`, `INFO`, `NOTICE`, `WARN`, `ERROR`, `CRIT`.
    public var label: String {
        switch self {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "CRIT"
        }
    }
}
