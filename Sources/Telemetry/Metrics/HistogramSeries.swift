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
        let rawBounds = (unit == .nanoseconds ? bucketBounds.map { $0 * 1e9 } : bucketBounds).map { UInt64($0.rounded()) }
        self.state = Mutex(HistogramState(retainedSeconds: retainedSeconds, rawBucketBounds: rawBounds, empty: layout.empty))
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
        state.withLock { $0.record(clamped) }
    }

    /// Count, sum and cumulative bucket counts since start (for the exposition).
    func totals() -> (count: UInt64, sum: UInt64, cumulativeBuckets: [UInt64]) {
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

    func makeAccumulator() -> Histogram<UInt32> { layout.empty }

    func distribution(of accumulator: Histogram<UInt32>) -> Distribution? {
        Distribution(accumulator, layout: layout)
    }

    /// The distribution of the values recorded in `seconds`, in raw units; nil when there were none.
    func distribution(seconds: ClosedRange<Int>) -> Distribution? {
        var accumulator = makeAccumulator()
        merge(seconds: seconds, into: &accumulator)
        return Distribution(accumulator, layout: layout)
    }
}

/// Percentiles of a merged histogram, in the histogram's raw unit.
struct Distribution {
    var count: UInt64
    var p50: UInt64
    var p95: UInt64
    var p99: UInt64
    var max: UInt64

    init?(_ histogram: Histogram<UInt32>, layout: HistogramLayout) {
        guard histogram.totalCount > 0 else { return nil }
        count = histogram.totalCount
        max = histogram.maxRecorded
        if let values = layout.percentiles([50, 95, 99], of: histogram) {
            (p50, p95, p99) = (values[0], values[1], values[2])
        } else {
            (p50, p95, p99) = (histogram.valueAtPercentile(50), histogram.valueAtPercentile(95), histogram.valueAtPercentile(99))
        }
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
    /// An empty histogram of this layout. Copying it costs a retain; the first record copies its
    /// counts (a memcpy), which is far cheaper than `Histogram.init`, whose generic code runs
    /// unspecialised from outside its module (≈ 7 µs).
    let empty: Histogram<UInt32>
    /// The bucket geometry HDR uses to turn a counts index into a value (read from `empty`).
    private let subBucketHalfCountMagnitude: Int
    private let unitMagnitude: Int

    static let timer = HistogramLayout(lowest: 1_000, highest: 100_000_000_000)
    static let plain = HistogramLayout(lowest: 1, highest: 1_000_000_000_000)

    init(lowest: UInt64, highest: UInt64) {
        self.lowest = lowest
        self.highest = highest
        empty = Histogram<UInt32>(lowestDiscernibleValue: lowest, highestTrackableValue: highest, numberOfSignificantValueDigits: .two)
        let mirror = Mirror(reflecting: empty)
        subBucketHalfCountMagnitude = (mirror.descendant("subBucketHalfCountMagnitude") as? UInt8).map(Int.init) ?? -1
        unitMagnitude = (mirror.descendant("unitMagnitude") as? UInt8).map(Int.init) ?? -1
    }

    /// Prometheus buckets for latencies, in seconds (from 0.5 ms to 10 s).
    static let timerBucketSeconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Prometheus buckets for unitless values: powers of ten up to 10⁹.
    static let plainBuckets: [Double] = (0...9).map { pow10($0) }

    private static func pow10(_ exponent: Int) -> Double {
        (0..<exponent).reduce(1.0) { value, _ in value * 10 }
    }

    /// Several percentiles in one pass over the bucket counts, with exactly the semantics of
    /// `Histogram.valueAtPercentile`; nil if the counts cannot be read (then use that instead).
    ///
    /// Why not call `valueAtPercentile`: it is not `@inlinable`, so from this module it runs as
    /// unspecialised generic code, ≈ 23 µs per call at this resolution, three calls per series per
    /// query. Reading the counts once (through reflection; the layout is pinned by our dependency
    /// version and checked against `valueAtPercentile` in the tests) and scanning them here costs
    /// a few µs for all three.
    func percentiles(_ percentiles: [Double], of histogram: Histogram<UInt32>) -> [UInt64]? {
        guard subBucketHalfCountMagnitude >= 0, unitMagnitude >= 0,
              let counts = Mirror(reflecting: histogram).descendant("counts") as? [UInt32] else { return nil }
        let total = histogram.totalCount
        let targets = percentiles.map { percentile -> UInt64 in
            let requested = Swift.min(Swift.max(percentile.nextDown, 0), 100)
            return Swift.max(1, UInt64((requested * Double(total) / 100).rounded(.up)))
        }
        var indices = [Int](repeating: counts.count - 1, count: targets.count)
        var next = 0
        var running: UInt64 = 0
        counts.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count where next < targets.count {
                running &+= UInt64(buffer[index])
                while next < targets.count, running >= targets[next] {
                    indices[next] = index
                    next += 1
                }
            }
        }
        let maxRecorded = histogram.maxRecorded
        let minValue = histogram.min
        return indices.map { index in
            let value = histogram.highestEquivalentForValue(valueFromIndex(index))
            return Swift.max(Swift.min(value, maxRecorded), minValue)
        }
    }

    /// HDR's `valueFromIndex`, which is internal to the Histogram module.
    private func valueFromIndex(_ index: Int) -> UInt64 {
        let halfCount = 1 << subBucketHalfCountMagnitude
        var bucketIndex = (index >> subBucketHalfCountMagnitude) - 1
        var subBucketIndex = (index & (halfCount - 1)) + halfCount
        if bucketIndex < 0 {
            subBucketIndex -= halfCount
            bucketIndex = 0
        }
        return UInt64(subBucketIndex) << UInt64(bucketIndex + unitMagnitude)
    }
}

/// Everything a histogram series keeps; only touched under its lock.
struct HistogramState {
    struct Second {
        var count: UInt64
        var histogram: Histogram<UInt32>
    }

    /// The second in progress.
    var current: Histogram<UInt32>
    var currentCount: UInt64 = 0
    var ring: SecondRing<Second>
    let empty: Histogram<UInt32>
    var totalCount: UInt64 = 0
    /// Sum of every value since start, in raw units (exact as long as it stays below 2⁶⁴).
    var totalSum: UInt64 = 0
    let rawBucketBounds: [UInt64]
    /// Non-cumulative counts per bucket, the last one for +Inf.
    var bucketCounts: [UInt64]

    init(retainedSeconds: Int, rawBucketBounds: [UInt64], empty: Histogram<UInt32>) {
        ring = SecondRing(capacity: retainedSeconds)
        self.rawBucketBounds = rawBucketBounds
        self.empty = empty
        current = empty
        bucketCounts = Array(repeating: 0, count: rawBucketBounds.count + 1)
    }

    @inline(__always)
    mutating func record(_ value: UInt64) {
        current.record(value)
        currentCount &+= 1
        totalCount &+= 1
        totalSum &+= value
        // Binary search for the first bound ≥ value (Prometheus' `le` is inclusive).
        var low = 0, high = rawBucketBounds.count
        while low < high {
            let mid = (low + high) >> 1
            if rawBucketBounds[mid] < value { low = mid + 1 } else { high = mid }
        }
        bucketCounts[low] &+= 1
    }

    /// Moves the second in progress into the ring as `second`.
    mutating func close(second: Int) {
        guard currentCount > 0 else { return }
        ring[second: second] = Second(count: currentCount, histogram: current)
        current = empty
        currentCount = 0
    }
}

extension HistogramSeries {
    /// Count, sum (in the series' raw unit) and cumulative bucket counts (one per ``bucketBounds``
    /// entry) since it was made: what an exporter sends.
    public func exportTotals() -> (count: UInt64, sum: UInt64, cumulativeBuckets: [UInt64]) {
        totals()
    }
}
