import CoreMetrics
import Synchronization

/// A value that goes up and down (a `Meter`, or a `Recorder` made with `aggregate: false`):
/// the current value, plus its value at the end of each closed second.
public final class GaugeSeries: MeterHandler, RecorderHandler, Sendable {
    public let key: SeriesKey
    private let bits = Atomic<UInt64>(0.0.bitPattern)
    private let samples: Mutex<SecondRing<Double>>

    init(key: SeriesKey, retainedSeconds: Int) {
        self.key = key
        self.samples = Mutex(SecondRing(capacity: retainedSeconds))
    }

    public func set(_ value: Int64) { set(Double(value)) }

    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    public func increment(by amount: Double) { add(amount) }

    public func decrement(by amount: Double) { add(-amount) }

    public func record(_ value: Int64) { set(Double(value)) }

    public func record(_ value: Double) { set(value) }

    public var value: Double { Double(bitPattern: bits.load(ordering: .relaxed)) }

    private func add(_ amount: Double) {
        bits.addDouble(amount)
    }

    func close(second: Int) {
        let now = value
        samples.withLock { $0[second: second] = now }
    }

    /// The value at the end of each second, oldest first; a second with no sample repeats the one before.
    func history(seconds: ClosedRange<Int>) -> [Double] {
        samples.withLock { ring in
            var last = 0.0
            return seconds.map { second in
                if let sample = ring[second: second] { last = sample }
                return last
            }
        }
    }
}
