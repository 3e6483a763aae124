import CoreMetrics
import Synchronization

/// An integer counter: a cumulative total (one relaxed atomic add per increment) plus per-second
/// deltas, taken when the store closes each second.
public final class CounterSeries: CounterHandler, Sendable {
    public let key: SeriesKey
    private let total = Atomic<Int64>(0)
    private let window: Mutex<CountWindow>

    init(key: SeriesKey, retainedSeconds: Int) {
        self.key = key
        self.window = Mutex(CountWindow(retainedSeconds: retainedSeconds))
    }

    public func increment(by amount: Int64) {
        total.wrappingAdd(amount, ordering: .relaxed)
    }

    public func reset() {
        total.store(0, ordering: .relaxed)
    }

    /// The total since start (or since the last `reset()`).
    public var value: Int64 { total.load(ordering: .relaxed) }

    func close(second: Int) {
        let now = Double(value)
        window.withLock { $0.close(second: second, total: now) }
    }

    func sum(seconds: ClosedRange<Int>) -> Double {
        window.withLock { $0.sum(seconds: seconds) }
    }

    func history(seconds: ClosedRange<Int>) -> [Double] {
        window.withLock { $0.history(seconds: seconds) }
    }
}

/// A floating-point counter (`FloatingPointCounter`): the same shape as ``CounterSeries``, with the
/// total kept as the bits of a `Double` and updated by compare-and-swap.
public final class FloatingCounterSeries: FloatingPointCounterHandler, Sendable {
    public let key: SeriesKey
    private let totalBits = Atomic<UInt64>(0.0.bitPattern)
    private let window: Mutex<CountWindow>

    init(key: SeriesKey, retainedSeconds: Int) {
        self.key = key
        self.window = Mutex(CountWindow(retainedSeconds: retainedSeconds))
    }

    public func increment(by amount: Double) {
        guard amount.isFinite, amount > 0 else { return }
        totalBits.addDouble(amount)
    }

    public func reset() {
        totalBits.store(0.0.bitPattern, ordering: .relaxed)
    }

    public var value: Double { Double(bitPattern: totalBits.load(ordering: .relaxed)) }

    func close(second: Int) {
        let now = value
        window.withLock { $0.close(second: second, total: now) }
    }

    func sum(seconds: ClosedRange<Int>) -> Double {
        window.withLock { $0.sum(seconds: seconds) }
    }

    func history(seconds: ClosedRange<Int>) -> [Double] {
        window.withLock { $0.history(seconds: seconds) }
    }
}

/// Per-second increments of a cumulative total.
struct CountWindow {
    private var lastTotal: Double = 0
    private var deltas: SecondRing<Double>

    init(retainedSeconds: Int) {
        deltas = SecondRing(capacity: retainedSeconds)
    }

    /// Credits everything counted since the previous close to `second`.
    mutating func close(second: Int, total: Double) {
        // A total below the last one means the counter was reset: count from zero.
        let delta = total >= lastTotal ? total - lastTotal : total
        lastTotal = total
        deltas[second: second] = delta
    }

    func sum(seconds: ClosedRange<Int>) -> Double {
        seconds.reduce(0) { $0 + (deltas[second: $1] ?? 0) }
    }

    func history(seconds: ClosedRange<Int>) -> [Double] {
        seconds.map { deltas[second: $0] ?? 0 }
    }
}
