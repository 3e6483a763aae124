import HTTPEdge
import Synchronization
import Telemetry

/// A system seen through the edge's protocol, with no mesh: fixed answers, and a record of what
/// the routes asked and performed.
final class FakeProvider: HTTPEdgeProvider {
    let systemName = "fakeshop"
    static let breakers = ["order-service->payment-service", "gateway->order-service"]
    static let services = ["gateway", "order-service", "payment-service"]
    static let knownTrace = "4bf92f3577b34da6a3ce929d0e0e4736"

    private struct State {
        var ready = true
        var windows: [Int] = []
        var queries: [TraceQuery] = []
        var performed: [(ControlCommand, ActionOrigin)] = []
    }

    private let state = Mutex(State())

    init(ready: Bool = true) {
        state.withLock { $0.ready = ready }
    }

    var isReady: Bool { state.withLock { $0.ready } }
    func setReady(_ ready: Bool) { state.withLock { $0.ready = ready } }
    /// The window of each snapshot asked for, in order.
    var windows: [Int] { state.withLock { $0.windows } }
    var queries: [TraceQuery] { state.withLock { $0.queries } }
    var performed: [(ControlCommand, ActionOrigin)] { state.withLock { $0.performed } }

    func snapshot(window: Int) async -> SystemSnapshot {
        let count = state.withLock { state in
            state.windows.append(window)
            return state.windows.count
        }
        return SystemSnapshot(system: systemName, takenAt: 1_700_000_000 + Double(count), uptimeSeconds: Double(count), windowSeconds: window)
    }

    func traces(_ query: TraceQuery) async -> TracePage {
        state.withLock { $0.queries.append(query) }
        return TracePage(query: query, storedTraces: 1)
    }

    func logs(_ query: LogQuery) async -> LogPage {
        LogPage(query: query, records: [LogRecord(id: 1, at: 2, level: .warning, service: "payment-service", message: "card declined", traceId: query.traceId)],
                stored: 1, dropped: 0)
    }

    func traceTree(id: String) async -> TraceTree? {
        id == Self.knownTrace ? TraceTree(traceId: id, startedAt: 1_700_000_000, durationMs: 12.5, spans: []) : nil
    }

    func perform(_ command: ControlCommand, origin: ActionOrigin) async throws(ControlTargetNotFound) {
        switch command {
        case .tripBreaker(let id, _), .forceBreakerClosed(let id), .resetBreaker(let id), .disableBreaker(let id), .metricsOnlyBreaker(let id),
             .setPolicy(let id, _):
            guard Self.breakers.contains(id) else {
                throw ControlTargetNotFound("no breaker '\(id)'; known: \(Self.breakers.joined(separator: ", "))")
            }
        case .setFault(let service, _):
            guard Self.services.contains(service) else {
                throw ControlTargetNotFound("no service or instance '\(service)'; known services: \(Self.services.joined(separator: ", "))")
            }
        }
        state.withLock { $0.performed.append((command, origin)) }
    }

    func metricsExposition() -> String {
        "# HELP requests_total meshtop series 'requests'\n# TYPE requests_total counter\nrequests_total{service=\"gateway\"} 42\n"
    }
}
