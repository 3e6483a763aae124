import Dashboard
import Telemetry
import TerminalUI

/// The dashboard's frame: render and diff a full 200×60 frame of a big system (50 services, 50
/// breakers, 100 edges, 10,000 traces in a trace store), against filling the same buffer with
/// text; and the page of the Traces list the store answers.
func registerDashboardBenchmarks(on runner: BenchmarkRunner) {
    let width = 200, height = 60
    runner.declareBaselines(["baseline.buffer-fill-200x60"])
    let line = String(repeating: "x", count: width)
    var probe = Buffer(width: width, height: height)
    _ = probe.write(line, x: 0, y: height - 1)
    runner.require("baseline.buffer-fill-200x60", probe.width == width && probe.height == height && line.count == width,
                   "the buffer must be 200×60 and each written row 200 cells")
    runner.measure("baseline.buffer-fill-200x60", iterations: 20_000, note: "a new buffer with every row written once") { n in
        for _ in 0..<n {
            var buffer = Buffer(width: width, height: height)
            for y in 0..<height { _ = buffer.write(line, x: 0, y: y) }
            blackHole(buffer)
        }
    }

    let store = bigTraceStore(traces: 10_000)
    let snapshots = [bigSnapshot(tick: 0, store: store), bigSnapshot(tick: 1, store: store)]
    for tab in ["services", "traces", "topology"] {
        runner.require("dashboard.update-render-diff-\(tab)-200x60",
                       snapshots.allSatisfy { $0.services.count == 50 && $0.breakers.count == 50 && $0.edges.count == 100 && $0.events.count == 200 }
                           && store.stats.storedTraces == 10_000 && snapshots[0] != snapshots[1],
                       "the snapshots must hold 50 services, 50 breakers, 100 edges and 200 events, the store 10,000 traces, and the snapshots must differ")
    }
    for tab in [Tab.services, .traces, .topology] {
        var states = snapshots.map { snapshot -> DashboardState in
            var state = DashboardState(width: width, height: height)
            state.tab = tab
            _ = send(&state, .snapshot(snapshot), store: store)
            return state
        }
        var previous = DashboardRenderer.render(states[0], glyphs: .unicode)
        runner.measure("dashboard.update-render-diff-\(tab)-200x60", baseline: "baseline.buffer-fill-200x60", iterations: 2_000,
                       note: "a new snapshot through update (and the Traces page from the store), the whole frame rendered, diffed against the last; target ≤ 2 ms") { n in
            var changed = 0
            for i in 0..<n {
                changed &+= send(&states[i & 1], .snapshot(snapshots[i & 1]), store: store)
                let frame = DashboardRenderer.render(states[i & 1], glyphs: .unicode)
                changed &+= Buffer.diff(from: previous, to: frame).count
                previous = frame
            }
            blackHole(changed)
        }
    }

    let rows = height - 4
    runner.measure("dashboard.trace-page-slowest-10k", iterations: 20_000,
                   note: "a page of \(rows) slowest-first rows of 10,000 stored traces (orders up to date)") { n in
        var total = 0
        for i in 0..<n {
            total &+= store.page(TraceQuery(order: .slowest, offset: i & 63, limit: rows)).rows.count
        }
        blackHole(total)
    }
    runner.measure("dashboard.trace-page-filtered-10k", iterations: 2_000,
                   note: "errors only and a text filter checked against all 10,000 stored traces, a page of \(rows)") { n in
        var total = 0
        for _ in 0..<n {
            total &+= store.page(TraceQuery(order: .newest, errorsOnly: true, text: "orders", limit: rows)).matching
        }
        blackHole(total)
    }
    runner.measure("dashboard.trace-page-text-10k", iterations: 2_000,
                   note: "a text filter alone, checked against the root and services of all 10,000 stored traces, a page of \(rows)") { n in
        var total = 0
        for _ in 0..<n {
            total &+= store.page(TraceQuery(order: .newest, text: "create", limit: rows)).matching
        }
        blackHole(total)
    }
    var next = 10_000
    runner.measure("dashboard.trace-page-after-50-new-10k", iterations: 2_000,
                   note: "50 new traces of 2 spans assembled (a refresh of 200 req/s), then a slowest-first page: the orders merged") { n in
        var total = 0
        for _ in 0..<n {
            for _ in 0..<50 {
                addTrace(next, to: store)
                next += 1
            }
            total &+= store.page(TraceQuery(order: .slowest, limit: rows)).rows.count
        }
        blackHole(total)
    }
}

/// Applies a message as the run loop does, answering trace-page fetches from `store`; returns
/// the rows fetched (to keep the work observable).
private func send(_ state: inout DashboardState, _ message: Message, store: TraceStore) -> Int {
    var fetched = 0
    var queue = [message]
    while !queue.isEmpty {
        for effect in update(&state, queue.removeFirst()) {
            if case .fetchTraces(let query) = effect {
                let page = store.page(query)
                fetched &+= page.rows.count
                queue.append(.traces(page))
            }
        }
    }
    return fetched
}

/// A trace store holding `traces` traces of two spans (gateway, order-service), 5 ms apart.
private func bigTraceStore(traces: Int) -> TraceStore {
    let time = TimeSource(clock: ManualClock(), originUnixNanoseconds: 1_700_000_000_000_000_000)
    let store = TraceStore(time: time, configuration: .init(maxTraces: traces))
    for index in 0..<traces { addTrace(index, to: store) }
    _ = store.stats
    return store
}

/// Trace number `index`: a gateway span and its order-service child, lasting 0-499 ms, one in 13 failed.
private func addTrace(_ index: Int, to store: TraceStore) {
    let start = Int64(index) * 5_000_000
    let duration = Int64((index * 37) % 500) * 1_000_000 + 1
    let id = TraceID(high: 0x0123_4567, low: UInt64(index + 1))
    let failed = index % 13 == 0
    store.add(FinishedSpan(traceID: id, spanID: SpanID(2), parentSpanID: SpanID(1), service: "order-service", operation: "create_order",
                           kind: .server, startNanoseconds: start + 1_000, endNanoseconds: start + duration - 1,
                           status: failed ? .init(code: .error) : nil))
    store.add(FinishedSpan(traceID: id, spanID: SpanID(1), parentSpanID: nil, service: "gateway", operation: "GET /api/orders",
                           kind: .server, startNanoseconds: start, endNanoseconds: start + duration))
}

/// 50 services with 60 s histories, 50 breakers, 100 edges (each service calls the next through
/// its breaker, and every fifth sends events to another), the store's 20 newest trace summaries
/// (as `Mesh.observe` lists them) and 200 events; `tick` shifts the numbers so consecutive frames
/// differ as live ones do.
private func bigSnapshot(tick: Int, store: TraceStore) -> SystemSnapshot {
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
    var edges: [EdgeStatus] = breakers.enumerated().map { i, breaker in
        EdgeStatus(caller: "service-\(i)", target: "service-\((i + 1) % 50)", rps: 100 + Double(tick), errorRatio: breaker.failureRate ?? 0,
                   breakerId: breaker.id, breaker: breaker.state)
    }
    for i in 0..<50 {
        edges.append(i % 5 == 0
            ? EdgeStatus(caller: "service-\(i)", target: "service-\((i * 7 + 3) % 50)", kind: .event, topic: "topic-\(i)", rps: 10 + Double(tick))
            : EdgeStatus(caller: "service-\(i)", target: "service-\((i * 3 + 2) % 50)", rps: 20 + Double(tick)))
    }
    edges.sort(by: EdgeStatus.precedes)
    let traces = store.recent(limit: 20)
    var events: [EventRecord] = []
    for i in 0..<200 {
        let at: Double = 1_700_000_000 + Double(i)
        events.append(EventRecord(id: UInt64(i + tick), at: at, uptimeSeconds: Double(i), source: "service-\(i % 50)", kind: .info, message: "event \(i + tick)"))
    }
    let totals = Totals(rps: 5_000, errorRatio: 0.01, openBreakers: 5, storedTraces: 10_000)
    return SystemSnapshot(system: "bench", takenAt: 1_700_000_000 + Double(tick), uptimeSeconds: 100 + Double(tick), windowSeconds: 10,
                          totals: totals, services: services, breakers: breakers, edges: edges, traces: traces, events: events)
}
