import Foundation
import Dashboard
import DemoSystems
import Telemetry
import TerminalUI

/// One frame of every view at 200×60, watching the largest demo system (the marketplace: 16
/// services) with 10,000 traces stored: a new snapshot through `update` (answering the trace
/// fetches it makes from the store), the whole frame rendered, and the diff against the last one.
///
/// The snapshot is the marketplace's own at 30 s of a simulated run (seed 42, 200 req/s, swarm
/// faults), as `meshtop sim marketplace --seed 42 --at 30s --json` prints it; the store holds
/// 10,000 two-span traces over the snapshot's routes; the trace detail and the comparison show
/// 200-span traces (those of `dashboard.trace-critical-path-200-spans`).
func registerDashboardViewBenchmarks(on runner: BenchmarkRunner) async {
    let width = 200, height = 60
    let views = ["services", "breakers", "traces", "events", "topology", "service-detail", "breaker-detail", "trace-detail",
                 "trace-comparison", "route-traces", "interventions", "logs"]
    let names = views.map { "dashboard.frame-\($0)-200x60" }
    // The simulated run takes seconds: only when a figure of this file is asked for.
    guard names.contains(where: runner.shouldRun) else { return }
    runner.declareBaselines(["baseline.buffer-fill-200x60"])

    guard let options = try? SimOptions(validating: SimArguments(system: Marketplace.systemName, seed: "42", duration: "60s"), drawSeed: { 42 }),
          case .success(let simulated) = await SystemSimulation.snapshot(options, at: .seconds(30))
    else {
        for name in names { runner.require(name, false, "the marketplace's simulated run must give a snapshot at 30 s") }
        return
    }
    // A full Logs view: the 200 newest records a snapshot carries, topped up past the run's own
    // with records of every level across the services, some in traces.
    var first = simulated
    let levels = LogLevel.allCases
    while first.logs.count < 200 {
        let index = first.logs.count
        let service = first.services[index % first.services.count].name
        first.logs.append(LogRecord(id: UInt64(10_000 + index), at: 30 - Double(index) / 10, level: levels[index % levels.count], service: service,
                                    message: "payment for order \(index) declined by the card network after 3 attempts",
                                    metadata: ["order": "\(index)"], traceId: index % 3 == 0 ? String(format: "%032x", index + 1) : nil))
    }
    var second = first
    second.takenAt += 1
    second.uptimeSeconds += 1
    for index in second.services.indices { second.services[index].rps += 1 }
    for index in second.breakers.indices { second.breakers[index].secondsInState += 1 }
    let snapshots = [first, second]
    let store = routeTraceStore(traces: 10_000, routes: first.routes)
    let slow = benchTrace(id: "0123456789abcdef0123456789abcdef", seed: 1)
    let fast = benchTrace(id: "fedcba9876543210fedcba9876543210", seed: 7)
    let busiest = first.routes.max { $0.rps < $1.rps }
    var mostServices = 0
    for system in DemoSystemCatalog.all { mostServices = max(mostServices, system.profile.services.count) }
    let isLargest = first.services.count == mostServices && first.services.count == 16
    for name in names {
        runner.require(name, isLargest
                           && !first.breakers.isEmpty && busiest != nil && store.stats.storedTraces == 10_000,
                       "the snapshot must be the marketplace's (16 services, the most of any system) with breakers and routes, the store 10,000 traces")
    }
    guard let busiest else { return }

    for view in views {
        var state = DashboardState(width: width, height: height)
        let shows: KeyContext
        switch view {
        case "services": (state.tab, shows) = (.services, .services)
        case "breakers": (state.tab, shows) = (.breakers, .breakers)
        case "traces": (state.tab, shows) = (.traces, .traces)
        case "events": (state.tab, shows) = (.events, .events)
        case "topology": (state.tab, shows) = (.topology, .topology)
        case "logs": (state.tab, shows) = (.logs, .logs)
        case "service-detail": (state.detail, shows) = (.service(name: busiest.service), .serviceDetail)
        case "breaker-detail": (state.detail, shows) = (.breaker(id: first.breakers[0].id), .breakerDetail)
        case "trace-detail": (state.detail, shows) = (.trace(id: slow.traceId, tree: .loaded(LoadedTrace(tree: slow))), .traceDetail)
        case "trace-comparison": (state.detail, shows) = (.comparison(marked: slow, other: fast), .comparison)
        case "route-traces": (state.detail, shows) = (.routeTraces(service: busiest.service, route: busiest.route), .routeTraces)
        default: (state.detail, shows) = (.interventions, .interventions)
        }
        let name = "dashboard.frame-\(view)-200x60"
        var states = snapshots.map { snapshot -> DashboardState in
            var copy = state
            _ = answer(&copy, .snapshot(snapshot), store: store, trees: [slow, fast])
            return copy
        }
        var previous = DashboardRenderer.render(states[0], glyphs: .unicode)
        runner.require(name, states.allSatisfy { $0.keyContext == shows && $0.snapshot != nil }, "the state must show the \(view) view with a snapshot")
        runner.measure(name, baseline: "baseline.buffer-fill-200x60", iterations: 1_000,
                       note: "the marketplace at 30 s, 10,000 traces stored: a new snapshot through update, the whole frame rendered, diffed; target ≤ 2 ms") { n in
            var changed = 0
            for i in 0..<n {
                changed &+= answer(&states[i & 1], .snapshot(snapshots[i & 1]), store: store, trees: [slow, fast])
                let frame = DashboardRenderer.render(states[i & 1], glyphs: .unicode)
                changed &+= Buffer.diff(from: previous, to: frame).count
                previous = frame
            }
            blackHole(changed)
        }
    }
}

/// Applies a message as the run loop does, answering trace-page fetches from `store` and tree
/// fetches from `trees` (else the store); returns the rows fetched.
private func answer(_ state: inout DashboardState, _ message: Message, store: TraceStore, trees: [TraceTree]) -> Int {
    var fetched = 0
    var queue = [message]
    while !queue.isEmpty {
        for effect in update(&state, queue.removeFirst()) {
            switch effect {
            case .fetchTraces(let query):
                let page = store.page(query)
                fetched &+= page.rows.count
                queue.append(.traces(page))
            case .fetchTrace(let id):
                queue.append(.traceTree(trees.first { $0.traceId == id } ?? store.tree(hex: id)))
            default:
                break
            }
        }
    }
    return fetched
}

/// `traces` traces of two spans, 5 ms apart: the gateway's span and one of `routes` (round
/// robin) under it, lasting 0-499 ms, one in 13 failed.
private func routeTraceStore(traces: Int, routes: [RouteStatus]) -> TraceStore {
    let time = TimeSource(clock: ManualClock(), originUnixNanoseconds: 1_700_000_000_000_000_000)
    let store = TraceStore(time: time, configuration: .init(maxTraces: traces))
    let gatewayRoutes = routes.filter { $0.service == "gateway" }.map(\.route)
    for index in 0..<traces where !routes.isEmpty {
        let route = routes[index % routes.count]
        let start = Int64(index) * 5_000_000
        let duration = Int64((index * 37) % 500) * 1_000_000 + 1
        let id = TraceID(high: 0x0123_4567, low: UInt64(index + 1))
        store.add(FinishedSpan(traceID: id, spanID: SpanID(2), parentSpanID: SpanID(1), service: route.service, operation: route.route,
                               kind: .server, startNanoseconds: start + 1_000, endNanoseconds: start + duration - 1,
                               status: index % 13 == 0 ? .init(code: .error) : nil))
        store.add(FinishedSpan(traceID: id, spanID: SpanID(1), parentSpanID: nil, service: "gateway",
                               operation: gatewayRoutes.isEmpty ? "GET /" : gatewayRoutes[index % gatewayRoutes.count],
                               kind: .server, startNanoseconds: start, endNanoseconds: start + duration))
    }
    _ = store.stats
    return store
}
