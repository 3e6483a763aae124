/// What head sampling and the tail rule did with the traces since start: in a snapshot only when
/// fewer than all traces are head-sampled.
///
/// Rates, error ratios and percentiles come from metrics, which every request records whatever
/// its trace's fate: sampling changes which traces are stored, never those figures.
public struct SamplingStatus: Codable, Sendable, Equatable {
    /// The share of traces head-sampled, 0…1.
    public var ratio: Double
    /// Traces head-sampled (counted when their root span ended): kept whole.
    public var sampledTraces: Int
    /// Traces not head-sampled but kept by the tail rule: a span had error status, or the trace was slow.
    public var tailKeptTraces: Int
    /// Traces not head-sampled and dropped when their root ended: neither an error nor slow.
    /// Distinct from ``DroppedCounts/traces``, which counts what bounds threw away.
    public var sampledOutTraces: Int
    /// The spans of those traces, and spans that ended after their trace was sampled out.
    public var sampledOutSpans: Int

    public init(ratio: Double, sampledTraces: Int = 0, tailKeptTraces: Int = 0, sampledOutTraces: Int = 0, sampledOutSpans: Int = 0) {
        self.ratio = ratio
        self.sampledTraces = sampledTraces
        self.tailKeptTraces = tailKeptTraces
        self.sampledOutTraces = sampledOutTraces
        self.sampledOutSpans = sampledOutSpans
    }
}

extension TraceStore {
    /// What sampling did so far; nil when every trace is head-sampled (nothing to say).
    public var samplingStatus: SamplingStatus? {
        samplingStatus(stats)
    }

    /// The same, from stats already read.
    public func samplingStatus(_ stats: Stats) -> SamplingStatus? {
        let sampling = self.sampling
        // Counts stay worth showing after the ratio went back to 1 at run time.
        guard !sampling.samplesAll || stats.tailKeptTraces + stats.sampledOutTraces > 0 else { return nil }
        return SamplingStatus(ratio: sampling.ratio, sampledTraces: stats.headSampledTraces, tailKeptTraces: stats.tailKeptTraces,
                              sampledOutTraces: stats.sampledOutTraces, sampledOutSpans: stats.sampledOutSpans)
    }
}
