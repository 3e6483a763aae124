import Resilience
import Synchronization

/// What a caller's sidecar applies to its calls to one target. Every part is optional.
public struct CallPolicy: Sendable {
    public struct RateLimit: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Int
        public init(perSecond: Double, burst: Int) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    public struct BulkheadLimit: Sendable, Equatable {
        public var maxConcurrent: Int
        public var maxQueued: Int
        public init(maxConcurrent: Int, maxQueued: Int = 0) {
            self.maxConcurrent = maxConcurrent
            self.maxQueued = maxQueued
        }
    }

    public var breaker: CircuitBreakerPolicy?
    public var retry: RetryPolicy?
    public var rateLimit: RateLimit?
    public var bulkhead: BulkheadLimit?
    /// Per attempt.
    public var timeout: Duration?
    public var loadBalancing: LoadBalancing
    public var outlierDetection: OutlierDetectionPolicy?
    /// Hedged attempts: when an attempt has not answered within the policy's delay, another goes
    /// to a different instance and the first success wins. Nil (the default): none.
    ///
    /// A hedged group is one try for `retry`; each of its attempts is a call for `breaker` (a loser
    /// cancelled is not a failure) with its own `timeout`. See ``HedgingPolicy``.
    public var hedging: HedgingPolicy?

    public init(
        breaker: CircuitBreakerPolicy? = CircuitBreakerPolicy(),
        retry: RetryPolicy? = RetryPolicy(maxAttempts: 3, backoff: .exponential(base: .milliseconds(20), multiplier: 2), jitter: .full),
        rateLimit: RateLimit? = nil,
        bulkhead: BulkheadLimit? = nil,
        timeout: Duration? = .seconds(2),
        loadBalancing: LoadBalancing = .roundRobin,
        outlierDetection: OutlierDetectionPolicy? = OutlierDetectionPolicy(),
        hedging: HedgingPolicy? = nil
    ) {
        self.breaker = breaker
        self.retry = retry
        self.rateLimit = rateLimit
        self.bulkhead = bulkhead
        self.timeout = timeout
        self.loadBalancing = loadBalancing
        self.outlierDetection = outlierDetection
        self.hedging = hedging
    }

    /// No breaker, retry, limits, timeout or hedging: a plain call (still traced and measured).
    public static let passThrough = CallPolicy(breaker: nil, retry: nil, timeout: nil, outlierDetection: nil)
}

/// The mesh's policies, held in one place and changed live: call policies per (caller, target),
/// which caller may call which target, and how a service's traffic splits between versions.
/// A change applies to the next call (sidecars compare ``revision``).
///
/// Thread safety: all methods may be called from any task.
public final class ControlPlane: Sendable {
    private struct State {
        var defaultPolicy: CallPolicy
        var targetPolicies: [String: CallPolicy] = [:]
        var pairPolicies: [String: CallPolicy] = [:]
        var allowedCallers: [String: Set<String>] = [:]
        var splits: [String: [String: Double]] = [:]
        /// Policies set by hand on one edge (`CALLER->TARGET`), over whatever the system set.
        var overrides: [String: CallPolicy] = [:]
    }

    private let state: Mutex<State>
    private let _revision = Atomic<Int>(0)
    /// Whether any service limits its callers: until one does, every inbound sidecar's check
    /// answers without the lock.
    private let limitsCallers = Atomic<Bool>(false)

    public init(defaultPolicy: CallPolicy = CallPolicy()) {
        state = Mutex(State(defaultPolicy: defaultPolicy))
    }

    /// Increases with every change; a sidecar rebuilds what changed when it sees a new one.
    public var revision: Int { _revision.load(ordering: .acquiring) }

    private func change(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
        _revision.add(1, ordering: .releasing)
    }

    /// Sets the policy for calls from `caller` to `target`; nil for either means any.
    public func setPolicy(_ policy: CallPolicy, caller: String? = nil, target: String? = nil) {
        change { state in
            switch (caller, target) {
            case (nil, nil): state.defaultPolicy = policy
            case (nil, let target?): state.targetPolicies[target] = policy
            case (let caller?, let target?): state.pairPolicies["\(caller)->\(target)"] = policy
            case (let caller?, nil): state.pairPolicies["\(caller)->*"] = policy
            }
        }
    }

    /// The policy for a call: one set by hand on the edge (``setOverride(_:caller:target:)``),
    /// else the pair's own, else the caller's, else the target's, else the default.
    public func policy(caller: String, target: String) -> CallPolicy {
        state.withLock { state in
            state.overrides["\(caller)->\(target)"] ?? builtPolicy(caller: caller, target: target, in: state)
        }
    }

    /// The policy the system itself sets for the edge, whatever was set by hand over it.
    public func builtPolicy(caller: String, target: String) -> CallPolicy {
        state.withLock { builtPolicy(caller: caller, target: target, in: $0) }
    }

    private func builtPolicy(caller: String, target: String, in state: State) -> CallPolicy {
        state.pairPolicies["\(caller)->\(target)"] ?? state.pairPolicies["\(caller)->*"]
            ?? state.targetPolicies[target] ?? state.defaultPolicy
    }

    /// Sets a policy by hand on the calls from `caller` to `target`, over what the system sets
    /// (``setPolicy(_:caller:target:)`` changes underneath it stay hidden until it is removed);
    /// nil removes it, so the edge is back to the system's policy.
    public func setOverride(_ policy: CallPolicy?, caller: String, target: String) {
        change { $0.overrides["\(caller)->\(target)"] = policy }
    }

    /// Sets by hand on the edge the policy `change` makes of its current one, read and set under
    /// one lock so two changes at once both apply.
    public func overridePolicy(caller: String, target: String, _ change: (CallPolicy) -> CallPolicy) {
        self.change { state in
            let key = "\(caller)->\(target)"
            state.overrides[key] = change(state.overrides[key] ?? builtPolicy(caller: caller, target: target, in: state))
        }
    }

    /// Whether a policy set by hand is in force on the edge.
    public func hasOverride(caller: String, target: String) -> Bool {
        state.withLock { $0.overrides["\(caller)->\(target)"] != nil }
    }

    /// Only these callers may call `target` (nil: anyone may, the default).
    public func setAllowedCallers(_ callers: Set<String>?, target: String) {
        change { state in
            state.allowedCallers[target] = callers
            if !state.allowedCallers.isEmpty { limitsCallers.store(true, ordering: .releasing) }
        }
    }

    /// Whether `caller` (nil: from outside the mesh) may call `target`.
    public func isAllowed(caller: String?, target: String) -> Bool {
        guard limitsCallers.load(ordering: .acquiring) else { return true }
        return state.withLock { state in
            guard let allowed = state.allowedCallers[target] else { return true }
            return caller.map(allowed.contains) ?? false
        }
    }

    /// Splits a service's traffic between versions by weight (`["v1": 90, "v2": 10]`); nil or
    /// empty removes the rule (every passing instance takes traffic).
    public func setTrafficSplit(_ weights: [String: Double]?, service: String) {
        change { $0.splits[service] = (weights?.isEmpty ?? true) ? nil : weights }
    }

    public func trafficSplit(service: String) -> [String: Double]? {
        state.withLock { $0.splits[service] }
    }
}
