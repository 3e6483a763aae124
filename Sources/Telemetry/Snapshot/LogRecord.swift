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

/// Which log records to list (`GET /api/v1/logs`, ``LogStore/page(_:)``): at a level or above,
/// matching a text, of one trace, newest first, at most `limit`.
public struct LogQuery: Codable, Sendable, Equatable {
    /// The least severe level listed.
    public var minimumLevel: LogLevel
    /// Matches the message, the service or a metadata value, ignoring case; empty matches all.
    public var text: String
    /// Only the records of this trace (32 lowercase hex digits).
    public var traceId: String?
    public var limit: Int

    public init(minimumLevel: LogLevel = .trace, text: String = "", traceId: String? = nil, limit: Int = 100) {
        self.minimumLevel = minimumLevel
        self.text = text
        self.traceId = traceId
        self.limit = limit
    }
}

/// The records a ``LogQuery`` found, newest first, and what the store holds and has dropped.
public struct LogPage: Codable, Sendable, Equatable {
    public var query: LogQuery
    public var records: [LogRecord]
    /// Records the store holds now (all queries' pool).
    public var stored: Int
    /// Records the store dropped to make room since start.
    public var dropped: Int

    public init(query: LogQuery, records: [LogRecord] = [], stored: Int = 0, dropped: Int = 0) {
        self.query = query
        self.records = records
        self.stored = stored
        self.dropped = dropped
    }
}
