#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Telemetry

/// What `meshtop demo --headless` prints at the end of a run: per-service figures, breakers with
/// their transitions, the system's own figures, the invariant check and trace counts.
///
/// Its JSON (``jsonString()``, camelCase, keys sorted) is a stable interface for scripts and CI:
/// ```
/// system, durationSeconds, interrupted,
/// services[] {name, requests, rps, errorRatio, p50Ms, p95Ms, p99Ms, health},
/// breakers[] {id, state, transitions[] {from, to, atSeconds, reason}},
/// calls[] {caller, target, calls, failed, retries, hedges, timeouts, rejected},
/// domain {…the system's own counters: see each system's `domainFigures()`},
/// orders {placed, confirmed, cancelled, pending, compensations, paymentsQueued},
/// invariants {ok, violations[] {invariant, subject, message}},
/// traces {kept, dropped},
/// interventions[] {id, action, target, origin, detail, atSeconds, endedAtSeconds, endedBy,
///                  effect {callsRejected, callsLetThrough, failuresLetThrough, wouldHaveRejected, wouldHaveOpened, faultsInjected,
///                          callsMade, callsFailed}}
/// ```
/// Every listed key is always present, except `orders`, which only the storefront has; a
/// percentile with no finished request is `null`.
/// ``renderText()`` prints the same report as aligned tables.
public struct HeadlessReport: Codable, Sendable, Equatable {
    public var system: String
    /// How long traffic ran, in seconds.
    public var durationSeconds: Double
    /// True when a shutdown signal (SIGTERM, SIGINT) cut the traffic short: the figures cover
    /// what ran, and the run settled only briefly.
    public var interrupted: Bool = false
    public var services: [Service]
    public var breakers: [Breaker]
    /// What each caller saw of each target: the retries and timeouts a scenario promises show here.
    public var calls: [Calls] = []
    /// Each event subscription's worst lag over the run: a consumer falling behind shows here
    /// before it breaks an invariant.
    public var subscriptions: [Subscription] = []
    /// The system's own counters (``DemoSystem/domainFigures()``).
    public var domain: DomainFigures = DomainFigures()
    /// The storefront's order totals; nil for the other systems.
    public var orders: Orders?
    public var invariants: Invariants
    public var traces: Traces
    /// Manual actions of the run (`--fault`, a scenario's changes) with their measured effect
    /// (``InterventionRecord``), oldest first.
    public var interventions: [InterventionRecord] = []

    public init(system: String, durationSeconds: Double, services: [Service], breakers: [Breaker], orders: Orders?, invariants: Invariants, traces: Traces) {
        self.system = system
        self.durationSeconds = durationSeconds
        self.services = services
        self.breakers = breakers
        self.orders = orders
        self.invariants = invariants
        self.traces = traces
    }

    /// The report of a finished run, from the system's final snapshot.
    ///
    /// - `requests` is each service's `requestsTotal` (the whole run) and `rps` is that over
    ///   `durationSeconds`; `errorRatio` and the percentiles are the snapshot's, which cover its
    ///   last `windowSeconds` — take the snapshot with a window as long as the run to cover all of it.
    /// - Breakers keep the snapshot's transition history (bounded: the newest are kept).
    /// - `traces.kept` is the number of traces stored at the end, `dropped` those evicted.
    ///
    /// - Parameters:
    ///   - durationSeconds: how long traffic ran (the measured sending time, not the asked-for one).
    ///   - orders: the storefront's order totals (``Orders/init(ledger:placed:compensations:paymentsQueued:)``
    ///     counts them from the ledger); nil for other systems.
    ///   - violations: what the system's ``DemoSystem/checkInvariants()`` found; empty means ok.
    public init(snapshot: SystemSnapshot, durationSeconds: Double, domain: DomainFigures = DomainFigures(), orders: Orders?, violations: [Violation]) {
        system = snapshot.system
        self.durationSeconds = durationSeconds
        services = snapshot.services.map { status in
            Service(
                name: status.name,
                requests: status.requestsTotal,
                rps: durationSeconds > 0 ? Double(status.requestsTotal) / durationSeconds : 0,
                errorRatio: status.errorRatio,
                p50Ms: status.latency?.p50Ms,
                p95Ms: status.latency?.p95Ms,
                p99Ms: status.latency?.p99Ms,
                health: status.health.state.rawValue
            )
        }
        breakers = snapshot.breakers.map { Breaker(id: $0.id, state: $0.state, transitions: $0.transitions) }
        subscriptions = snapshot.services.flatMap { service in
            service.subscriptions.map { Subscription(subscriber: service.name, status: $0) }
        }
        self.domain = domain
        self.orders = orders
        invariants = Invariants(ok: violations.isEmpty, violations: violations)
        traces = Traces(kept: snapshot.totals.storedTraces, dropped: snapshot.dropped.traces)
        interventions = snapshot.interventions
    }

    /// The process's exit status for this report: 0 when every invariant holds, 1 otherwise.
    public var exitStatus: Int32 { invariants.ok ? 0 : 1 }

    /// The report as pretty-printed JSON with sorted keys (stable for diffs and golden tests).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public struct Service: Codable, Sendable, Equatable {
        public var name: String
        /// Requests handled over the whole run.
        public var requests: Int
        /// `requests` over the run's duration.
        public var rps: Double
        /// Share of failed requests, 0…1.
        public var errorRatio: Double
        /// Latency percentiles in milliseconds; nil (JSON `null`) when no request finished.
        public var p50Ms: Double?
        public var p95Ms: Double?
        public var p99Ms: Double?
        /// `up`, `degraded` or `down`.
        public var health: String

        public init(name: String, requests: Int, rps: Double, errorRatio: Double, p50Ms: Double?, p95Ms: Double?, p99Ms: Double?, health: String) {
            self.name = name
            self.requests = requests
            self.rps = rps
            self.errorRatio = errorRatio
            self.p50Ms = p50Ms
            self.p95Ms = p95Ms
            self.p99Ms = p99Ms
            self.health = health
        }

        private enum CodingKeys: String, CodingKey {
            case name, requests, rps, errorRatio, p50Ms, p95Ms, p99Ms, health
        }

        // Written by hand so a missing percentile is an explicit null, not a missing key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(requests, forKey: .requests)
            try container.encode(rps, forKey: .rps)
            try container.encode(errorRatio, forKey: .errorRatio)
            try container.encode(p50Ms, forKey: .p50Ms)
            try container.encode(p95Ms, forKey: .p95Ms)
            try container.encode(p99Ms, forKey: .p99Ms)
            try container.encode(health, forKey: .health)
        }
    }

    /// One caller's calls to one target over the whole run, from its sidecar's metrics.
    public struct Calls: Codable, Sendable, Equatable {
        public var caller: String
        public var target: String
        /// Calls made (each counts once, however many attempts it took).
        public var calls: Int
        /// Calls that ended without a successful answer: a 5xx after retries, a timeout, a refusal
        /// or rejection.
        public var failed: Int
        /// Attempts after the first (`retry_retries_total`).
        public var retries: Int
        /// Hedged attempts sent because an earlier one was slow (`hedge_sent_total`); 0 without a
        /// hedging policy.
        public var hedges: Int = 0
        /// Attempts that timed out (`client_attempts_total{outcome="timeout"}`): a call can time out
        /// and then succeed on a retry.
        public var timeouts: Int
        /// Calls the breaker turned away without trying (`breaker_calls_total{outcome="rejected"}`).
        public var rejected: Int

        public init(caller: String, target: String, calls: Int, failed: Int, retries: Int, hedges: Int = 0, timeouts: Int, rejected: Int) {
            self.caller = caller
            self.target = target
            self.calls = calls
            self.failed = failed
            self.retries = retries
            self.hedges = hedges
            self.timeouts = timeouts
            self.rejected = rejected
        }

        /// Every (caller, target) pair that made a call, by caller then target, from the sidecars'
        /// `client_requests_total` and `client_attempts_total` (`{caller,target,outcome}`) and the
        /// resilience metrics named by the channel id `CALLER->TARGET`.
        public static func all(in store: MetricsStore) -> [Calls] {
            var pairs: [String: (caller: String, target: String)] = [:]
            for series in store.series(matching: SeriesSelector(label: "client_requests_total")) {
                let dimensions = series.key.dimensions
                guard let caller = dimensions.first(where: { $0.name == "caller" })?.value,
                      let target = dimensions.first(where: { $0.name == "target" })?.value else { continue }
                pairs["\(caller)->\(target)"] = (caller, target)
            }
            return pairs.keys.sorted().map { id in
                let (caller, target) = pairs[id]!
                func total(_ label: String, _ matching: [String: String], where predicate: DimensionPredicate? = nil) -> Int {
                    Int(store.total(SeriesSelector(label: label, matching: matching, where: predicate)))
                }
                let edge = ["caller": caller, "target": target]
                let succeeded = total("client_requests_total", edge, where: DimensionPredicate(dimension: "outcome", hasPrefix: ["1", "2", "3", "4"]))
                let calls = total("client_requests_total", edge)
                return Calls(caller: caller, target: target, calls: calls, failed: calls - succeeded,
                             retries: total("retry_retries_total", ["name": id]), hedges: total("hedge_sent_total", ["name": id]),
                             timeouts: total("client_attempts_total", edge.merging(["outcome": "timeout"]) { $1 }),
                             rejected: total("breaker_calls_total", ["breaker": id, "outcome": "rejected"]))
            }
        }
    }

    /// A service's subscription to a topic, at its worst over the run.
    public struct Subscription: Codable, Sendable, Equatable {
        public var subscriber: String
        public var topic: String
        /// Deliveries that could run at once.
        public var partitions: Int
        /// The most events queued at once.
        public var peakQueued: Int
        /// The longest an event waited from publish to its first delivery attempt, in seconds.
        public var peakSecondsBehind: Double
        public var deadLettered: Int

        public init(subscriber: String, status: SubscriptionStatus) {
            self.subscriber = subscriber
            topic = status.topic
            partitions = status.partitions
            peakQueued = status.peakQueued
            peakSecondsBehind = status.peakSecondsBehind
            deadLettered = status.deadLettered
        }
    }

    public struct Breaker: Codable, Sendable, Equatable {
        /// `CALLER->TARGET`.
        public var id: String
        /// The state at the end of the run (JSON: `closed`, `open`, `halfOpen`, …).
        public var state: BreakerState
        /// State changes, oldest first.
        public var transitions: [BreakerTransitionRecord]

        public init(id: String, state: BreakerState, transitions: [BreakerTransitionRecord]) {
            self.id = id
            self.state = state
            self.transitions = transitions
        }
    }

    public struct Orders: Codable, Sendable, Equatable {
        /// Orders the order-service accepted and created (bad requests turned away before that are not counted).
        public var placed: Int
        public var confirmed: Int
        public var cancelled: Int
        /// Still pending at the end (a violation once the run has drained).
        public var pending: Int
        /// Sagas that ran their compensations.
        public var compensations: Int
        /// Payments queued because the breaker to payment-service was open.
        public var paymentsQueued: Int

        public init(placed: Int, confirmed: Int, cancelled: Int, pending: Int, compensations: Int, paymentsQueued: Int) {
            self.placed = placed
            self.confirmed = confirmed
            self.cancelled = cancelled
            self.pending = pending
            self.compensations = compensations
            self.paymentsQueued = paymentsQueued
        }

        /// Confirmed, cancelled and pending counted from the ledger; the rest from the order-service.
        ///
        /// - Parameter placed: orders created; nil counts the ledger's orders.
        public init(ledger: StorefrontLedger, placed: Int? = nil, compensations: Int, paymentsQueued: Int) {
            self.init(
                placed: placed ?? ledger.orders.count,
                confirmed: ledger.count(.confirmed),
                cancelled: ledger.count(.cancelled),
                pending: ledger.count(.pending),
                compensations: compensations,
                paymentsQueued: paymentsQueued
            )
        }
    }

    public struct Invariants: Codable, Sendable, Equatable {
        public var ok: Bool
        public var violations: [Violation]

        public init(ok: Bool, violations: [Violation]) {
            self.ok = ok
            self.violations = violations
        }
    }

    public struct Traces: Codable, Sendable, Equatable {
        /// Traces stored at the end of the run.
        public var kept: Int
        /// Traces the bounded store evicted during the run.
        public var dropped: Int

        public init(kept: Int, dropped: Int) {
            self.kept = kept
            self.dropped = dropped
        }
    }
}
