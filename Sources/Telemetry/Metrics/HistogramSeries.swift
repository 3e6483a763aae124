import CoreMetrics
import Histogram
import Synchronization

/// A distribution of values (a `Timer`, or a `Recorder` made with `aggregate: true`).
///
/// Values go into an HDR histogram for the second in progress; when the store closes a second,
/// that histogram moves into a ring of per-second histograms, so percentiles can be computed over
/// any of the last seconds. Alongside, since-start count, sum and fixed Prometheus buckets.
///
/// Recording takes one short critical section (≈ 20–40 ns). Timers record nanoseconds with
/// 2 significant digits from 1 µs up to 100 s (larger values count as 100 s); recorders record
/// whole units from 1 up to 10¹², negative values count as 0.
public final class HistogramSeries: TimerHandler, RecorderHandler, Sendable {
    public enum Unit: Sendable {
        /// A timer: values are nanoseconds; percentiles are reported in milliseconds.
        case nanoseconds
        /// A recorder: values have no unit.
        case plain
    }

    public let key: SeriesKey
    public let unit: Unit
    /// Upper bounds of the Prometheus buckets, in the exposition's unit (seconds for timers).
    public let bucketBounds: [Double]
    private let layout: HistogramLayout
    private let state: Mutex<HistogramState>

    init(key: SeriesKey, unit: Unit, retainedSeconds: Int) {
        self.key = key
        self.unit = unit
        self.layout = unit == .nanoseconds ? .timer : .plain
        self.bucketBounds = unit == .nanoseconds ? HistogramLayout.timerBucketSeconds : HistogramLayout.plainBuckets
        let rawBounds = unit == .nanoseconds ? bucketBounds.map { $0 * 1e9 } : bucketBounds
        self.state = Mutex(HistogramState(retainedSeconds: retainedSeconds, rawBucketBounds: rawBounds))
    }

    public func recordNanoseconds(_ duration: Int64) {
        recordRaw(duration)
    }

    public func record(_ value: Int64) {
        recordRaw(value)
    }

    public func record(_ value: Double) {
        guard value.isFinite else { return }
        recordRaw(value >= Double(Int64.max) ? Int64.max : Int64(value.rounded()))
    }

    @inline(__always)
    private func recordRaw(_ value: Int64) {
        let clamped = UInt64(Swift.min(Swift.max(value, 0), Int64(layout.highest)))
        let layout = self.layout
        state.withLock { $0.record(clamped, layout: layout) }
    }

    /// Count, sum and cumulative bucket counts since start (for the exposition).
    func totals() -> (count: UInt64, sum: Double, cumulativeBuckets: [UInt64]) {
        state.withLock { state in
            var running: UInt64 = 0
            let cumulative = state.bucketCounts.map { count -> UInt64 in
                running += count
                return running
            }
            return (state.totalCount, state.totalSum, cumulative)
        }
    }

    func close(second: Int) {
        state.withLock { $0.close(second: second) }
    }

    /// Values recorded per second, oldest first.
    func countHistory(seconds: ClosedRange<Int>) -> [Double] {
        state.withLock { state in seconds.map { Double(state.ring[second: $0]?.count ?? 0) } }
    }

    func count(seconds: ClosedRange<Int>) -> Double {
        state.withLock { state in seconds.reduce(0) { $0 + Double(state.ring[second: $1]?.count ?? 0) } }
    }

    /// Adds the per-second histograms of `seconds` into `accumulator`.
    func merge(seconds: ClosedRange<Int>, into accumulator: inout Histogram<UInt32>) {
        state.withLock { state in
            for second in seconds {
                if let histogram = state.ring[second: second]?.histogram {
                    accumulator.add(histogram)
                }
            }
        }
    }

    func makeAccumulator() -> Histogram<UInt32> { layout.make() }

    /// The distribution of the values recorded in `seconds`, in raw units; nil when there were none.
    func distribution(seconds: ClosedRange<Int>) -> Distribution? {
        var accumulator = makeAccumulator()
        merge(seconds: seconds, into: &accumulator)
        return Distribution(accumulator)
    }
}

/// Percentiles of a merged histogram, in the histogram's raw unit.
struct Distribution {
    var count: UInt64
    var p50: UInt64
    var p95: UInt64
    var p99: UInt64
    var max: UInt64

    init?(_ histogram: Histogram<UInt32>) {
        guard histogram.totalCount > 0 else { return nil }
        count = histogram.totalCount
        p50 = histogram.valueAtPercentile(50)
        p95 = histogram.valueAtPercentile(95)
        p99 = histogram.valueAtPercentile(99)
        max = histogram.maxRecorded
    }

    /// In milliseconds, for timers (raw unit nanoseconds).
    var latencySummary: LatencySummary {
        LatencySummary(count: Int(count), p50Ms: Double(p50) / 1e6, p95Ms: Double(p95) / 1e6, p99Ms: Double(p99) / 1e6, maxMs: Double(max) / 1e6)
    }
}

/// The HDR histogram configuration of a kind of series. Chosen deliberately: 2 significant digits
/// keep a per-second histogram at ≈ 11 KB (UInt32 counts) and a percentile query at a few µs.
struct HistogramLayout: Sendable {
    let lowest: UInt64
    let highest: UInt64

    static let timer = HistogramLayout(lowest: 1_000, highest: 100_000_000_000)
    static let plain = HistogramLayout(lowest: 1, highest: 1_000_000_000_000)

    /// Prometheus buckets for latencies, in seconds (from 0.5 ms to 10 s).
    static let timerBucketSeconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Prometheus buckets for unitless values: powers of ten up to 10⁹.
    static let plainBuckets: [Double] = (0...9).map { pow10($0) }

    private static func pow10(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }

    func make() -> Histogram<UInt32> {
        Histogram<UInt32>(lowestDiscernibleValue: lowest, highestTrackableValue: highest, numberOfSignificantValueDigits: .two)
    }
}

/// Everything a histogram series keeps; only touched under its lock.
struct HistogramState {
    struct Second {
        var count: UInt64
        var histogram: Histogram<UInt32>
    }

    var current: Histogram<UInt32>?
    var currentCount: UInt64 = 0
    var ring: SecondRing<Second>
    /// Histograms of seconds that fell out of the ring, reset and ready for reuse.
    var spare: [Histogram<UInt32>] = []
    var totalCount: UInt64 = 0
    var totalSum: Double = 0
    let rawBucketBounds: [Double]
    /// Non-cumulative counts per bucket, the last one for +Inf.
    var bucketCounts: [UInt64]

    init(retainedSeconds: Int, rawBucketBounds: [Double]) {
        ring = SecondRing(capacity: retainedSeconds)
        self.rawBucketBounds = rawBucketBounds
        bucketCounts = Array(repeating: 0, count: rawBucketBounds.count + 1)
    }

    @inline(__always)
    mutating func record(_ value: UInt64, layout: HistogramLayout) {
        if current == nil {
            current = spare.popLast() ?? layout.make()
        }
        _ = current!.record(value)
        currentCount &+= 1
        totalCount &+= 1
        let asDouble = Double(value)
        totalSum += asDouble
        var bucket = 0
        while bucket < rawBucketBounds.count, asDouble > rawBucketBounds[bucket] { bucket += 1 }
        bucketCounts[bucket] &+= 1
    }

    /// Moves the second in progress into the ring as `second`; recycles whatever it displaces.
    mutating func close(second: Int) {
        if var old = ring.evictSlot(for: second)?.histogram {
            old.reset()
            spare.append(old)
        }
        guard let histogram = current, currentCount > 0 else { return }
        ring[second: second] = Second(count: currentCount, histogram: histogram)
        current = nil
        currentCount = 0
    }
}
