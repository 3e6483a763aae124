import Randomness
import Resilience
import Synchronization

/// How a caller picks one instance among the healthy ones.
public enum LoadBalancing: String, Sendable, Equatable, CaseIterable, Codable {
    /// Each in turn.
    case roundRobin
    /// Uniformly at random (seeded).
    case random
    /// Power of two choices: pick two at random, send to the one with fewer requests in flight.
    /// Nearly as good as least-loaded over all, at the cost of two reads (Mitzenmacher).
    case leastInFlightOfTwo
}

/// Picks instances by a ``LoadBalancing`` strategy. One per (caller, target), so round robin
/// cycles per caller as a client-side balancer does.
///
/// Thread safety: `pick` may be called from any task.
public final class LoadBalancer: Sendable {
    public let strategy: LoadBalancing
    private let state: Mutex<(next: Int, random: SeededRandom)>

    public init(strategy: LoadBalancing, seed: UInt64 = 0x10AD) {
        self.strategy = strategy
        state = Mutex((0, SeededRandom(seed: seed)))
    }

    /// One of `candidates`, or nil when there are none.
    /// - Parameter inFlight: requests in flight to an instance now (used by `leastInFlightOfTwo`).
    public func pick(from candidates: [RegisteredInstance], inFlight: (InstanceID) -> Int) -> RegisteredInstance? {
        pickIndex(from: candidates, inFlight: inFlight).map { candidates[$0] }
    }

    /// Where in `candidates` ``pick(from:inFlight:)``'s choice is: a sidecar reads the one or two
    /// fields it needs in place instead of copying the whole instance.
    func pickIndex(from candidates: [RegisteredInstance], inFlight: (InstanceID) -> Int) -> Int? {
        guard !candidates.isEmpty else { return nil }
        if candidates.count == 1 { return 0 }
        let choice = state.withLock { state in
            InstancePicker.choose(strategy, among: candidates.count, turn: &state.next, using: &state.random)
        }
        switch choice {
        case .index(let index):
            return index
        case .lessLoaded(let first, let second):
            // Loads are read outside the lock: they come from elsewhere and may take locks of their own.
            return inFlight(candidates[second].instance) < inFlight(candidates[first].instance) ? second : first
        }
    }
}

/// Outlier detection's settings (Envoy's names in brackets).
public struct OutlierDetectionPolicy: Sendable, Equatable {
    /// Consecutive server errors (5xx or no answer) that eject an instance [consecutive_5xx].
    public var consecutiveErrors: Int
    /// An ejection lasts this × the number of times the instance was ejected [base_ejection_time].
    public var baseEjectionTime: Duration
    /// At most this share of a service's instances is ejected at once [max_ejection_percent].
    public var maxEjectionShare: Double

    public init(consecutiveErrors: Int = 5, baseEjectionTime: Duration = .seconds(30), maxEjectionShare: Double = 0.5) {
        self.consecutiveErrors = consecutiveErrors
        self.baseEjectionTime = baseEjectionTime
        self.maxEjectionShare = maxEjectionShare
    }
}

/// Passive health checking from real traffic, as Envoy's outlier detection does: an instance that
/// answers with `consecutiveErrors` server errors in a row is ejected from load balancing for
/// `baseEjectionTime × ejections`, never more than `maxEjectionShare` of the instances at once.
/// When its time is up it returns; a success resets its run of errors.
///
/// Pure: the caller passes `now`, so tests need no clock.
public struct OutlierDetector: Sendable {
    public let policy: OutlierDetectionPolicy

    struct Host {
        var consecutiveErrors = 0
        var ejections = 0
        var ejectedUntil: Duration?
    }

    private var hosts: [String: Host] = [:]
    /// The latest end of any ejection so far: none is in force at or after it.
    private var ejectionsEnd: Duration?

    public init(policy: OutlierDetectionPolicy) {
        self.policy = policy
    }

    /// Records one call's outcome. Returns true when this call ejected the instance.
    /// - Parameters:
    ///   - instanceCount: how many instances the service has now (for the ejection cap).
    ///   - now: read only for a server error (a success needs no time).
    public mutating func record(_ instance: String, serverError: Bool, instanceCount: Int, at now: @autoclosure () -> Duration) -> Bool {
        guard serverError else {
            // The common case: one look-up, and a write only to end a run of errors.
            if let errors = hosts[instance]?.consecutiveErrors, errors > 0 { hosts[instance]!.consecutiveErrors = 0 }
            return false
        }
        let now = now()
        var host = hosts[instance, default: Host()]
        defer { hosts[instance] = host }
        host.consecutiveErrors += 1
        guard host.consecutiveErrors >= policy.consecutiveErrors, !isEjected(host, at: now) else { return false }
        let ejectedNow = hosts.filter { $0.key != instance && isEjected($0.value, at: now) }.count
        let cap = Int((Double(instanceCount) * policy.maxEjectionShare).rounded(.down))
        guard ejectedNow < cap else { return false }
        host.ejections += 1
        let until = now + policy.baseEjectionTime * host.ejections
        host.ejectedUntil = until
        ejectionsEnd = max(ejectionsEnd ?? until, until)
        host.consecutiveErrors = 0
        return true
    }

    public func isEjected(_ instance: String, at now: Duration) -> Bool {
        hosts[instance].map { isEjected($0, at: now) } ?? false
    }

    private func isEjected(_ host: Host, at now: Duration) -> Bool {
        host.ejectedUntil.map { now < $0 } ?? false
    }

    /// The ids of instances ejected now, sorted.
    public func ejected(at now: Duration) -> [String] {
        guard let end = ejectionsEnd, now < end else { return [] }
        return hosts.filter { isEjected($0.value, at: now) }.keys.sorted()
    }

    /// False when no instance has ever been ejected: a check that needs no clock reading.
    public var mayHaveEjections: Bool { ejectionsEnd != nil }

    /// True when recording a success can change nothing: no instance is in a run of errors and
    /// none was ever ejected.
    public var isQuiet: Bool { !mayHaveEjections && hosts.values.allSatisfy { $0.consecutiveErrors == 0 } }

    /// How many times an instance was ejected since start.
    public func ejections(of instance: String) -> Int { hosts[instance]?.ejections ?? 0 }
}
