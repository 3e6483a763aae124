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

/// Which stored traces to list, in what order, and which window of them: what the Traces list
/// asks the store for, so it never holds more than the rows on screen.
public struct TraceQuery: Codable, Sendable, Equatable {
    public enum Order: String, Codable, Sendable, CaseIterable {
        /// Latest start first.
        case newest
        /// Longest first; equal durations newest first.
        case slowest
    }

    public var order: Order
    /// Only traces with a span whose status is error.
    public var errorsOnly: Bool
    /// A trace matches when its root operation, root service or one of its services contains
    /// this text (ASCII letters in either case), or its id starts with it. Empty matches all.
    public var text: String
    /// Only traces with a span of every one of these services (a breaker `a->b`: `["a", "b"]`).
    public var services: [String]
    /// Only traces with a span of this service named this operation (a route's server span:
    /// `order-service` `POST /orders`); nil matches all.
    public var span: SpanName?
    /// The first row wanted, counted from 0 in the order.
    public var offset: Int
    /// At most this many rows.
    public var limit: Int
    /// A trace id (32 hex digits) to keep in the window: when it matches, the window moves as
    /// little as possible from `offset` to include it, and the page says where it is. This is
    /// how a selection stays on its trace while new traces push it down the list.
    public var anchor: String?

    public init(order: Order = .newest, errorsOnly: Bool = false, text: String = "", services: [String] = [],
                span: SpanName? = nil, offset: Int = 0, limit: Int, anchor: String? = nil) {
        self.order = order
        self.errorsOnly = errorsOnly
        self.text = text
        self.services = services
        self.span = span
        self.offset = offset
        self.limit = limit
        self.anchor = anchor
    }
}

/// A span by the service that recorded it and its operation: what ``TraceQuery/span`` looks for.
public struct SpanName: Codable, Sendable, Hashable {
    public var service: String
    public var operation: String

    public init(service: String, operation: String) {
        self.service = service
        self.operation = operation
    }
}

/// One window of the traces a ``TraceQuery`` matches, with the counts around it.
public struct TracePage: Codable, Sendable, Equatable {
    /// The query this page answers.
    public var query: TraceQuery
    /// Where ``rows`` start in the whole ordered list: the query's offset, moved to show the
    /// anchor and kept from leaving empty rows at the end when there are rows to fill them.
    public var offset: Int
    /// The matching traces from ``offset``, at most `query.limit`.
    public var rows: [TraceSummary]
    /// How many stored traces match the query in all.
    public var matching: Int
    /// Where the anchor is in the ordered list; nil when no stored trace with that id matches.
    public var anchorIndex: Int?
    /// Traces the store holds, and traces it has dropped since start.
    public var storedTraces: Int
    public var droppedTraces: Int

    public init(query: TraceQuery, offset: Int = 0, rows: [TraceSummary] = [], matching: Int = 0, anchorIndex: Int? = nil,
                storedTraces: Int = 0, droppedTraces: Int = 0) {
        self.query = query
        self.offset = offset
        self.rows = rows
        self.matching = matching
        self.anchorIndex = anchorIndex
        self.storedTraces = storedTraces
        self.droppedTraces = droppedTraces
    }
}
