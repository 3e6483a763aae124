/// A stored trace in one line, for the Traces list.
public struct TraceSummary: Codable, Sendable, Equatable, Identifiable {
    /// 32 lowercase hex digits (W3C trace id).
    public var traceId: String
    public var rootService: String
    public var rootOperation: String
    /// When the root span started, in seconds since the Unix epoch.
    public var startedAt: Double
    public var durationMs: Double
    public var spanCount: Int
    public var hasError: Bool
    /// Every service with a span in the trace, sorted.
    public var services: [String]

    public var id: String { traceId }

    public init(traceId: String, rootService: String, rootOperation: String, startedAt: Double, durationMs: Double, spanCount: Int, hasError: Bool, services: [String]) {
        self.traceId = traceId
        self.rootService = rootService
        self.rootOperation = rootOperation
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.spanCount = spanCount
        self.hasError = hasError
        self.services = services
    }
}

/// A whole trace: its spans in depth-first order (parents before children, siblings by start time),
/// each with its depth, ready to draw as a tree with a waterfall.
public struct TraceTree: Codable, Sendable, Equatable, Identifiable {
    public var traceId: String
    /// When the trace's first span started, in seconds since the Unix epoch.
    public var startedAt: Double
    /// From the first span's start to the last span's end.
    public var durationMs: Double
    public var spans: [SpanRecord]

    public var id: String { traceId }

    public init(traceId: String, startedAt: Double, durationMs: Double, spans: [SpanRecord]) {
        self.traceId = traceId
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.spans = spans
    }
}

/// One finished span, positioned on its trace's time axis.
public struct SpanRecord: Codable, Sendable, Equatable, Identifiable {
    /// 16 lowercase hex digits (W3C span id).
    public var spanId: String
    /// The parent's span id; nil for the root (and for an orphan whose parent never arrived).
    public var parentSpanId: String?
    /// Depth in the tree: 0 for the root.
    public var depth: Int
    /// True when the span's parent never arrived: it is shown under the root so it is not lost.
    public var isOrphan: Bool
    public var service: String
    public var operation: String
    public var kind: SpanKindRecord
    /// Start, in milliseconds after the trace's start.
    public var startOffsetMs: Double
    public var durationMs: Double
    public var status: SpanStatusRecord
    /// Attributes as text, by key.
    public var attributes: [String: String]
    public var events: [SpanEventRecord]
    /// Spans of other traces this span links to, as `traceId:spanId`.
    public var links: [String]

    public var id: String { spanId }

    public init(
        spanId: String,
        parentSpanId: String? = nil,
        depth: Int = 0,
        isOrphan: Bool = false,
        service: String,
        operation: String,
        kind: SpanKindRecord = .internal,
        startOffsetMs: Double,
        durationMs: Double,
        status: SpanStatusRecord = SpanStatusRecord(),
        attributes: [String: String] = [:],
        events: [SpanEventRecord] = [],
        links: [String] = []
    ) {
        self.spanId = spanId
        self.parentSpanId = parentSpanId
        self.depth = depth
        self.isOrphan = isOrphan
        self.service = service
        self.operation = operation
        self.kind = kind
        self.startOffsetMs = startOffsetMs
        self.durationMs = durationMs
        self.status = status
        self.attributes = attributes
        self.events = events
        self.links = links
    }
}

public enum SpanKindRecord: String, Codable, Sendable, CaseIterable {
    case server, client, producer, consumer, `internal`
}

public struct SpanStatusRecord: Codable, Sendable, Equatable {
    public enum Code: String, Codable, Sendable {
        case unset, ok, error
    }

    public var code: Code
    public var message: String?

    public init(code: Code = .unset, message: String? = nil) {
        self.code = code
        self.message = message
    }

    public var isError: Bool { code == .error }
}

public struct SpanEventRecord: Codable, Sendable, Equatable {
    public var name: String
    /// Milliseconds after the trace's start.
    public var offsetMs: Double
    public var attributes: [String: String]

    public init(name: String, offsetMs: Double, attributes: [String: String] = [:]) {
        self.name = name
        self.offsetMs = offsetMs
        self.attributes = attributes
    }
}
