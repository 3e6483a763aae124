import Instrumentation
import Tracing

/// A swift-distributed-tracing `Tracer` that records into a ``TraceStore``.
///
/// One tracer per service (`TelemetryTracer(service: "order-service", store: traces, time: time)`),
/// all sharing one store: a span knows its service without attributes. Parent links travel in
/// `ServiceContext` (``ServiceContext/traceContext``) across `await`, `async let` and task groups; a detached
/// task needs its context passed explicitly, as with any tracer.
///
/// `inject`/`extract` speak W3C Trace Context: `traceparent`, with `tracestate` passed through.
/// A malformed `traceparent` is ignored (the next span starts a new trace) and counted in the store.
public struct TelemetryTracer: Tracer {
    public typealias Span = TelemetrySpan

    public let service: String
    public let store: TraceStore
    public let time: TimeSource
    public let ids: IDGenerator

    public init(service: String, store: TraceStore, time: TimeSource, ids: IDGenerator = IDGenerator()) {
        self.service = service
        self.store = store
        self.time = time
        self.ids = ids
    }

    /// The same store, clock and id sequence, for another service.
    public func forService(_ service: String) -> TelemetryTracer {
        TelemetryTracer(service: service, store: store, time: time, ids: ids)
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> TelemetrySpan {
        let parent = context()
        // The parent's ids and its `sampled` flag are read; its `tracestate` travels in the copied context.
        let parentSpan = parent.parentSpanReference
        let traceID = parentSpan?.traceID ?? ids.traceID()
        let isSampled: Bool
        if parentSpan == nil {
            isSampled = store.isHeadSampled(traceID)
        } else {
            // Extras are only ever stored beside a span reference: a context with one key has none.
            isSampled = parent.count > 1 ? parent[TraceContextExtrasKey.self]?.isSampled ?? true : true
        }
        return TelemetrySpan(operationName: operationName, parent: parent, traceID: traceID,
                             spanID: ids.spanID(), parentSpanID: parentSpan.map { SpanID($0.spanID) }, isSampled: isSampled,
                             service: service, kind: kind, store: store, time: time)
    }

    public func forceFlush() {}

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let trace = context.traceContext else { return }
        injector.inject(trace.traceparent, forKey: "traceparent", into: &carrier)
        if let state = trace.traceState {
            injector.inject(state, forKey: "tracestate", into: &carrier)
        }
    }

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier) else { return }
        guard let trace = TraceContext(traceparent: header, traceState: extractor.extract(key: "tracestate", from: carrier)) else {
            store.recordMalformedTraceHeader()
            return
        }
        context.traceContext = trace
    }
}
