import CoreMetrics
import Metrics
import Telemetry

/// Issue 2's metrics figures: the cost of recording, and of the queries the dashboard makes.
func registerTelemetryMetricsBenchmarks(on runner: BenchmarkRunner) {
    let clock = ManualClock()
    let store = MetricsStore(time: TimeSource(clock: clock, originUnixNanoseconds: 0))
    let factory = TelemetryMetricsFactory(store: store)

    let counter = Counter(label: "bench_requests_total", dimensions: [("service", "bench")], factory: factory)
    runner.measure("metrics.counter-increment", baseline: "baseline.atomic-increment", iterations: 50_000_000) { n in
        for _ in 0..<n { counter.increment() }
    }

    let timer = Metrics.Timer(label: "bench_latency", dimensions: [("service", "bench")], factory: factory)
    runner.measure("metrics.timer-record", iterations: 10_000_000) { n in
        var value: Int64 = 1_000_000
        for _ in 0..<n {
            timer.recordNanoseconds(value)
            value = value &* 1_103_515_245 &+ 12_345 & 0x3FFF_FFFF // spread over ≈ 1 µs – 1 s
        }
    }

    // 100 timer series with a minute of per-second data, as a busy system's dashboard sees them.
    let windowStore = MetricsStore(time: TimeSource(clock: clock, originUnixNanoseconds: 0))
    let windowFactory = TelemetryMetricsFactory(store: windowStore)
    let timers = (0..<100).map { Metrics.Timer(label: "latency", dimensions: [("service", "s\($0 % 10)"), ("route", "r\($0)")], factory: windowFactory) }
    let counters = (0..<100).map { Counter(label: "requests_total", dimensions: [("service", "s\($0 % 10)"), ("route", "r\($0)")], factory: windowFactory) }
    var seed: Int64 = 7
    for _ in 0..<60 {
        for (timer, counter) in zip(timers, counters) {
            for _ in 0..<200 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1
                timer.recordNanoseconds(200_000 + (seed >> 33) % 200_000_000)
                counter.increment()
            }
        }
        clock.advance(by: .seconds(1))
        windowStore.tick()
    }
    let oneRoute = SeriesSelector(label: "latency", matching: ["route": "r7"])
    runner.measure("metrics.window-percentiles-10s", iterations: 20_000, note: "p50/p95/p99/max of one series over 10 s") { n in
        for _ in 0..<n { blackHole(windowStore.latency(oneRoute, window: 10)) }
    }
    runner.measure("metrics.window-percentiles-60s", iterations: 5_000, note: "p50/p95/p99/max of one series over 60 s") { n in
        for _ in 0..<n { blackHole(windowStore.latency(oneRoute, window: 60)) }
    }
    runner.measure("metrics.snapshot-100-timer-series", iterations: 200, note: "100 timers + 100 counters, 10 s window, 60 s history; target ≤ 5 ms") { n in
        for _ in 0..<n { blackHole(windowStore.snapshot(window: 10)) }
    }
}
