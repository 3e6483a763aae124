import CoreMetrics

/// A swift-metrics `MetricsFactory` that records into a ``MetricsStore``.
///
/// Pass it to `Counter(label:dimensions:factory:)` and friends (libraries take a factory as a
/// parameter), or bootstrap it in `main` with `MetricsSystem.bootstrap(factory)`. Making a metric
/// takes a lock and a dictionary look-up: make metrics once and keep them; recording is lock-free
/// for counters and gauges and one short critical section for timers and aggregating recorders.
public struct TelemetryMetricsFactory: MetricsFactory {
    public let store: MetricsStore

    public init(store: MetricsStore) {
        self.store = store
    }

    private var retained: Int { store.configuration.retainedSeconds }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        store.series(SeriesKey(label: label, dimensions: dimensions), as: { if case .counter(let s) = $0 { s } else { nil } },
                     make: { .counter(CounterSeries(key: $0, retainedSeconds: retained)) }, kindName: "counter")
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        store.series(SeriesKey(label: label, dimensions: dimensions), as: { if case .floatingCounter(let s) = $0 { s } else { nil } },
                     make: { .floatingCounter(FloatingCounterSeries(key: $0, retainedSeconds: retained)) }, kindName: "counter")
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        makeGauge(label: label, dimensions: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return makeGauge(label: label, dimensions: dimensions) }
        return store.series(SeriesKey(label: label, dimensions: dimensions), as: { if case .histogram(let s) = $0, s.unit == .plain { s } else { nil } },
                            make: { .histogram(HistogramSeries(key: $0, unit: .plain, retainedSeconds: retained)) }, kindName: "histogram")
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        store.series(SeriesKey(label: label, dimensions: dimensions), as: { if case .histogram(let s) = $0, s.unit == .nanoseconds { s } else { nil } },
                     make: { .histogram(HistogramSeries(key: $0, unit: .nanoseconds, retainedSeconds: retained)) }, kindName: "timer")
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        if let series = handler as? CounterSeries { store.remove(series.key) }
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let series = handler as? FloatingCounterSeries { store.remove(series.key) }
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        if let series = handler as? GaugeSeries { store.remove(series.key) }
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        if let series = handler as? GaugeSeries { store.remove(series.key) }
        if let series = handler as? HistogramSeries { store.remove(series.key) }
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        if let series = handler as? HistogramSeries { store.remove(series.key) }
    }

    private func makeGauge(label: String, dimensions: [(String, String)]) -> GaugeSeries {
        store.series(SeriesKey(label: label, dimensions: dimensions), as: { if case .gauge(let s) = $0 { s } else { nil } },
                     make: { .gauge(GaugeSeries(key: $0, retainedSeconds: retained)) }, kindName: "gauge")
    }
}
