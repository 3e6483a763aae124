import Dashboard
import Telemetry

/// Snapshots for the Topology view, built by hand: the storefront's seven services with an open
/// breaker, a forced one and an event edge; and a twelve-service system with a cycle and a
/// service no call reaches.
enum TopologyFixtures {
    static func service(_ name: String, _ health: Health = .up, rps: Double, errors: Double = 0, p99: Double? = nil, fault: FaultSpec = .none) -> ServiceStatus {
        ServiceStatus(name: name, health: health, instances: [InstanceStatus(id: "\(name)-1")], rps: rps, errorRatio: errors,
                      latency: p99.map { LatencySummary(count: 1_000, p50Ms: $0 / 4, p95Ms: $0 / 2, p99Ms: $0, maxMs: $0 * 2) },
                      requestsTotal: Int(rps * 60), fault: fault)
    }

    static func call(_ caller: String, _ target: String, _ rps: Double, _ errors: Double = 0, _ breaker: BreakerState? = .closed) -> EdgeStatus {
        EdgeStatus(caller: caller, target: target, kind: .call, rps: rps, errorRatio: errors,
                   breakerId: breaker == nil ? nil : "\(caller)->\(target)", breaker: breaker)
    }

    static func event(_ publisher: String, _ topic: String, _ subscriber: String, _ rps: Double, _ errors: Double = 0, _ breaker: BreakerState? = .closed) -> EdgeStatus {
        EdgeStatus(caller: publisher, target: subscriber, kind: .event, topic: topic, rps: rps, errorRatio: errors,
                   breakerId: breaker == nil ? nil : "event-bus->\(subscriber)", breaker: breaker)
    }

    /// The storefront: order-service → payment-service open, gateway → product-service forced
    /// open, orders delivered to notification-service as events, and gateway → user-service
    /// with no breaker.
    static let storefront: SystemSnapshot = {
        let services = [
            service("gateway", rps: 204, errors: 0.004, p99: 33),
            service("inventory-service", rps: 48, p99: 9.4),
            service("notification-service", rps: 4, p99: 13),
            service("order-service", rps: 47, errors: 0.021, p99: 52),
            service("payment-service", Health(.degraded, reason: "42% of requests fail"), rps: 6.9, errors: 0.418, p99: 38, fault: .errors(ratio: 0.6)),
            service("product-service", rps: 182, p99: 9),
            service("user-service", Health(.down, reason: "no passing instance"), rps: 0),
        ]
        let edges = [
            call("gateway", "order-service", 47, 0.021),
            call("gateway", "product-service", 182, 1, .forcedOpen),
            call("gateway", "user-service", 30, 1, nil),
            call("order-service", "inventory-service", 48),
            event("order-service", "orders", "notification-service", 4),
            call("order-service", "payment-service", 43, 0.916, .open),
            call("order-service", "product-service", 61),
            call("order-service", "user-service", 47, 1, .halfOpen),
        ].sorted(by: EdgeStatus.precedes)
        let breakers = edges.compactMap { edge -> BreakerStatus? in
            guard let id = edge.breakerId, let state = edge.breaker else { return nil }
            switch state {
            case .open:
                return BreakerStatus(id: id, state: state, failureRate: 0.62, callsInWindow: 20, rejectedCount: 296, secondsInState: 2, secondsUntilHalfOpen: 3)
            case .forcedOpen:
                return BreakerStatus(id: id, state: state, isManual: true, rejectedCount: 311, secondsInState: 40)
            default:
                return BreakerStatus(id: id, state: state, failureRate: edge.errorRatio, callsInWindow: 20, secondsInState: 8)
            }
        }
        return SystemSnapshot(
            system: "storefront", takenAt: Fixtures.takenAt, uptimeSeconds: 8, windowSeconds: 10,
            totals: Totals(rps: 204, errorRatio: 0.004, latency: LatencySummary(count: 2_040, p50Ms: 4, p95Ms: 11, p99Ms: 33, maxMs: 60),
                           openBreakers: 2, storedTraces: 0),
            services: services, breakers: breakers.sorted { $0.id < $1.id }, edges: edges)
    }()

    /// Twelve services: recommendations and catalog call each other (a cycle), transcoder is only
    /// sent events and calls storage (neither is reached by a call from the gateway), and an
    /// outside `client` calls the gateway.
    static let streaming: SystemSnapshot = {
        let rates: [(String, Double)] = [
            ("gateway", 420), ("auth", 540), ("catalog", 345), ("search", 90), ("recommendations", 160), ("playback", 120),
            ("cdn-edge", 120), ("billing", 12), ("user-profile", 172), ("analytics", 132), ("transcoder", 2), ("storage", 6),
        ]
        let services = rates.enumerated().map { index, rate in
            service(rate.0, rate.0 == "billing" ? Health(.degraded, reason: "1/2 instances passing") : .up,
                    rps: rate.1, errors: rate.0 == "billing" ? 0.05 : 0, p99: Double(8 + index * 3))
        }
        let edges = [
            call("client", "gateway", 420, 0, nil),
            call("gateway", "auth", 420),
            call("gateway", "catalog", 180),
            call("gateway", "search", 90),
            call("gateway", "playback", 120),
            call("gateway", "billing", 12, 0.05, .halfOpen),
            call("catalog", "recommendations", 160),
            call("recommendations", "catalog", 75),
            call("recommendations", "user-profile", 160),
            call("search", "catalog", 90),
            call("playback", "cdn-edge", 120),
            call("playback", "auth", 120, 0, .forcedClosed),
            call("billing", "user-profile", 12, 0.5, .open),
            call("transcoder", "storage", 6),
            event("playback", "plays", "analytics", 120),
            event("billing", "payments", "analytics", 12),
            event("catalog", "uploads", "transcoder", 2, 0.25, nil),
        ].sorted(by: EdgeStatus.precedes)
        let breakers = edges.compactMap { edge -> BreakerStatus? in
            guard let id = edge.breakerId, let state = edge.breaker else { return nil }
            return BreakerStatus(id: id, state: state, isManual: state == .forcedClosed, failureRate: edge.errorRatio, callsInWindow: 20,
                                 secondsInState: 30, secondsUntilHalfOpen: state == .open ? 4 : nil)
        }
        return SystemSnapshot(
            system: "streaming", takenAt: Fixtures.takenAt, uptimeSeconds: 300, windowSeconds: 10,
            totals: Totals(rps: 420, errorRatio: 0.001, openBreakers: 1),
            services: services, breakers: breakers.sorted { $0.id < $1.id }, edges: edges)
    }()
}
