/// The newest `capacity` latencies and their percentiles, for an adaptive hedging delay.
///
/// Kept twice: in arrival order (a ring, to know which one to forget) and sorted (so a percentile
/// is one index). Recording costs a binary search and a shift of at most `capacity` values;
/// reading a percentile costs nothing more. Pure: tests feed it values.
public struct LatencyWindow: Sendable, Equatable {
    /// The most latencies kept.
    public let capacity: Int
    /// In arrival order, nanoseconds; once full, `next` is the oldest (overwritten next).
    private var ring: [Int64] = []
    private var next = 0
    private var sorted: [Int64] = []

    /// - Precondition: `capacity ≥ 1`.
    public init(capacity: Int) {
        precondition(capacity >= 1, "a latency window keeps at least one latency (got capacity \(capacity))")
        self.capacity = capacity
        ring.reserveCapacity(capacity)
        sorted.reserveCapacity(capacity)
    }

    /// How many latencies are kept now (at most ``capacity``).
    public var count: Int { sorted.count }

    /// Keeps `latency`, forgetting the oldest when full. A negative latency counts as zero.
    public mutating func record(_ latency: Duration) {
        let nanoseconds = max(0, latency.wholeNanoseconds)
        if ring.count < capacity {
            ring.append(nanoseconds)
        } else {
            let oldest = ring[next]
            ring[next] = nanoseconds
            next = (next + 1) % capacity
            sorted.remove(at: Self.firstIndex(notBelow: oldest, in: sorted))
        }
        sorted.insert(nanoseconds, at: Self.firstIndex(notBelow: nanoseconds, in: sorted))
    }

    /// The `percentile`-th percentile (in (0, 100]) by nearest rank: the smallest kept latency
    /// that at least `percentile`% of them do not exceed. Nil while nothing is kept.
    public func percentile(_ percentile: Double) -> Duration? {
        guard !sorted.isEmpty else { return nil }
        // Multiplied before dividing, so a whole rank (p95 of 20: the 19th) is exact, not 19.000000000000004.
        let rank = Int((percentile * Double(sorted.count) / 100).rounded(.up))
        return .nanoseconds(sorted[min(sorted.count, max(1, rank)) - 1])
    }

    /// Where `value` goes in `values` (ascending): the first index whose value is not below it.
    private static func firstIndex(notBelow value: Int64, in values: [Int64]) -> Int {
        var low = 0, high = values.count
        while low < high {
            let middle = (low + high) / 2
            if values[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension Duration {
    /// Whole nanoseconds, saturating far outside ±292 years.
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
