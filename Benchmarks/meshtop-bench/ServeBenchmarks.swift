import CoreMetrics
import HTTPEdge
import Metrics
import Telemetry

/// `meshtop serve`'s figure: what a Prometheus scrape of `GET /metrics` costs the server with
/// 10,000 series — the exposition rendered and put in the response, as the route does it.
func registerServeBenchmarks(on runner: BenchmarkRunner) {
    let name = "serve.metrics-10k-series"
    guard runner.shouldRun(name) else { return }
    let clock = ManualClock()
    let store = MetricsStore(time: TimeSource(clock: clock, originUnixNanoseconds: 0))
    let factory = TelemetryMetricsFactory(store: store)
    // Shaped like a large mesh's: 50 services × 60 routes × 3 statuses of request counters (9,000),
    // 500 in-flight gauges and 500 latency timers (histograms: each is many exposition lines).
    var counters: [Counter] = []
    for service in 0..<50 {
        for route in 0..<60 {
            for status in ["200", "404", "503"] {
                counters.append(Counter(label: "requests_total", dimensions: [("service", "service-\(service)"), ("route", "/api/r\(route)"), ("status", status)], factory: factory))
            }
        }
    }
    let gauges = (0..<500).map { Meter(label: "requests_in_flight", dimensions: [("instance", "instance-\($0)")], factory: factory) }
    let timers = (0..<500).map { Metrics.Timer(label: "request_duration", dimensions: [("service", "service-\($0 % 50)"), ("route", "/api/r\($0)")], factory: factory) }
    for (index, counter) in counters.enumerated() { counter.increment(by: index % 1_000) }
    for (index, gauge) in gauges.enumerated() { gauge.set(Double(index % 7)) }
    for (index, timer) in timers.enumerated() {
        for sample in 0..<20 { timer.recordNanoseconds(Int64(100_000 * (1 + (index + sample) % 300))) }
    }
    clock.advance(by: .seconds(2))
    store.tick()

    let routes = EdgeRoutes(provider: StoreOnlyProvider(store: store), token: nil)
    let lines = PrometheusExposition.render(store).split(separator: "\n").filter { !$0.hasPrefix("#") }.count
    runner.require(name, store.allSeries().count == 10_000, "the store holds \(store.allSeries().count) series, not 10,000")
    runner.require(name, routes.metrics().status == .ok, "GET /metrics did not answer 200")
    runner.measure(name, iterations: 20, note: "GET /metrics response (exposition rendered into the body) for 9,000 counters, 500 gauges and 500 histograms: \(lines) sample lines; target ≤ 20 ms") { n in
        for _ in 0..<n { blackHole(routes.metrics()) }
    }
}

/// A provider with nothing but a metrics store, for the exposition figure.
private struct StoreOnlyProvider: HTTPEdgeProvider {
    let store: MetricsStore
    var systemName: String { "bench" }
    var isReady: Bool { true }
    func snapshot(window: Int) async -> SystemSnapshot { SystemSnapshot(system: "bench", takenAt: 0, uptimeSeconds: 0, windowSeconds: window) }
    func traces(_ query: TraceQuery) async -> TracePage { TracePage(query: query) }
    func traceTree(id: String) async -> TraceTree? { nil }
    func perform(_ command: ControlCommand, origin: ActionOrigin) async throws(ControlTargetNotFound) {}
    func metricsExposition() -> String { PrometheusExposition.render(store) }
}
