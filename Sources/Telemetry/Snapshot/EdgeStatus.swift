/// One edge of the system's graph over the snapshot window, as the Topology view draws it: who
/// calls (or sends events to) whom, how much, how often it fails, and the breaker guarding it.
///
/// Figures are per second and ratios over the snapshot's ``SystemSnapshot/windowSeconds``. An
/// edge appears once its caller has used it and stays (at 0/s) while the system runs.
public struct EdgeStatus: Codable, Sendable, Equatable, Identifiable {
    /// The calling service (for an event, the publisher).
    public var caller: String
    /// The called service (for an event, the subscriber).
    public var target: String
    public var kind: EdgeKind
    /// The event bus topic an event edge carries; nil for calls.
    public var topic: String?
    /// Calls per second (each counted once, however many attempts it took); for an event edge,
    /// delivery attempts per second.
    public var rps: Double
    /// The share of those calls that ended without a successful answer (5xx, timeout, refused,
    /// rejected by the breaker; 4xx are answers), 0…1; for an event edge, of the delivery attempts
    /// that failed. 0 when there were none.
    public var errorRatio: Double
    /// The breaker guarding the edge (a ``BreakerStatus/id``, `CALLER->TARGET`); for an event
    /// edge, the one on the bus's deliveries to the subscriber. Nil when the path has none.
    public var breakerId: String?
    /// That breaker's state now; nil when there is no breaker.
    public var breaker: BreakerState?

    public init(caller: String, target: String, kind: EdgeKind = .call, topic: String? = nil, rps: Double = 0, errorRatio: Double = 0,
                breakerId: String? = nil, breaker: BreakerState? = nil) {
        self.caller = caller
        self.target = target
        self.kind = kind
        self.topic = topic
        self.rps = rps
        self.errorRatio = errorRatio
        self.breakerId = breakerId
        self.breaker = breaker
    }

    /// Unique within a snapshot: `CALLER->TARGET` for a call, `PUBLISHER-[TOPIC]->SUBSCRIBER` for an event.
    public var id: String {
        switch kind {
        case .call: "\(caller)->\(target)"
        case .event: "\(caller)-[\(topic ?? "")]->\(target)"
        }
    }

    /// The order snapshots list edges in: by caller, target, kind (calls first), then topic.
    public static func precedes(_ a: EdgeStatus, _ b: EdgeStatus) -> Bool {
        (a.caller, a.target, a.kind.order, a.topic ?? "") < (b.caller, b.target, b.kind.order, b.topic ?? "")
    }
}

/// How an edge carries its traffic.
public enum EdgeKind: String, Codable, Sendable, CaseIterable {
    /// Request and response through the caller's sidecar.
    case call
    /// Events published on the event bus and delivered to a subscriber.
    case event

    var order: Int {
        switch self {
        case .call: 0
        case .event: 1
        }
    }
}
