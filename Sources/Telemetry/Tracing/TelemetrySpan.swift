import Synchronization
import Tracing

/// A span of ``TelemetryTracer``. When it ends it becomes a ``FinishedSpan`` in the tracer's
/// ``TraceStore``; changes after the end are ignored.
///
/// Times come from the tracer's ``TimeSource``; the instants the API passes (`at:`) and the
/// timestamps inside `SpanEvent`s are not used, so all spans share one time base — virtual time
/// under a ``ManualClock``.
///
/// Thread safety: every member may be used from any task.
public final class TelemetrySpan: Span {
    public let context: ServiceContext
    public let traceID: TraceID
    public let spanID: SpanID
    public let parentSpanID: SpanID?
    public let service: String
    public let kind: SpanKind
    /// Whether its trace is head-sampled: the W3C `sampled` flag in its context.
    public let isSampled: Bool
    /// Start, in nanoseconds since the tracer's origin.
    private let startNanoseconds: Int64
    private let store: TraceStore
    private let time: TimeSource
    private let state: Mutex<State>

    private struct State {
        var operationName: String
        var attributes = SpanAttributes.none
        var events: [FinishedSpan.Event] = []
        var links: [String] = []
        var status: SpanStatus?
        var ended = false
    }

    /// - Parameters:
    ///   - parent: the parent's context; the span's own context is a copy holding its ids (and,
    ///     for the root of a trace that is not head-sampled, the cleared `sampled` flag).
    ///   - isSampled: the parent's `sampled` flag, or for a root the sampler's decision.
    init(operationName: String, parent: ServiceContext, traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?,
         isSampled: Bool, service: String, kind: SpanKind, store: TraceStore, time: TimeSource) {
        var context = parent
        context[SpanReferenceKey.self] = SpanReference(traceID: traceID, spanID: spanID)
        if !isSampled && parentSpanID == nil { context[TraceContextExtrasKey.self] = .unsampled }
        self.context = context
        self.isSampled = isSampled
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.service = service
        self.kind = kind
        self.store = store
        self.time = time
        self.startNanoseconds = time.nanosecondsSinceOrigin()
        self.state = Mutex(State(operationName: operationName))
    }

    /// The span's W3C trace context: its ids, with the flags and `tracestate` of its trace.
    public var traceContext: TraceContext {
        // A context holding only the span's own reference (the usual case) has no extras to look up.
        TraceContext(SpanReference(traceID: traceID, spanID: spanID), extras: context.count > 1 ? context[TraceContextExtrasKey.self] : nil,
                     isRemote: false)
    }

    /// Start, as time since the tracer's origin.
    public var start: Duration { .nanoseconds(startNanoseconds) }

    public var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { if !$0.ended { $0.operationName = newValue } } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { if !$0.ended { $0.attributes = newValue } } }
    }

    /// Updates the attributes in place, under one lock. (The `Span` extension of the same name
    /// reads the attributes, lets `update` change a copy and writes the whole copy back.)
    public func updateAttributes(_ update: (inout SpanAttributes) -> Void) {
        state.withLock { state in
            if !state.ended { update(&state.attributes) }
        }
    }

    public var isRecording: Bool { state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) {
        state.withLock { state in
            guard !state.ended else { return }
            // OpenTelemetry's rule: once OK, a span stays OK.
            if state.status?.code == .ok { return }
            state.status = status
        }
    }

    public func addEvent(_ event: SpanEvent) {
        let at = time.now()
        state.withLock { state in
            guard !state.ended else { return }
            state.events.append(FinishedSpan.Event(name: event.name, at: at, attributes: event.attributes))
        }
    }

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        var eventAttributes = attributes
        eventAttributes["exception.type"] = "\(type(of: error))"
        eventAttributes["exception.message"] = "\(error)"
        addEvent(SpanEvent(name: "exception", attributes: eventAttributes))
    }

    public func addLink(_ link: SpanLink) {
        guard let linked = link.context.traceContext else { return }
        state.withLock { state in
            if !state.ended { state.links.append("\(linked.traceID):\(linked.spanID)") }
        }
    }

    /// Ends the span: later changes are ignored, and what it recorded goes to the store's pending
    /// batch, to be assembled into its trace off the caller's path.
    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = time.nanosecondsSinceOrigin()
        // Handed over under the span's lock, so the FinishedSpan is built in place and moved once.
        state.withLock { state in
            guard !state.ended else { return }
            state.ended = true
            store.add { _ in
                FinishedSpan(traceID: traceID, spanID: spanID, parentSpanID: parentSpanID,
                             service: service, operation: state.operationName, kind: kind, isSampled: isSampled,
                             startNanoseconds: startNanoseconds, endNanoseconds: end,
                             status: state.status, attributes: state.attributes, pendingAttributes: 0..<0,
                             events: state.events, links: state.links)
            }
        }
    }
}

/// A span that has ended: what a ``TraceStore`` keeps.
///
/// Stored lean — times as nanoseconds, the status as a code and a message — because the store
/// copies, keeps and drops a great many of these; the `Duration` and `SpanStatus` views are computed.
public struct FinishedSpan: Sendable {
    public struct Event: Sendable {
        public var name: String
        /// Time since the tracer's origin.
        public var at: Duration
        public var attributes: SpanAttributes

        public init(name: String, at: Duration, attributes: SpanAttributes = [:]) {
            self.name = name
            self.at = at
            self.attributes = attributes
        }
    }

    public var traceID: TraceID
    public var spanID: SpanID
    public var parentSpanID: SpanID?
    public var service: String
    public var operation: String
    public var kind: SpanKind
    /// Whether its trace was head-sampled (the W3C `sampled` flag it began with). A span of a
    /// trace that was not waits in the store for the tail rule.
    public var isSampled = true
    /// Start and end, in nanoseconds since the tracer's origin.
    public var startNanoseconds: Int64
    public var endNanoseconds: Int64
    public var statusCode: SpanStatus.Code?
    public var statusMessage: String?
    public var attributes: SpanAttributes
    /// Where attributes written by ``TelemetryTracer/record(_:operation:kind:endNanoseconds:status:events:attributes:)``
    /// wait in the pending batch's list; the store moves them into ``attributes`` when it
    /// assembles the span, so a stored span has none left.
    var pendingAttributes: Range<Int32>
    public var events: [Event]
    public var links: [String]

    /// Start and end, as time since the tracer's origin.
    public var start: Duration { .nanoseconds(startNanoseconds) }
    public var end: Duration { .nanoseconds(endNanoseconds) }
    public var duration: Duration { .nanoseconds(durationNanoseconds) }
    public var durationNanoseconds: Int64 { endNanoseconds &- startNanoseconds }
    public var status: SpanStatus? { statusCode.map { SpanStatus(code: $0, message: statusMessage) } }
    public var isError: Bool { statusCode == .error }
}

extension FinishedSpan {
    public init(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, service: String, operation: String, kind: SpanKind,
                start: Duration, end: Duration, status: SpanStatus? = nil, attributes: SpanAttributes = [:], events: [Event] = [], links: [String] = []) {
        self.init(traceID: traceID, spanID: spanID, parentSpanID: parentSpanID, service: service, operation: operation, kind: kind,
                  startNanoseconds: start.nanoseconds, endNanoseconds: end.nanoseconds, status: status,
                  attributes: attributes, events: events, links: links)
    }

    public init(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, service: String, operation: String, kind: SpanKind,
                startNanoseconds: Int64, endNanoseconds: Int64, status: SpanStatus? = nil, attributes: SpanAttributes = [:],
                events: [Event] = [], links: [String] = []) {
        self.init(traceID: traceID, spanID: spanID, parentSpanID: parentSpanID, service: service, operation: operation, kind: kind,
                  startNanoseconds: startNanoseconds, endNanoseconds: endNanoseconds, status: status, attributes: attributes,
                  pendingAttributes: 0..<0, events: events, links: links)
    }

    init(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, service: String, operation: String, kind: SpanKind,
         isSampled: Bool = true, startNanoseconds: Int64, endNanoseconds: Int64, status: SpanStatus?, attributes: SpanAttributes,
         pendingAttributes: Range<Int32>, events: [Event], links: [String]) {
        // Through the memberwise initializer: one assigning each property built the span twice
        // and copied one into the other (a retain and a release of each of its references).
        self.init(traceID: traceID, spanID: spanID, parentSpanID: parentSpanID, service: service, operation: operation, kind: kind,
                  isSampled: isSampled, startNanoseconds: startNanoseconds, endNanoseconds: endNanoseconds, statusCode: status?.code,
                  statusMessage: status?.message, attributes: attributes, pendingAttributes: pendingAttributes, events: events, links: links)
    }
}

extension SpanAttributes {
    /// No attributes. (`SpanAttributes()` goes through the dictionary-literal initializer, which
    /// builds an empty variadic array and a dictionary from it: ≈ 15 ns on every span.)
    static var none: SpanAttributes { SpanAttributes([String: SpanAttribute]()) }

    /// Sets each of `list` in order (a later value of a name wins). Into empty attributes — the
    /// usual case — the storage is sized once instead of growing as names arrive.
    mutating func set(_ list: some Collection<(String, SpanAttribute)>) {
        if isEmpty {
            var storage = [String: SpanAttribute](minimumCapacity: list.count)
            for (name, value) in list { storage[name] = value }
            self = SpanAttributes(storage)
        } else {
            for (name, value) in list { self[name] = value }
        }
    }
}
