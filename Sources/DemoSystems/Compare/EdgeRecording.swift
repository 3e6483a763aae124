import ServiceMesh
import Synchronization
import Telemetry

/// What clients saw of one request kind at the edge (the answers `send` returned), by outcome.
public struct RouteOutcomes: Sendable, Equatable, Codable {
    /// The request kind (`placeOrder`): what the traffic asked for.
    public var route: String
    public var requests = 0
    /// Answered 2xx, except 202.
    public var ok = 0
    /// Answered 202: accepted, finished later (a queued payment).
    public var queued = 0
    /// Answered 4xx: turned away (a bad request, an out-of-stock or compensated order, a rate limit).
    public var rejected = 0
    /// Answered 5xx, or not at all: the system failed the request.
    public var failed = 0

    public init(route: String, requests: Int = 0, ok: Int = 0, queued: Int = 0, rejected: Int = 0, failed: Int = 0) {
        self.route = route
        self.requests = requests
        self.ok = ok
        self.queued = queued
        self.rejected = rejected
        self.failed = failed
    }

    /// Counts one answer.
    mutating func record(status: Int) {
        requests += 1
        switch status {
        case 202: queued += 1
        case 200..<300: ok += 1
        case 400..<500: rejected += 1
        default: failed += 1
        }
    }

    /// The share of requests the system failed (5xx): the route's error ratio at the edge, 0…1.
    public var errorRatio: Double { requests > 0 ? Double(failed) / Double(requests) : 0 }

    func share(_ count: Int) -> Double { requests > 0 ? Double(count) / Double(requests) : 0 }
}

/// A system whose every answer at the edge is counted by request kind, for a comparison's
/// blast radius. Everything else is the wrapped system's.
final class EdgeRecording<Inner: DemoSystem>: DemoSystem {
    static var profile: SystemProfile { Inner.profile }

    static func make<C: Clock>(clock: C, seed: UInt64, time: TimeSource?) -> EdgeRecording<Inner> where C.Duration == Duration {
        EdgeRecording(Inner.make(clock: clock, seed: seed, time: time))
    }

    let inner: Inner
    private let outcomes: Mutex<[RouteOutcomes]>

    init(_ inner: Inner) {
        self.inner = inner
        outcomes = Mutex(inner.trafficMix.kinds.map { RouteOutcomes(route: $0.rawValue) })
    }

    /// Every request kind of the system's traffic, in its mix's order.
    var routeOutcomes: [RouteOutcomes] { outcomes.withLock { $0 } }

    var mesh: Mesh { inner.mesh }
    var trafficMix: TrafficMix { inner.trafficMix }

    func send(_ kind: RequestKind, index: Int) async -> Response {
        let response = await inner.send(kind, index: index)
        outcomes.withLock { outcomes in
            if let position = outcomes.firstIndex(where: { $0.route == kind.rawValue }) {
                outcomes[position].record(status: response.status)
            } else {
                var added = RouteOutcomes(route: kind.rawValue)
                added.record(status: response.status)
                outcomes.append(added)
            }
        }
        return response
    }

    func runBackgroundWork<C: Clock>(clock: C) async where C.Duration == Duration { await inner.runBackgroundWork(clock: clock) }
    func settle<C: Clock>(clock: C, timeout: Duration) async where C.Duration == Duration { await inner.settle(clock: clock, timeout: timeout) }
    func checkInvariants() -> [Violation] { inner.checkInvariants() }
    func domainFigures() -> DomainFigures { inner.domainFigures() }
    func apply(_ change: ScheduledFault) { inner.apply(change) }
}
