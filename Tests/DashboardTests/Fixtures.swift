import Telemetry
import Dashboard
import TerminalUI

/// A storefront snapshot like the DESIGN.md mock-ups: built by hand so golden files never change
/// unless the views do.
enum Fixtures {
    static let takenAt = 1_780_000_000.0

    static func history(_ base: Double, _ shape: [Double]) -> [Double] {
        (0..<60).map { base * shape[$0 % shape.count] }
    }

    static let shape: [Double] = [0.2, 0.35, 0.5, 0.7, 0.8, 0.9, 0.9, 0.8, 0.7, 0.8, 0.9, 1.0, 0.9, 0.8, 0.7, 0.7, 0.8, 0.9]

    static let services: [ServiceStatus] = [
        ServiceStatus(
            name: "gateway", health: .up,
            instances: [InstanceStatus(id: "gateway-1", address: "10.0.0.1:8080", version: "1.4.2", inFlight: 3), InstanceStatus(id: "gateway-2", address: "10.0.0.2:8080", version: "1.4.2", inFlight: 2)],
            rps: 412, errorRatio: 0.018, latency: LatencySummary(count: 24_720, p50Ms: 12, p95Ms: 41, p99Ms: 84, maxMs: 190),
            rpsHistory: history(412, shape), requestsTotal: 79_104,
            dependencies: ["order-service", "product-service", "user-service"],
            checks: [HealthCheckStatus(name: "self", passing: true)]
        ),
        ServiceStatus(
            name: "order-service", health: .up,
            instances: [InstanceStatus(id: "order-1"), InstanceStatus(id: "order-2"), InstanceStatus(id: "order-3")],
            rps: 120, errorRatio: 0.031, latency: LatencySummary(count: 7_200, p50Ms: 22, p95Ms: 60, p99Ms: 120, maxMs: 300),
            rpsHistory: history(120, shape.reversed()), requestsTotal: 23_040,
            dependencies: ["payment-service", "inventory-service"],
            checks: [HealthCheckStatus(name: "database", passing: true), HealthCheckStatus(name: "payment-service", passing: false, isDependency: true, message: "breaker open")]
        ),
        ServiceStatus(
            name: "payment-service", health: Health(.degraded, reason: "error rate 42%"),
            instances: [InstanceStatus(id: "payment-1", inFlight: 7), InstanceStatus(id: "payment-2", inFlight: 5)],
            rps: 118, errorRatio: 0.42, latency: LatencySummary(count: 7_080, p50Ms: 30, p95Ms: 250, p99Ms: 600, maxMs: 1_200),
            rpsHistory: history(118, shape), requestsTotal: 22_656, fault: .errors(ratio: 0.4)
        ),
        ServiceStatus(
            name: "notification", health: Health(.down, reason: "no healthy instance"),
            instances: [InstanceStatus(id: "notification-1", health: Health(.down, reason: "connection refused"))],
            rps: 0, errorRatio: 0, latency: nil, rpsHistory: [], requestsTotal: 0
        ),
    ]

    static let breakers: [BreakerStatus] = [
        BreakerStatus(
            id: "order-service->payment-service", state: .open, failureRate: 0.62, slowCallRate: 0.04,
            callsInWindow: 100, rejectedCount: 1_204, secondsInState: 12, secondsUntilHalfOpen: 18,
            policy: "failure rate ≥ 50% over last 100 calls, min 20; open 30s",
            transitions: [
                BreakerTransitionRecord(from: .closed, to: .open, atSeconds: 120, reason: "failure rate 55% ≥ 50% over last 100 calls"),
                BreakerTransitionRecord(from: .open, to: .halfOpen, atSeconds: 150, reason: "open for 30s"),
                BreakerTransitionRecord(from: .halfOpen, to: .open, atSeconds: 180, reason: "trial call failed (503)"),
            ]
        ),
        BreakerStatus(id: "order-service->inventory-service", state: .closed, failureRate: 0, slowCallRate: 0, callsInWindow: 100, secondsInState: 180),
        BreakerStatus(id: "gateway->product-service", state: .forcedOpen, isManual: true, rejectedCount: 311, secondsInState: 40),
    ]

    static let traces: [TraceSummary] = [
        TraceSummary(traceId: "4bf92f3577b34da6a3ce929d0e0e4736", rootService: "gateway", rootOperation: "POST /api/orders", startedAt: takenAt - 2.4, durationMs: 184, spanCount: 6, hasError: true, services: ["gateway", "order-service", "payment-service", "user-service"]),
        TraceSummary(traceId: "0af7651916cd43dd8448eb211c80319c", rootService: "gateway", rootOperation: "GET /api/products", startedAt: takenAt - 3.1, durationMs: 9.5, spanCount: 2, hasError: false, services: ["gateway", "product-service"]),
        TraceSummary(traceId: "b7ad6b7169203331b7ad6b7169203331", rootService: "gateway", rootOperation: "POST /api/orders", startedAt: takenAt - 65, durationMs: 95.2, spanCount: 5, hasError: false, services: ["gateway", "inventory-service", "order-service", "payment-service"]),
    ]

    static let events: [EventRecord] = [
        EventRecord(id: 4, at: takenAt - 1, uptimeSeconds: 191, source: "dashboard", kind: .manualAction, message: "gateway->product-service forced open by hand"),
        EventRecord(id: 3, at: takenAt - 12, uptimeSeconds: 180, source: "order-service->payment-service", kind: .breakerTransition, message: "HALF-OPEN -> OPEN: trial call failed (503)",
                    traceId: "4bf92f3577b34da6a3ce929d0e0e4736"),
        EventRecord(id: 2, at: takenAt - 60, uptimeSeconds: 132, source: "payment-service", kind: .fault, message: "fault set: errors 40%"),
        EventRecord(id: 1, at: takenAt - 100, uptimeSeconds: 92, source: "notification", kind: .healthChange, message: "up -> down: connection refused"),
    ]

    static let snapshot = SystemSnapshot(
        system: "storefront", takenAt: takenAt, uptimeSeconds: 192, windowSeconds: 10,
        totals: Totals(rps: 412, errorRatio: 0.018, latency: LatencySummary(count: 24_720, p50Ms: 12, p95Ms: 41, p99Ms: 84, maxMs: 190), openBreakers: 1, storedTraces: 3),
        services: services, breakers: breakers,
        routes: [
            RouteStatus(service: "order-service", route: "POST /orders", rps: 100, errorRatio: 0.035, latency: LatencySummary(count: 6_000, p50Ms: 25, p95Ms: 64, p99Ms: 130, maxMs: 300), requestsTotal: 19_000),
            RouteStatus(service: "order-service", route: "GET /orders/:id", rps: 20, errorRatio: 0, latency: LatencySummary(count: 1_200, p50Ms: 4, p95Ms: 9, p99Ms: 12, maxMs: 20), requestsTotal: 4_040),
        ],
        traces: traces, events: events,
        dropped: DroppedCounts(logs: 1_204),
        logs: logs
    )

    /// Newest first, as the snapshot carries them: the fixture trace's failure as its services
    /// logged it (in its spans), and records logged outside any trace.
    static let logs: [LogRecord] = {
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        return [
            LogRecord(id: 1_212, at: 191.204, level: .info, service: "gateway", message: "GET /api/products/7 served from cache", metadata: ["route": "GET /api/products/:id"]),
            LogRecord(id: 1_211, at: 190.004, level: .warning, service: "notification", message: "notification-1 removed from the registry: missed 3 heartbeats", metadata: ["instance": "notification-1"]),
            LogRecord(id: 1_210, at: 189.786, level: .error, service: "gateway", message: "POST /api/orders answered 502: order-service failed: 503 after 2 attempts",
                      traceId: trace, spanId: "a000000000000001"),
            LogRecord(id: 1_209, at: 189.782, level: .error, service: "order-service", message: "POST /orders answered 503: payment-service failed: 503 after 2 attempts",
                      metadata: ["route": "POST /orders", "status": "503"], traceId: trace, spanId: "a000000000000002"),
            LogRecord(id: 1_208, at: 189.752, level: .warning, service: "payment-service", message: "POST payment-service/pay answered 503 after 2 attempts: injected fault",
                      metadata: ["target": "payment-service", "attempts": "2"], traceId: trace, spanId: "a000000000000004"),
            LogRecord(id: 1_207, at: 189.701, level: .notice, service: "payment-service", message: "retrying after 503: backoff 20ms", traceId: trace, spanId: "a000000000000005"),
            LogRecord(id: 1_206, at: 180.000, level: .warning, service: "order-service", message: "breaker order-service->payment-service HALF-OPEN -> OPEN: trial call failed (503)",
                      metadata: ["breaker": "order-service->payment-service"]),
            LogRecord(id: 1_205, at: 132.410, level: .critical, service: "order-service", message: "place-order o-17: stuck: compensation reserve failed 5 times: inventory-service unavailable",
                      metadata: ["saga": "o-17"], traceId: "b7ad6b7169203331b7ad6b7169203331", spanId: "b000000000000002"),
            LogRecord(id: 1_204, at: 92.018, level: .debug, service: "user-service", message: "cache warm: 512 users"),
        ]
    }()

    static let tree = TraceTree(traceId: "4bf92f3577b34da6a3ce929d0e0e4736", startedAt: takenAt - 2.4, durationMs: 184, spans: [
        SpanRecord(spanId: "a000000000000001", depth: 0, service: "gateway", operation: "POST /api/orders", kind: .server, startOffsetMs: 0, durationMs: 184, status: SpanStatusRecord(code: .error), attributes: ["http.response.status_code": "502"]),
        SpanRecord(spanId: "a000000000000002", parentSpanId: "a000000000000001", depth: 1, service: "order-service", operation: "POST /orders", kind: .server, startOffsetMs: 2, durationMs: 180.2),
        SpanRecord(spanId: "a000000000000003", parentSpanId: "a000000000000002", depth: 2, service: "user-service", operation: "GET /users/42", kind: .client, startOffsetMs: 4, durationMs: 2.1),
        SpanRecord(spanId: "a000000000000004", parentSpanId: "a000000000000002", depth: 2, service: "payment-service", operation: "process_payment", kind: .client, startOffsetMs: 30, durationMs: 150.3,
                   status: SpanStatusRecord(code: .error, message: "503 after 2 attempts"), attributes: ["payment.amount": "129.99", "retry.attempts": "2", "breaker": "closed"]),
        SpanRecord(spanId: "a000000000000005", parentSpanId: "a000000000000004", depth: 3, service: "payment-service", operation: "attempt 1", startOffsetMs: 31, durationMs: 50,
                   status: SpanStatusRecord(code: .error), attributes: ["http.response.status_code": "503"]),
        SpanRecord(spanId: "a000000000000006", parentSpanId: "a000000000000004", depth: 3, service: "payment-service", operation: "attempt 2", startOffsetMs: 101, durationMs: 50.1,
                   status: SpanStatusRecord(code: .error), attributes: ["http.response.status_code": "503"],
                   events: [SpanEventRecord(name: "retry", offsetMs: 81, attributes: ["backoff.ms": "20"])]),
    ])
}

extension Fixtures {
    /// A faster trace of the same operation as ``tree``, to compare with it.
    static let fasterTree = TraceTree(traceId: "b7ad6b7169203331b7ad6b7169203331", startedAt: takenAt - 65, durationMs: 95.2, spans: [
        SpanRecord(spanId: "b000000000000001", depth: 0, service: "gateway", operation: "POST /api/orders", kind: .server, startOffsetMs: 0, durationMs: 95.2),
        SpanRecord(spanId: "b000000000000002", parentSpanId: "b000000000000001", depth: 1, service: "order-service", operation: "POST /orders", kind: .server, startOffsetMs: 1.5, durationMs: 90.5),
        SpanRecord(spanId: "b000000000000003", parentSpanId: "b000000000000002", depth: 2, service: "inventory-service", operation: "reserve", kind: .client, startOffsetMs: 3, durationMs: 10),
        SpanRecord(spanId: "b000000000000004", parentSpanId: "b000000000000002", depth: 2, service: "payment-service", operation: "process_payment", kind: .client, startOffsetMs: 15, durationMs: 70),
        SpanRecord(spanId: "b000000000000005", parentSpanId: "b000000000000004", depth: 3, service: "payment-service", operation: "attempt 1", startOffsetMs: 16, durationMs: 68),
    ])

    /// The fixture's trace store: its trace summaries, paged by the plain reference.
    static func tracePage(_ query: TraceQuery) -> TracePage {
        query.page(of: traces, spans: spans)
    }

    /// The spans of a stored trace, for the reference page's span filter.
    static func spans(_ summary: TraceSummary) -> [SpanRecord] {
        traceTree(summary.traceId)?.spans ?? []
    }

    static func traceTree(_ id: String) -> TraceTree? {
        [tree, fasterTree].first { $0.traceId == id }
    }

    /// A view as `meshtop snapshot` prints it, from the fixture source.
    static func text(_ view: DashboardView, snapshot: SystemSnapshot = snapshot, width: Int = 120, height: Int = 40, glyphs: Glyphs = .unicode) -> String {
        DashboardRenderer.renderText(view: view, snapshot: snapshot, traces: { $0.page(of: snapshot.traces, spans: spans) }, traceTree: traceTree,
                                     width: width, height: height, glyphs: glyphs)
    }

    /// Applies `message` and answers the trace-page fetches it asks for (and those the answers
    /// ask for) as a source would, with the state's snapshot's traces standing for the store;
    /// returns the other effects.
    static func send(_ state: inout DashboardState, _ message: Message) -> [Effect] {
        var others: [Effect] = []
        var queue = [message]
        while !queue.isEmpty {
            for effect in update(&state, queue.removeFirst()) {
                if case .fetchTraces(let query) = effect {
                    queue.append(.traces(query.page(of: state.snapshot?.traces ?? [], spans: spans)))
                } else {
                    others.append(effect)
                }
            }
        }
        return others
    }

    /// As ``send(_:_:)``, also answering the trace trees asked for (from ``traceTree(_:)``);
    /// returns every effect, the answered ones included.
    static func drive(_ state: inout DashboardState, _ message: Message) -> [Effect] {
        var all: [Effect] = []
        var queue = [message]
        while !queue.isEmpty {
            for effect in update(&state, queue.removeFirst()) {
                all.append(effect)
                switch effect {
                case .fetchTraces(let query): queue.append(.traces(query.page(of: state.snapshot?.traces ?? [], spans: spans)))
                case .fetchTrace(let id): queue.append(.traceTree(traceTree(id)))
                case .fetchTraceLogs: break
                case .control, .simulate, .quit: break
                }
            }
        }
        return all
    }
}
