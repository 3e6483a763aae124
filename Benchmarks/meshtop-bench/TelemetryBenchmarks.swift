import CoreMetrics
import Foundation
import Metrics
import Randomness
import Telemetry

/// The metrics figures: the cost of recording, and of the queries the dashboard makes.
func registerTelemetryMetricsBenchmarks(on runner: BenchmarkRunner) {
    let clock = ManualClock()
    let store = MetricsStore(time: TimeSource(clock: clock, originUnixNanoseconds: 0))
    let factory = TelemetryMetricsFactory(store: store)

    let counter = Counter(label: "bench_requests_total", dimensions: [("service", "bench")], factory: factory)
    let requests = SeriesSelector(label: "bench_requests_total")
    let countedBefore = store.total(requests)
    counter.increment()
    runner.require("metrics.counter-increment", store.total(requests) == countedBefore + 1, "an increment did not reach the store")
    runner.measure("metrics.counter-increment", baseline: "baseline.atomic-increment", iterations: 50_000_000) { n in
        for _ in 0..<n { counter.increment() }
    }

    let timer = Metrics.Timer(label: "bench_latency", dimensions: [("service", "bench")], factory: factory)
    // Drawn before measuring, so the figure is the recording alone; 4,096 values (32 KB) stay in cache.
    let latencies = logUniformLatencies(count: 4_096, seed: 1)
    let latencyRecords = SeriesSelector(label: "bench_latency")
    let recordedBefore = store.total(latencyRecords)
    timer.recordNanoseconds(latencies[0])
    runner.require("metrics.timer-record", store.total(latencyRecords) == recordedBefore + 1, "a recorded latency did not reach the store")
    runner.require("metrics.timer-record", latencies.allSatisfy { (1_000...1_000_000_000).contains($0) },
                   "latencies must lie in 1 µs – 1 s; got \(latencies.min()!) ns – \(latencies.max()!) ns")
    // Log-uniform: each of the six decades holds about a sixth of the values.
    let decades = Dictionary(grouping: latencies) { min(5, Int(log10(Double($0)) - 3)) }.mapValues(\.count)
    runner.require("metrics.timer-record", (0..<6).allSatisfy { (500...900).contains(decades[$0, default: 0]) },
                   "latencies must spread evenly over the decades of 1 µs – 1 s; got \(decades.sorted { $0.key < $1.key })")
    runner.measure("metrics.timer-record", iterations: 10_000_000, note: "latencies log-uniform over 1 µs – 1 s") { n in
        latencies.withUnsafeBufferPointer { values in
            for index in 0..<n { timer.recordNanoseconds(values[index & 4_095]) }
        }
    }

    // 100 timer series with a minute of per-second data, as a busy system's dashboard sees them.
    let windowStore = MetricsStore(time: TimeSource(clock: clock, originUnixNanoseconds: 0))
    let windowFactory = TelemetryMetricsFactory(store: windowStore)
    let timers = (0..<100).map { Metrics.Timer(label: "latency", dimensions: [("service", "s\($0 % 10)"), ("route", "r\($0)")], factory: windowFactory) }
    let counters = (0..<100).map { Counter(label: "requests_total", dimensions: [("service", "s\($0 % 10)"), ("route", "r\($0)")], factory: windowFactory) }
    // 200 calls a second per series, latencies uniform over 0.2 – 200.2 ms.
    var random = SeededRandom(seed: 7, component: "bench.window-latencies")
    for _ in 0..<60 {
        for (timer, counter) in zip(timers, counters) {
            for _ in 0..<200 {
                timer.recordNanoseconds(200_000 + Int64(random.nextIndex(below: 200_000_000)))
                counter.increment()
            }
        }
        clock.advance(by: .seconds(1))
        windowStore.tick()
    }
    let oneRoute = SeriesSelector(label: "latency", matching: ["route": "r7"])
    for (figure, seconds) in [("metrics.window-percentiles-10s", 10), ("metrics.window-percentiles-60s", 60)] {
        let summary = windowStore.latency(oneRoute, window: seconds)
        runner.require(figure, summary.map { $0.count == 200 * seconds } ?? false,
                       "route r7 must hold 200 latencies a second over \(seconds) s; got \(summary?.count ?? 0)")
        // HDR histograms round within 1%.
        runner.require(figure, summary.map { $0.p50Ms > 50 && $0.p50Ms < 150 && $0.maxMs <= 200.2 * 1.01 } ?? false,
                       "route r7's latencies must lie in 0.2 – 200.2 ms; got \(String(describing: summary))")
    }
    let fullSnapshot = windowStore.snapshot(window: 10)
    let timerSeries = fullSnapshot.series.filter { $0.kind == .timer }.count
    let counterSeries = fullSnapshot.series.filter { $0.kind == .counter }.count
    runner.require("metrics.snapshot-100-timer-series", timerSeries == 100 && counterSeries == 100,
                   "the store must hold 100 timer and 100 counter series; got \(timerSeries) and \(counterSeries)")
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

/// `count` latencies in nanoseconds, log-uniform over 1 µs – 1 s (as many in 1 – 10 µs as in
/// 100 ms – 1 s, as a mix of cache hits and slow calls is), from a fixed seed.
func logUniformLatencies(count: Int, seed: UInt64) -> [Int64] {
    var random = SeededRandom(seed: seed, component: "bench.latencies")
    // 10^(3 + 6u) ns for u uniform in [0, 1): 1 µs up to (not including) 1 s.
    return (0..<count).map { _ in Int64(pow(10, 3 + 6 * random.nextUnitInterval())) }
}
