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
                      let version = parseHex(bytes, 0..<2), let high = parseHex(bytes, 3..<19), let low = parseHex(bytes, 19..<35),
                      let span = parseHex(bytes, 36..<52), let flags = parseHex(bytes, 53..<55)
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

enum SpanReferenceKey: ServiceContextKey {
    typealias Value = SpanReference
    static var nameOverride: String? { "meshtop.span" }
}

/// The rarer parts of a trace context, stored only when one differs from the default: flags other
/// than "sampled", a `tracestate`, and — for a context extracted from headers — the remote span.
/// Child contexts are copies, so children inherit flags and `tracestate` as W3C asks.
final class TraceContextExtras: Sendable {
    let flags: UInt8
    let traceState: String?
    /// The span id that came from another process; a child span has a different one.
    let remoteSpanID: UInt64?

    init(flags: UInt8, traceState: String?, remoteSpanID: UInt64?) {
        self.flags = flags
        self.traceState = traceState
        self.remoteSpanID = remoteSpanID
    }
}

enum TraceContextExtrasKey: ServiceContextKey {
    typealias Value = TraceContextExtras
    static var nameOverride: String? { "meshtop.trace-context-extras" }
}

extension ServiceContext {
    /// The trace context of the current span (or of a remote parent), if any.
    public var traceContext: TraceContext? {
        get {
            guard let span = self[SpanReferenceKey.self] else { return nil }
            return TraceContext(span, extras: self[TraceContextExtrasKey.self])
        }
        set {
            guard let trace = newValue else {
                self[SpanReferenceKey.self] = nil
                self[TraceContextExtrasKey.self] = nil
                return
            }
            self[SpanReferenceKey.self] = SpanReference(traceID: trace.traceID, spanID: trace.spanID)
            if trace.flags != 1 || trace.traceState != nil || trace.isRemote {
                self[TraceContextExtrasKey.self] = TraceContextExtras(
                    flags: trace.flags, traceState: trace.traceState, remoteSpanID: trace.isRemote ? trace.spanID.value : nil)
            } else {
                self[TraceContextExtrasKey.self] = nil
            }
        }
    }
}

extension TraceContext {
    init(_ span: SpanReference, extras: TraceContextExtras?) {
        self.init(traceID: span.traceID, spanID: SpanID(span.spanID), flags: extras?.flags ?? 1,
                  traceState: extras?.traceState, isRemote: extras?.remoteSpanID == span.spanID)
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
