import Dashboard
import Telemetry
import TerminalUI

/// Issue 6's figure: render and diff a full 200×60 frame of a big system (50 services, 50
/// breakers, 10,000 stored traces), against filling the same buffer with text.
func registerDashboardBenchmarks(on runner: BenchmarkRunner) {
    let width = 200, height = 60
    runner.declareBaselines(["baseline.buffer-fill-200x60"])
    let line = String(repeating: "x", count: width)
    runner.measure("baseline.buffer-fill-200x60", iterations: 20_000, note: "a new buffer with every row written once") { n in
        for _ in 0..<n {
            var buffer = Buffer(width: width, height: height)
            for y in 0..<height { _ = buffer.write(line, x: 0, y: y) }
            blackHole(buffer)
        }
    }

    let snapshots = [bigSnapshot(tick: 0), bigSnapshot(tick: 1)]
    for tab in [Tab.services, .traces] {
        var states = snapshots.map { snapshot -> DashboardState in
            var state = DashboardState(width: width, height: height, snapshot: snapshot)
            state.tab = tab
            return state
        }
        var previous = DashboardRenderer.render(states[0], glyphs: .unicode)
        runner.measure("dashboard.update-render-diff-\(tab)-200x60", baseline: "baseline.buffer-fill-200x60", iterations: 2_000,
                       note: "a new snapshot through update, the whole frame rendered, diffed against the last; target ≤ 2 ms") { n in
            var changed = 0
            for i in 0..<n {
                _ = update(&states[i & 1], .snapshot(snapshots[i & 1]))
                let frame = DashboardRenderer.render(states[i & 1], glyphs: .unicode)
                changed &+= Buffer.diff(from: previous, to: frame).count
                previous = frame
            }
            blackHole(changed)
        }
    }
}

/// 50 services with 60 s histories, 50 breakers, 10,000 trace summaries and 200 events; `tick`
/// shifts the numbers so consecutive frames differ as live ones do.
private func bigSnapshot(tick: Int) -> SystemSnapshot {
    var services: [ServiceStatus] = []
    for i in 0..<50 {
        let shift = Double(i + tick)
        let latency = LatencySummary(count: 1_000, p50Ms: 5 + Double(i), p95Ms: 20 + Double(i), p99Ms: 50 + shift, maxMs: 90)
        let history: [Double] = (0..<60).map { Double(($0 + i + tick) % 17) }
        let instances: [InstanceStatus] = (0..<3).map { InstanceStatus(id: "service-\(i)-\($0)") }
        let health: Health = i % 7 == 0 ? Health(.degraded, reason: "errors") : .up
        services.append(ServiceStatus(name: "service-\(i)", health: health, instances: instances, rps: 100 + shift,
                                      errorRatio: Double(i % 5) / 100, latency: latency, rpsHistory: history,
                                      requestsTotal: 10_000 + tick, fault: i == 3 ? .errors(ratio: 0.5) : .none))
    }
    var breakers: [BreakerStatus] = []
    for i in 0..<50 {
        let state: BreakerState = i % 10 == 0 ? .open : .closed
        breakers.append(BreakerStatus(id: "service-\(i)->service-\((i + 1) % 50)", state: state, failureRate: Double(i % 10) / 10,
                                      callsInWindow: 100, rejectedCount: i * tick, secondsInState: Double(tick + i)))
    }
    var traces: [TraceSummary] = []
    traces.reserveCapacity(10_000)
    let zeros = String(repeating: "0", count: 24)
    for i in 0..<10_000 {
        let started: Double = 1_700_000_000 + Double(i + tick)
        let duration = Double((i * 37) % 500)
        traces.append(TraceSummary(traceId: zeros + format8(i + tick), rootService: "gateway", rootOperation: "GET /api/orders",
                                   startedAt: started, durationMs: duration, spanCount: 6, hasError: i % 13 == 0,
                                   services: ["gateway", "order-service"]))
    }
    var events: [EventRecord] = []
    for i in 0..<200 {
        let at: Double = 1_700_000_000 + Double(i)
        events.append(EventRecord(id: UInt64(i + tick), at: at, uptimeSeconds: Double(i), source: "service-\(i % 50)", kind: .info, message: "event \(i + tick)"))
    }
    let totals = Totals(rps: 5_000, errorRatio: 0.01, openBreakers: 5, storedTraces: 10_000)
    return SystemSnapshot(system: "bench", takenAt: 1_700_000_000 + Double(tick), uptimeSeconds: 100 + Double(tick), windowSeconds: 10,
                          totals: totals, services: services, breakers: breakers, traces: traces, events: events)
}

private func format8(_ value: Int) -> String {
    let hex = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
}
