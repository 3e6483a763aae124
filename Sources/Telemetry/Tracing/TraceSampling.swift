/// Head sampling by trace id: which share of traces is kept whole from the start, decided once per
/// trace where it begins and carried to every span below in the W3C `sampled` flag.
///
/// The decision is OpenTelemetry's `TraceIdRatioBased` with consistent probability sampling: the
/// trace id's lowest 56 bits are its randomness, and a trace is sampled when they are at or above
/// the rejection threshold `(1 - ratio) × 2⁵⁶`. The same trace id always gets the same decision
/// (no clock, no random draw), in any process that samples at the same ratio, and a trace sampled
/// at one ratio is sampled at every higher one.
public struct TraceSampling: Sendable, Equatable {
    /// The share of traces head-sampled, from 0 (none) to 1 (all).
    public let ratio: Double
    /// Traces whose randomness is below this are not sampled: 0 samples all, 2⁵⁶ none.
    let rejectionThreshold: UInt64

    static let randomnessBits: UInt64 = 56
    static let randomnessMask: UInt64 = (1 << randomnessBits) - 1

    /// - Precondition: `ratio` is from 0 to 1 (the command line checks what people type).
    public init(ratio: Double) {
        precondition((0...1).contains(ratio), "a sample ratio is from 0 to 1")
        self.ratio = ratio
        let span = Double(UInt64(1) << Self.randomnessBits)
        rejectionThreshold = UInt64(min(span, ((1 - ratio) * span).rounded()))
    }

    /// Every trace sampled: the default.
    public static let all = TraceSampling(ratio: 1)

    /// True when every trace is head-sampled, so nothing waits for the tail rule.
    public var samplesAll: Bool { rejectionThreshold == 0 }

    /// Whether the trace `id` is head-sampled.
    @inline(__always)
    public func isSampled(_ id: TraceID) -> Bool {
        id.low & Self.randomnessMask >= rejectionThreshold
    }
}
