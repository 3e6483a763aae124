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
        "00-\(traceID)-\(spanID)-\(flags < 16 ? "0" : "")\(String(flags, radix: 16))"
    }

    /// Parses a `traceparent` header by the W3C rules; nil when it is malformed.
    ///
    /// Version `00` must be exactly 55 characters; a higher version may carry more fields after a
    /// `-` (they are ignored); version `ff` is invalid. Hex must be lowercase; all-zero ids are invalid.
    public init?(traceparent: String, traceState: String? = nil) {
        let bytes = Array(traceparent.utf8)
        guard bytes.count >= 55,
              bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-"),
              let version = parseHex(bytes[0..<2]), version != 0xFF,
              let high = parseHex(bytes[3..<19]), let low = parseHex(bytes[19..<35]),
              let span = parseHex(bytes[36..<52]),
              let flags = parseHex(bytes[53..<55])
        else { return nil }
        if version == 0 {
            guard bytes.count == 55 else { return nil }
        } else if bytes.count > 55 {
            guard bytes[55] == UInt8(ascii: "-") else { return nil }
        }
        let traceID = TraceID(high: high, low: low)
        let spanID = SpanID(span)
        guard traceID.isValid, spanID.isValid else { return nil }
        self.init(traceID: traceID, spanID: spanID, flags: UInt8(flags), traceState: traceState, isRemote: true)
    }
}

/// Holds a ``TraceContext`` inside a `ServiceContext`. A class, so storing it does not box a
/// 40-byte struct on every span.
public final class TraceContextBox: Sendable {
    public let value: TraceContext

    init(_ value: TraceContext) {
        self.value = value
    }
}

/// The `ServiceContext` key under which the current span's trace context travels.
public enum TraceContextKey: ServiceContextKey {
    public typealias Value = TraceContextBox
    public static var nameOverride: String? { "meshtop.trace-context" }
}

extension ServiceContext {
    /// The trace context of the current span (or of a remote parent), if any.
    public var traceContext: TraceContext? {
        get { self[TraceContextKey.self]?.value }
        set { self[TraceContextKey.self] = newValue.map(TraceContextBox.init) }
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
