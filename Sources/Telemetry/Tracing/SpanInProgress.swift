import Tracing

/// A span that its owner keeps to itself and records in one go when it ends: while it runs, only
/// its ids and its start exist. No object, no lock, and no `ServiceContext` written unless one is
/// asked for (``context``). Envoy and other proxies record their spans this way.
///
/// For instrumentation on every request whose span nobody else touches, such as the mesh's
/// sidecars. Code that hands a span around, or adds to it from elsewhere, uses
/// ``TelemetryTracer/startSpan(_:context:ofKind:at:function:file:line:)``.
///
/// Begin one with ``TelemetryTracer/beginSpan(in:startNanoseconds:)`` or, for a request from
/// another process, ``TelemetryTracer/beginSpan(traceparent:tracestate:startNanoseconds:)``; end
/// it with ``TelemetryTracer/record(_:operation:kind:endNanoseconds:status:events:attributes:)``.
public struct SpanInProgress: Sendable {
    public let traceID: TraceID
    public let spanID: SpanID
    /// Nil for the root of a trace.
    public let parentSpanID: SpanID?
    /// Nanoseconds since the tracer's time source's origin.
    public let startNanoseconds: Int64
    /// Whether its trace is head-sampled: the W3C `sampled` flag it carries to its children.
    public var isSampled: Bool { extras?.isSampled ?? true }
    /// The context the span was begun in (for a remote parent: an empty one, with the parent's
    /// flags and `tracestate` when they are not the default).
    let parent: ServiceContext
    /// The trace's flags and `tracestate`, when not the default.
    let extras: TraceContextExtras?

    /// The span's W3C trace context, for `traceparent` and `tracestate`.
    public var traceContext: TraceContext {
        TraceContext(SpanReference(traceID: traceID, spanID: spanID), extras: extras, isRemote: false)
    }

    /// The context it was begun in, with this span as the current one: what to bind while work
    /// runs under the span, or to start children in. Each read writes a `ServiceContext`.
    public var context: ServiceContext {
        var context = parent
        context[SpanReferenceKey.self] = SpanReference(traceID: traceID, spanID: spanID)
        return context
    }
}

extension TelemetryTracer {
    /// Begins a ``SpanInProgress`` under the current span of `parent` (a new trace without one).
    ///
    /// - Parameter startNanoseconds: a reading of ``time`` (``TimeSource/nanosecondsSinceOrigin()``),
    ///   so instrumentation that measures the same interval reads the clock once.
    public func beginSpan(in parent: ServiceContext, startNanoseconds: Int64) -> SpanInProgress {
        let parentSpan = parent.parentSpanReference
        // Extras are only ever stored beside a span reference: a context with one key has none.
        var extras = parent.count > 1 ? parent[TraceContextExtrasKey.self] : nil
        let traceID = parentSpan?.traceID ?? ids.traceID()
        var parent = parent
        if parentSpan == nil, !store.isHeadSampled(traceID) {
            // The root decides for the whole trace; its children read the flag from the context.
            extras = .unsampled
            parent[TraceContextExtrasKey.self] = extras
        }
        return SpanInProgress(traceID: traceID, spanID: ids.spanID(),
                              parentSpanID: parentSpan.map { SpanID($0.spanID) }, startNanoseconds: startNanoseconds,
                              parent: parent, extras: extras)
    }

    /// Begins a ``SpanInProgress`` continuing the trace of an incoming request's W3C headers, as
    /// `extract` and then `startSpan` would, without writing a context for the remote parent.
    /// With no `traceparent` it starts a new trace; a malformed one is ignored and counted in the
    /// store, as `extract` does (and its `tracestate` dropped, as W3C says).
    public func beginSpan(traceparent: String?, tracestate: String?, startNanoseconds: Int64) -> SpanInProgress {
        var remote: TraceContext?
        if let traceparent {
            remote = TraceContext(traceparent: traceparent, traceState: tracestate)
            if remote == nil { store.recordMalformedTraceHeader() }
        }
        var parent = ServiceContext.topLevel
        var extras: TraceContextExtras?
        let traceID = remote?.traceID ?? ids.traceID()
        if let remote, remote.flags != 1 || remote.traceState != nil {
            // The caller's `sampled` flag is its decision for the trace: honoured, as OpenTelemetry's parent-based sampler does.
            extras = TraceContextExtras(flags: remote.flags, traceState: remote.traceState)
            parent[TraceContextExtrasKey.self] = extras
        } else if remote == nil, !store.isHeadSampled(traceID) {
            extras = .unsampled
            parent[TraceContextExtrasKey.self] = extras
        }
        return SpanInProgress(traceID: traceID, spanID: ids.spanID(), parentSpanID: remote?.spanID,
                              startNanoseconds: startNanoseconds, parent: parent, extras: extras)
    }

    /// Records a ``SpanInProgress`` that ended at `endNanoseconds` (a reading of ``time``).
    ///
    /// `writeAttributes` writes the span's attributes straight into the store's pending batch;
    /// they join its `SpanAttributes` when the store assembles it, off the caller's path (a later
    /// value of a name wins). It runs under the batch's lock: only set values there, computed
    /// beforehand.
    public func record(_ span: SpanInProgress, operation: String, kind: SpanKind, endNanoseconds: Int64, status: SpanStatus? = nil,
                       events: [FinishedSpan.Event] = [], attributes writeAttributes: (inout SpanAttributeList) -> Void = { _ in }) {
        // The closure takes the few plain fields it needs: capturing the span or the tracer
        // made it copy them whole (each copy a retain and a release per reference).
        let traceID = span.traceID, spanID = span.spanID, parentSpanID = span.parentSpanID, startNanoseconds = span.startNanoseconds
        let isSampled = span.isSampled
        let service = self.service
        store.add { list in
            let first = Int32(list.entries.count)
            writeAttributes(&list)
            return FinishedSpan(traceID: traceID, spanID: spanID, parentSpanID: parentSpanID, service: service,
                                operation: operation, kind: kind, isSampled: isSampled, startNanoseconds: startNanoseconds, endNanoseconds: endNanoseconds,
                                status: status, attributes: .none, pendingAttributes: first..<Int32(list.entries.count),
                                events: events, links: [])
        }
    }
}

/// The attributes of a span being recorded
/// (``TelemetryTracer/record(_:operation:kind:endNanoseconds:status:events:attributes:)``),
/// written straight into the store's pending batch: no list per span to allocate and free.
public struct SpanAttributeList: Sendable {
    /// One attribute as it waits in the batch: 40 bytes, where a `(String, SpanAttribute)` takes
    /// 64. The recording thread writes these and the assembling one reads them, so each byte
    /// crosses between cores: at 64 bytes, every attribute cost a cache line of its own.
    struct Entry: Sendable {
        enum Value: Sendable {
            case string(String)
            case int64(Int64)
            case double(Double)
            case bool(Bool)
            /// Any other kind of value, boxed to keep the common ones small.
            indirect case other(SpanAttribute)

            init(_ attribute: consuming SpanAttribute) {
                switch consume attribute {
                case .string(let value): self = .string(value)
                case .int64(let value): self = .int64(value)
                case .double(let value): self = .double(value)
                case .bool(let value): self = .bool(value)
                case let attribute: self = .other(attribute)
                }
            }

            var attribute: SpanAttribute {
                switch self {
                case .string(let value): .string(value)
                case .int64(let value): .int64(value)
                case .double(let value): .double(value)
                case .bool(let value): .bool(value)
                case .other(let attribute): attribute
                }
            }
        }

        let name: String
        let value: Value
    }

    var entries: [Entry] = []

    /// Sets an attribute; a later value of the same name wins.
    public mutating func set(_ name: String, _ value: consuming SpanAttribute) {
        entries.append(Entry(name: name, value: Entry.Value(value)))
    }

    /// Sets a string attribute, without a `SpanAttribute` on the way.
    public mutating func set(_ name: String, _ value: String) {
        entries.append(Entry(name: name, value: .string(value)))
    }

    /// Sets an integer attribute, without a `SpanAttribute` on the way.
    public mutating func set(_ name: String, _ value: Int) {
        entries.append(Entry(name: name, value: .int64(Int64(value))))
    }
}
