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
    public let traceContext: TraceContext
    public let parentSpanID: SpanID?
    public let service: String
    public let kind: SpanKind
    /// Start, as time since the tracer's origin.
    public let start: Duration
    private let store: TraceStore
    private let time: TimeSource
    private let state: Mutex<State>

    private struct State {
        var operationName: String
        var attributes = SpanAttributes()
        var events: [FinishedSpan.Event] = []
        var links: [String] = []
        var status: SpanStatus?
        var ended = false
    }

    init(operationName: String, parent: ServiceContext, traceContext: TraceContext, parentSpanID: SpanID?,
         service: String, kind: SpanKind, store: TraceStore, time: TimeSource) {
        var context = parent
        context.traceContext = traceContext
        self.context = context
        self.traceContext = traceContext
        self.parentSpanID = parentSpanID
        self.service = service
        self.kind = kind
        self.store = store
        self.time = time
        self.start = time.now()
        self.state = Mutex(State(operationName: operationName))
    }

    public var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { if !$0.ended { $0.operationName = newValue } } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { if !$0.ended { $0.attributes = newValue } } }
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

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let end = time.now()
        let finished: FinishedSpan? = state.withLock { state in
            guard !state.ended else { return nil }
            state.ended = true
            return FinishedSpan(
                traceID: traceContext.traceID, spanID: traceContext.spanID, parentSpanID: parentSpanID,
                service: service, operation: state.operationName, kind: kind, start: start, end: end,
                status: state.status, attributes: state.attributes, events: state.events, links: state.links)
        }
        if let finished { store.add(finished) }
    }
}

/// A span that has ended: what a ``TraceStore`` keeps.
public struct FinishedSpan: Sendable {
    public struct Event: Sendable {
        public var name: String
        public var at: Duration
        public var attributes: SpanAttributes
    }

    public var traceID: TraceID
    public var spanID: SpanID
    public var parentSpanID: SpanID?
    public var service: String
    public var operation: String
    public var kind: SpanKind
    /// Start and end, as time since the tracer's origin.
    public var start: Duration
    public var end: Duration
    public var status: SpanStatus?
    public var attributes: SpanAttributes
    public var events: [Event]
    public var links: [String]

    public init(traceID: TraceID, spanID: SpanID, parentSpanID: SpanID?, service: String, operation: String, kind: SpanKind,
                start: Duration, end: Duration, status: SpanStatus? = nil, attributes: SpanAttributes = [:], events: [Event] = [], links: [String] = []) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.service = service
        self.operation = operation
        self.kind = kind
        self.start = start
        self.end = end
        self.status = status
        self.attributes = attributes
        self.events = events
        self.links = links
    }

    public var duration: Duration { end - start }
    public var isError: Bool { status?.code == .error }
}
