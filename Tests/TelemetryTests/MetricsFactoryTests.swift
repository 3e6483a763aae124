import CoreMetrics
import Metrics
import Testing
@testable import Telemetry

/// A store on a manual clock with a fixed wall-clock origin, and its factory.
struct MetricsFixture {
    let clock = ManualClock()
    let store: MetricsStore
    let factory: TelemetryMetricsFactory

    init(retainedSeconds: Int = 60) {
        store = MetricsStore(time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000),
                             configuration: .init(retainedSeconds: retainedSeconds))
        factory = TelemetryMetricsFactory(store: store)
    }

    /// Advances the clock by whole seconds and closes them, as the sampler would.
    func advance(seconds: Int) {
        for _ in 0..<seconds {
            clock.advance(by: .seconds(1))
            store.tick()
        }
    }
}

@Suite struct MetricsFactoryTests {
    @Test func counterThroughTheSwiftMetricsAPI() {
        let f = MetricsFixture()
        let counter = Counter(label: "requests_total", dimensions: [("service", "user"), ("status", "200")], factory: f.factory)
        counter.increment()
        counter.increment(by: 4)
        // Same label and dimensions in another order: the same series.
        Counter(label: "requests_total", dimensions: [("status", "200"), ("service", "user")], factory: f.factory).increment()
        #expect(f.store.total(SeriesSelector(label: "requests_total")) == 6)
        counter.reset()
        #expect(f.store.total(SeriesSelector(label: "requests_total")) == 0)
    }

    @Test("every series in key order, also after series are made or removed between reads")
    func allSeriesStaysSortedAcrossChanges() {
        let f = MetricsFixture()
        Counter(label: "requests", dimensions: [("service", "order")], factory: f.factory).increment()
        Counter(label: "errors", factory: f.factory).increment()
        #expect(f.store.allSeries().map(\.key.label) == ["errors", "requests"])
        Counter(label: "requests", dimensions: [("service", "auth")], factory: f.factory).increment()
        let gauge = Gauge(label: "depth", factory: f.factory)
        gauge.record(1)
        let keys = f.store.allSeries().map(\.key)
        #expect(keys == keys.sorted())
        #expect(keys.map(\.label) == ["depth", "errors", "requests", "requests"])
        #expect(keys.last?.dimensions.first?.value == "order")
        f.store.remove(SeriesKey(label: "depth"))
        #expect(f.store.allSeries().map(\.key.label) == ["errors", "requests", "requests"])
        #expect(f.store.series(matching: SeriesSelector(label: "requests")).map { $0.key.dimensions.first?.value } == ["auth", "order"])
    }

    @Test func floatingPointCounterAccumulatesFractions() {
        let f = MetricsFixture()
        let counter = FloatingPointCounter(label: "revenue", factory: f.factory)
        counter.increment(by: 0.25)
        counter.increment(by: 1.5)
        counter.increment(by: -3) // counters never go down: ignored
        #expect(f.store.total(SeriesSelector(label: "revenue")) == 1.75)
    }

    @Test func meterAndNonAggregatingRecorderAreGauges() {
        let f = MetricsFixture()
        let meter = Meter(label: "in_flight", factory: f.factory)
        meter.increment(by: 3)
        meter.decrement()
        let recorder = Recorder(label: "queue_depth", aggregate: false, factory: f.factory)
        recorder.record(7)
        recorder.record(5)
        #expect(f.store.total(SeriesSelector(label: "in_flight")) == 2)
        #expect(f.store.total(SeriesSelector(label: "queue_depth")) == 5)
        guard case .gauge = f.store.series(for: SeriesKey(label: "queue_depth")) else {
            Issue.record("a non-aggregating recorder should be a gauge")
            return
        }
    }

    @Test func timerAndAggregatingRecorderAreHistograms() throws {
        let f = MetricsFixture()
        let timer = Metrics.Timer(label: "latency", factory: f.factory)
        timer.recordMilliseconds(12)
        timer.recordNanoseconds(3_000_000)
        let recorder = Recorder(label: "payload_bytes", aggregate: true, factory: f.factory)
        recorder.record(512)
        recorder.record(-4) // negative values count as 0
        f.advance(seconds: 1)
        let latency = try #require(f.store.latency(SeriesSelector(label: "latency"), window: 10))
        #expect(latency.count == 2)
        #expect(abs(latency.maxMs - 12) / 12 < 0.01)
        #expect(f.store.total(SeriesSelector(label: "payload_bytes")) == 2)
        let snapshot = f.store.snapshot(window: 10)
        let bytes = try #require(snapshot.series.first { $0.key.label == "payload_bytes" })
        #expect(bytes.kind == .histogram)
        #expect(bytes.distribution?.maxMs == 512)
    }

    @Test func theSameKeyAsAnotherKindIsKeptApart() {
        let f = MetricsFixture()
        Counter(label: "calls", factory: f.factory).increment()
        Meter(label: "calls", factory: f.factory).set(9)
        #expect(f.store.total(SeriesSelector(label: "calls")) == 1)
        #expect(f.store.total(SeriesSelector(label: "calls_gauge")) == 9)
    }

    @Test func destroyingAMetricRemovesItsSeries() {
        let f = MetricsFixture()
        let counter = Counter(label: "short_lived", factory: f.factory)
        counter.increment()
        counter.destroy()
        #expect(f.store.series(matching: SeriesSelector(label: "short_lived")).isEmpty)
    }

    @Test func selectorsMatchDimensionsAndPredicates() {
        let f = MetricsFixture()
        for (service, status, n) in [("user", "200", 5), ("user", "503", 2), ("order", "500", 1), ("user", "404", 3)] {
            Counter(label: "requests_total", dimensions: [("service", service), ("status", status)], factory: f.factory).increment(by: n)
        }
        let serverErrors = DimensionPredicate(dimension: "status", hasPrefix: ["5"])
        #expect(f.store.total(SeriesSelector(label: "requests_total", matching: ["service": "user"])) == 10)
        #expect(f.store.total(SeriesSelector(label: "requests_total", matching: ["service": "user"], where: serverErrors)) == 2)
        #expect(f.store.total(SeriesSelector(label: "requests_total", where: serverErrors)) == 3)
    }
}
