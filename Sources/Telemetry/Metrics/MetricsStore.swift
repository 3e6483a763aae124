import Histogram
import Synchronization

/// The in-process metrics backend: every series made through ``TelemetryMetricsFactory``, readable
/// by the rest of the program as totals, rates, per-second histories and windowed percentiles.
///
/// Recording never reads a clock: counters add to an atomic, histograms record into the histogram
/// of the second in progress. Time enters through ``tick()``, which closes every second that has
/// ended since the last tick (a ``MetricsSampler`` calls it once a second; tests call it after
/// advancing a ``ManualClock``). Queries cover closed seconds only: "the last 10 seconds" are the
/// ten most recent complete seconds. Seconds are counted from the ``TimeSource``'s origin.
///
/// Thread safety: all methods may be called from any task. Queries are meant for the dashboard's
/// pace (a few times a second), not per request.
public final class MetricsStore: Sendable {
    public struct Configuration: Sendable {
        /// How many past seconds each series keeps (history, rates and percentiles reach this far back).
        public var retainedSeconds: Int

        public init(retainedSeconds: Int = 60) {
            precondition(retainedSeconds >= 1, "retainedSeconds must be at least 1")
            self.retainedSeconds = retainedSeconds
        }
    }

    public let time: TimeSource
    public let configuration: Configuration
    private let registry = Mutex(Registry())
    /// The last second closed by `tick`, -1 before the first. Queries read it without the tick lock.
    private let closedThrough = Atomic<Int>(-1)
    private let tickLock = Mutex<Void>(())

    public init(time: TimeSource, configuration: Configuration = Configuration()) {
        self.time = time
        self.configuration = configuration
    }

    /// The series by key, and their key order kept between changes: a scrape, a tick and every
    /// query read the sorted list, and series are made at start-up, then rarely.
    private struct Registry {
        var byKey: [SeriesKey: Series] = [:]
        /// Every series sorted by key; nil after one was added or removed, until it is next read.
        private var sorted: [Series]?

        mutating func insert(_ series: Series, for key: SeriesKey) {
            byKey[key] = series
            sorted = nil
        }

        mutating func remove(_ key: SeriesKey) {
            if byKey.removeValue(forKey: key) != nil { sorted = nil }
        }

        mutating func sortedSeries() -> [Series] {
            if let sorted { return sorted }
            // Sorted as (key, series) pairs: the dictionary's keys are at hand, where each series'
            // own key would be read through its enum case on every comparison.
            let made = byKey.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }.map(\.1)
            sorted = made
            return made
        }
    }

    /// One series, of whichever kind it was made as.
    public enum Series: Sendable {
        case counter(CounterSeries)
        case floatingCounter(FloatingCounterSeries)
        case gauge(GaugeSeries)
        case histogram(HistogramSeries)

        public var key: SeriesKey {
            switch self {
            case .counter(let s): s.key
            case .floatingCounter(let s): s.key
            case .gauge(let s): s.key
            case .histogram(let s): s.key
            }
        }

        func close(second: Int) {
            switch self {
            case .counter(let s): s.close(second: second)
            case .floatingCounter(let s): s.close(second: second)
            case .gauge(let s): s.close(second: second)
            case .histogram(let s): s.close(second: second)
            }
        }
    }

    // MARK: Making series (used by the factory)

    /// The series for `key`, made by `make` if there is none yet. If `key` exists as another kind,
    /// the new kind is kept under the label suffixed with `_<kind>` so neither is lost.
    func series<S>(_ key: SeriesKey, as extract: (Series) -> S?, make: (SeriesKey) -> Series, kindName: String) -> S {
        registry.withLock { registry in
            if let existing = registry.byKey[key] {
                if let wanted = extract(existing) { return wanted }
                let renamed = SeriesKey(label: "\(key.label)_\(kindName)", dimensions: key.dimensions.map { ($0.name, $0.value) })
                if let existingRenamed = registry.byKey[renamed], let wanted = extract(existingRenamed) { return wanted }
                let made = make(renamed)
                registry.insert(made, for: renamed)
                return extract(made)!
            }
            let made = make(key)
            registry.insert(made, for: key)
            return extract(made)!
        }
    }

    func remove(_ key: SeriesKey) {
        registry.withLock { $0.remove(key) }
    }

    // MARK: Time

    /// Closes every second that has ended, by the time source's clock.
    public func tick() {
        tick(at: time.now())
    }

    /// Closes every second that ended at or before `now` (seconds since the origin).
    ///
    /// Whatever was counted since the previous tick is credited to the last second that ended; if
    /// ticks were late by more than a second, the seconds in between show nothing.
    public func tick(at now: Duration) {
        let lastEnded = Int(now.components.seconds) - 1
        tickLock.withLock { _ in
            guard lastEnded > closedThrough.load(ordering: .acquiring) else { return }
            for series in allSeries() { series.close(second: lastEnded) }
            closedThrough.store(lastEnded, ordering: .releasing)
        }
    }

    /// The most recent closed second (seconds since the origin), or -1 before the first has closed.
    public var lastClosedSecond: Int { closedThrough.load(ordering: .acquiring) }

    /// The closed seconds a window of `seconds` covers, clipped at the origin; nil before any closed.
    public func windowRange(seconds: Int) -> ClosedRange<Int>? {
        let last = lastClosedSecond
        guard last >= 0, seconds >= 1 else { return nil }
        let span = min(seconds, configuration.retainedSeconds)
        return max(0, last - span + 1)...last
    }

    // MARK: Queries

    /// Every series, sorted by key.
    public func allSeries() -> [Series] {
        registry.withLock { $0.sortedSeries() }
    }

    /// The selected series, sorted by key (so sums over them add up in the same order every run).
    public func series(matching selector: SeriesSelector) -> [Series] {
        registry.withLock { $0.sortedSeries() }.filter { selector.matches($0.key) }
    }

    public func series(for key: SeriesKey) -> Series? {
        registry.withLock { $0.byKey[key] }
    }

    /// Events per second over the last `window` seconds, summed over the selected series
    /// (counter increments, or values recorded into histograms).
    ///
    /// The sum is divided by the window's length, or by the time since start when that is shorter.
    public func rate(_ selector: SeriesSelector, window: Int) -> Double {
        guard let range = windowRange(seconds: window) else { return 0 }
        let sum = series(matching: selector).reduce(0.0) { $0 + Self.count(of: $1, in: range) }
        return sum / Double(range.count)
    }

    /// Per-second counts (counters: increments; histograms: values recorded; gauges: the value at
    /// the end of the second) summed over the selected series, for the last `seconds` seconds,
    /// oldest first. Always `seconds` long; seconds before the origin are 0.
    public func history(_ selector: SeriesSelector, seconds: Int) -> [Double] {
        let last = lastClosedSecond
        var result = Array(repeating: 0.0, count: max(0, seconds))
        guard last >= 0, seconds > 0 else { return result }
        let first = last - seconds + 1
        let range = max(0, first)...last
        let offset = range.lowerBound - first
        for series in series(matching: selector) {
            let values: [Double] = switch series {
            case .counter(let s): s.history(seconds: range)
            case .floatingCounter(let s): s.history(seconds: range)
            case .gauge(let s): s.history(seconds: range)
            case .histogram(let s): s.countHistory(seconds: range)
            }
            for (index, value) in values.enumerated() { result[offset + index] += value }
        }
        return result
    }

    /// Since-start totals summed over the selected series: counter values, gauge values, or
    /// histogram counts.
    public func total(_ selector: SeriesSelector) -> Double {
        series(matching: selector).reduce(0.0) { sum, series in
            switch series {
            case .counter(let s): sum + Double(s.value)
            case .floatingCounter(let s): sum + s.value
            case .gauge(let s): sum + s.value
            case .histogram(let s): sum + Double(s.totals().count)
            }
        }
    }

    /// Latency percentiles over the last `window` seconds, merged over the selected timer series;
    /// nil when nothing was recorded in the window.
    public func latency(_ selector: SeriesSelector, window: Int) -> LatencySummary? {
        guard let range = windowRange(seconds: window) else { return nil }
        let timers = series(matching: selector).compactMap { series -> HistogramSeries? in
            if case .histogram(let s) = series, s.unit == .nanoseconds { return s }
            return nil
        }
        guard let first = timers.first else { return nil }
        var accumulator = first.makeAccumulator()
        for timer in timers { timer.merge(seconds: range, into: &accumulator) }
        return first.distribution(of: accumulator)?.latencySummary
    }

    /// Every series with its figures over the window: what `meshtop snapshot` and the benchmark read.
    public func snapshot(window: Int, historySeconds: Int = 60) -> MetricsSnapshot {
        let range = windowRange(seconds: window)
        let span = Double(range?.count ?? 1)
        let last = lastClosedSecond
        let historyRange = last >= 0 ? max(0, last - historySeconds + 1)...last : nil
        let rows = allSeries().map { series -> SeriesSnapshot in
            let windowCount = range.map { Self.count(of: series, in: $0) } ?? 0
            switch series {
            case .counter(let s):
                return SeriesSnapshot(key: s.key, kind: .counter, total: Double(s.value), rate: windowCount / span,
                                      history: historyRange.map { s.history(seconds: $0) } ?? [])
            case .floatingCounter(let s):
                return SeriesSnapshot(key: s.key, kind: .counter, total: s.value, rate: windowCount / span,
                                      history: historyRange.map { s.history(seconds: $0) } ?? [])
            case .gauge(let s):
                return SeriesSnapshot(key: s.key, kind: .gauge, total: s.value, rate: 0,
                                      history: historyRange.map { s.history(seconds: $0) } ?? [])
            case .histogram(let s):
                let distribution = range.flatMap { s.distribution(seconds: $0) }
                return SeriesSnapshot(
                    key: s.key, kind: s.unit == .nanoseconds ? .timer : .histogram, total: Double(s.totals().count),
                    rate: windowCount / span, history: historyRange.map { s.countHistory(seconds: $0) } ?? [],
                    distribution: distribution.map { d in
                        s.unit == .nanoseconds ? d.latencySummary
                            : LatencySummary(count: Int(d.count), p50Ms: Double(d.p50), p95Ms: Double(d.p95), p99Ms: Double(d.p99), maxMs: Double(d.max))
                    })
            }
        }
        return MetricsSnapshot(windowSeconds: window, lastClosedSecond: last, series: rows)
    }

    private static func count(of series: Series, in range: ClosedRange<Int>) -> Double {
        switch series {
        case .counter(let s): s.sum(seconds: range)
        case .floatingCounter(let s): s.sum(seconds: range)
        case .gauge: 0
        case .histogram(let s): s.count(seconds: range)
        }
    }
}

/// Every series' figures at one moment.
public struct MetricsSnapshot: Sendable, Equatable {
    public var windowSeconds: Int
    public var lastClosedSecond: Int
    public var series: [SeriesSnapshot]
}

public struct SeriesSnapshot: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter, gauge, timer, histogram
    }

    public var key: SeriesKey
    public var kind: Kind
    /// Counter: total since start. Gauge: current value. Timer/histogram: values recorded since start.
    public var total: Double
    /// Per second over the window (counters and histograms; 0 for gauges).
    public var rate: Double
    /// Per second for the retained history, oldest first (gauges: the value at the end of each second).
    public var history: [Double]
    /// Percentiles over the window: milliseconds for timers, raw units for other histograms.
    public var distribution: LatencySummary?

    public init(key: SeriesKey, kind: Kind, total: Double, rate: Double, history: [Double], distribution: LatencySummary? = nil) {
        self.key = key
        self.kind = kind
        self.total = total
        self.rate = rate
        self.history = history
        self.distribution = distribution
    }
}
