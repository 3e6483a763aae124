import Instrumentation

/// The W3C Trace Context of a span: what crosses a process boundary in `traceparent` and `tracestate`.
public struct TraceContext: Hashable, Sendable {
    public var traceID: TraceID
    public var spanID: SpanID
    /// W3C trace flags; bit 0 is "sampled".
    public var flags: UInt8
    /// The `tracestate` header, passed through untouched.
    public var traceState: String?
    /// True when the context came from another process (extracted from headers).
    public var isRemote: Bool

    public init(traceID: TraceID, spanID: SpanID, flags: UInt8 = 1, traceState: String? = nil, isRemote: Bool = false) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
        self.traceState = traceState
        self.isRemote = isRemote
    }

    public var isSampled: Bool { flags & 1 == 1 }

    /// `00-<trace id>-<span id>-<flags>`.
    public var traceparent: String {
        String(unsafeUninitializedCapacity: 55) { buffer in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "0")
            buffer[2] = UInt8(ascii: "-")
            writeHex(traceID.high, digits: 16, into: buffer, at: 3)
            writeHex(traceID.low, digits: 16, into: buffer, at: 19)
            buffer[35] = UInt8(ascii: "-")
            writeHex(spanID.value, digits: 16, into: buffer, at: 36)
            buffer[52] = UInt8(ascii: "-")
            writeHex(UInt64(flags), digits: 2, into: buffer, at: 53)
            return 55
        }
    }

    /// Parses a `traceparent` header by the W3C rules; nil when it is malformed.
    ///
    /// Version `00` must be exactly 55 characters; a higher version may carry more fields after a
    /// `-` (they are ignored); version `ff` is invalid. Hex must be lowercase; all-zero ids are invalid.
    public init?(traceparent: String, traceState: String? = nil) {
        var header = traceparent
        let parsed: (version: UInt64, high: UInt64, low: UInt64, span: UInt64, flags: UInt64, count: Int)? =
            header.withUTF8 { bytes in
                guard bytes.count >= 55,
                      bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
                      let version = parseHex(bytes, 0..<2), let high = parseHex16(bytes, at: 3), let low = parseHex16(bytes, at: 19),
                      let span = parseHex16(bytes, at: 36), let flags = parseHex(bytes, 53..<55)
                else { return nil }
                if bytes.count > 55, bytes[55] != UInt8(ascii: "-") { return nil }
                return (version, high, low, span, flags, bytes.count)
            }
        guard let parsed, parsed.version != 0xFF, parsed.version != 0 || parsed.count == 55 else { return nil }
        let traceID = TraceID(high: parsed.high, low: parsed.low)
        let spanID = SpanID(parsed.span)
        guard traceID.isValid, spanID.isValid else { return nil }
        self.init(traceID: traceID, spanID: spanID, flags: UInt8(parsed.flags), traceState: traceState, isRemote: true)
    }
}

/// What every span's `ServiceContext` carries: its trace id and span id. Three words, so
/// `ServiceContext` keeps it inline in its storage, without allocating a box per span.
struct SpanReference: Sendable {
    let traceHigh: UInt64
    let traceLow: UInt64
    let spanID: UInt64

    init(traceID: TraceID, spanID: SpanID) {
        traceHigh = traceID.high
        traceLow = traceID.low
        self.spanID = spanID.value
    }

    var traceID: TraceID { TraceID(high: traceHigh, low: traceLow) }
}

/// The current local span.
enum SpanReferenceKey: ServiceContextKey {
    typealias Value = SpanReference
    static var nameOverride: String? { "meshtop.span" }
}

/// A parent span in another process, extracted from headers. A local span's reference, once set,
/// takes precedence; this one stays in the copied contexts below it, harmlessly.
enum RemoteSpanReferenceKey: ServiceContextKey {
    typealias Value = SpanReference
    static var nameOverride: String? { "meshtop.remote-span" }
}

/// The rarer parts of a trace context, stored only when one differs from the default: flags other
/// than "sampled" and a `tracestate`. Child contexts are copies, so children inherit them as W3C asks.
final class TraceContextExtras: Sendable {
    let flags: UInt8
    let traceState: String?

    init(flags: UInt8, traceState: String?) {
        self.flags = flags
        self.traceState = traceState
    }

    /// A trace that is not head-sampled, with no `tracestate`: one shared value, so the root of
    /// each such trace allocates nothing to say so.
    static let unsampled = TraceContextExtras(flags: 0, traceState: nil)

    /// The W3C `sampled` flag.
    var isSampled: Bool { flags & 1 == 1 }
}

enum TraceContextExtrasKey: ServiceContextKey {
    typealias Value = TraceContextExtras
    static var nameOverride: String? { "meshtop.trace-context-extras" }
}

extension ServiceContext {
    /// The trace context of the current span (or of a remote parent), if any.
    public var traceContext: TraceContext? {
        get {
            guard !isEmpty else { return nil }
            if let span = self[SpanReferenceKey.self] {
                // A context holding only the span's own reference (the usual case) has no extras.
                return TraceContext(span, extras: count > 1 ? self[TraceContextExtrasKey.self] : nil, isRemote: false)
            }
            guard let remote = self[RemoteSpanReferenceKey.self] else { return nil }
            return TraceContext(remote, extras: self[TraceContextExtrasKey.self], isRemote: true)
        }
        set {
            // Each write or removal of a key costs a look-up; skip those an empty context cannot need.
            let wasEmpty = isEmpty
            guard let trace = newValue else {
                guard !wasEmpty else { return }
                self[SpanReferenceKey.self] = nil
                self[RemoteSpanReferenceKey.self] = nil
                self[TraceContextExtrasKey.self] = nil
                return
            }
            let reference = SpanReference(traceID: trace.traceID, spanID: trace.spanID)
            if trace.isRemote {
                self[RemoteSpanReferenceKey.self] = reference
                if !wasEmpty { self[SpanReferenceKey.self] = nil }
            } else {
                self[SpanReferenceKey.self] = reference
            }
            if trace.flags != 1 || trace.traceState != nil {
                self[TraceContextExtrasKey.self] = TraceContextExtras(flags: trace.flags, traceState: trace.traceState)
            } else if !wasEmpty {
                self[TraceContextExtrasKey.self] = nil
            }
        }
    }

    /// The ids of the parent for a span started in this context: the current local span, else a
    /// remote parent. One look-up for a child span, none for a root in an empty context.
    var parentSpanReference: SpanReference? {
        guard !isEmpty else { return nil }
        return self[SpanReferenceKey.self] ?? self[RemoteSpanReferenceKey.self]
    }
}

extension TraceContext {
    init(_ span: SpanReference, extras: TraceContextExtras?, isRemote: Bool) {
        self.init(traceID: span.traceID, spanID: SpanID(span.spanID), flags: extras?.flags ?? 1,
                  traceState: extras?.traceState, isRemote: isRemote)
    }
}

/// Reads and writes W3C headers in a `[String: String]` carrier (lowercase names).
public struct DictionaryInjector: Injector {
    public init() {}
    public func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

public struct DictionaryExtractor: Extractor {
    public init() {}
    public func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
