/// What a disabled or metrics-only breaker's policy would have done with the calls it let through.
///
/// Such a breaker never rejects; this runs its trip rule, open duration and half-open
/// trials on the real outcomes instead, so a person can see whether the policy would have opened
/// (and when it would have closed again) before trusting it to act. It starts closed, with an
/// empty window, when the breaker is set to metrics-only.
///
/// While it would be open, the calls that go through are the ones the breaker would have
/// rejected (counted, not evaluated). The first calls after its open duration are taken as the
/// half-open trials: the first failing (or slow) one would have re-opened it, `successesToClose`
/// succeeding ones would have closed it.
public struct ShadowEvaluation: Sendable {
    public enum Phase: Sendable, Equatable {
        case closed
        case open(until: Duration)
        case halfOpen(successes: Int)
    }

    public let policy: CircuitBreakerPolicy
    public private(set) var phase: Phase = .closed
    /// When it last would have opened (time since the breaker's origin), and why.
    public private(set) var openedAt: Duration?
    public private(set) var reason: String?
    /// When it would have closed again after `openedAt`; nil while it would still be open.
    public private(set) var closedAt: Duration?
    /// How many times it would have opened (re-opens from half-open included).
    public private(set) var timesOpened = 0
    /// Calls that went through while it would have been open.
    public private(set) var wouldHaveRejected = 0
    private var window: OutcomeWindow
    private var consecutiveFailures = 0
    private var consecutiveOpens = 0

    public init(policy: CircuitBreakerPolicy) {
        self.policy = policy
        window = OutcomeWindow(policy.window)
    }

    /// True while the policy would be rejecting calls (open, or half-open).
    public var wouldBeOpen: Bool { phase != .closed }

    /// Evaluates one real outcome (never `.ignored`). Returns the transition the policy would
    /// have made, with `isShadow` set, or nil.
    mutating func record(failed: Bool, slow: Bool, at now: () -> Duration) -> CircuitBreakerTransition? {
        switch phase {
        case .open(let until):
            let time = now()
            guard time >= until else {
                wouldHaveRejected += 1
                return nil
            }
            phase = .halfOpen(successes: 0)
            return trial(failed: failed, slow: slow, at: time)
        case .halfOpen:
            return trial(failed: failed, slow: slow, at: now())
        case .closed:
            let time: Duration = policy.needsTimePerCall ? now() : .zero
            window.record(failure: failed, slow: slow, at: time)
            consecutiveFailures = failed ? consecutiveFailures + 1 : 0
            guard let reason = tripReason(policy: policy, window: window, consecutiveFailures: consecutiveFailures) else { return nil }
            return open(from: .closed, at: policy.needsTimePerCall ? time : now(), reason: reason)
        }
    }

    private mutating func trial(failed: Bool, slow: Bool, at time: Duration) -> CircuitBreakerTransition? {
        guard case .halfOpen(let successes) = phase else { return nil }
        if failed || slow {
            return open(from: .halfOpen, at: time, reason: failed ? "trial call failed in half-open" : "trial call was slow in half-open")
        }
        guard successes + 1 >= policy.halfOpen.successesToClose else {
            phase = .halfOpen(successes: successes + 1)
            return nil
        }
        let openFor = openedAt.map { (time - $0).compact } ?? "?"
        phase = .closed
        closedAt = time
        window.reset()
        consecutiveFailures = 0
        consecutiveOpens = 0
        return CircuitBreakerTransition(from: .halfOpen, to: .closed, at: time,
                                        reason: "would have closed again (\(successes + 1) trial call\(successes == 0 ? "" : "s") succeeded, \(openFor) after it would have opened)",
                                        isShadow: true)
    }

    private mutating func open(from: CircuitBreakerState, at time: Duration, reason: String) -> CircuitBreakerTransition {
        consecutiveOpens += 1
        let wait = policy.openWait(afterOpens: consecutiveOpens)
        phase = .open(until: time + wait)
        openedAt = time
        closedAt = nil
        self.reason = reason
        timesOpened += 1
        return CircuitBreakerTransition(from: from, to: .open, at: time, reason: "would have opened (\(reason)); open \(wait.compact)", isShadow: true)
    }

    /// The evaluation as the status reports it.
    public var status: ShadowStatus {
        ShadowStatus(wouldBeOpen: wouldBeOpen, openedAt: openedAt, reason: reason, closedAt: closedAt,
                     timesOpened: timesOpened, wouldHaveRejected: wouldHaveRejected)
    }
}

/// A disabled or metrics-only breaker's shadow evaluation, as a value (see ``ShadowEvaluation``).
public struct ShadowStatus: Sendable, Equatable {
    /// True while the policy would be rejecting calls.
    public var wouldBeOpen: Bool
    /// When it last would have opened, as time since the breaker's origin; nil if it never would have.
    public var openedAt: Duration?
    /// Why it would have opened (`failure rate 62% ≥ 50% over last 20 calls`).
    public var reason: String?
    /// When it would have closed again after `openedAt`; nil while it would still be open.
    public var closedAt: Duration?
    public var timesOpened: Int
    /// Calls that went through while it would have been open.
    public var wouldHaveRejected: Int

    public init(wouldBeOpen: Bool = false, openedAt: Duration? = nil, reason: String? = nil, closedAt: Duration? = nil,
                timesOpened: Int = 0, wouldHaveRejected: Int = 0) {
        self.wouldBeOpen = wouldBeOpen
        self.openedAt = openedAt
        self.reason = reason
        self.closedAt = closedAt
        self.timesOpened = timesOpened
        self.wouldHaveRejected = wouldHaveRejected
    }
}

/// Why a closed breaker with this window and run of failures opens, or nil when it does not.
func tripReason(policy: CircuitBreakerPolicy, window: OutcomeWindow, consecutiveFailures: Int) -> String? {
    switch policy.trip {
    case .consecutiveFailures(let n):
        if consecutiveFailures >= n { return "\(consecutiveFailures) consecutive failures" }
    case .failureRate(let threshold, let rateWindow, let minimum):
        if window.calls >= minimum, window.failureRate >= threshold {
            return "failure rate \(percent(window.failureRate)) ≥ \(percent(threshold)) over \(describe(rateWindow))"
        }
    }
    if let slow = policy.slowCalls, window.calls >= slow.minimumCalls, window.slowCallRate >= slow.rateThreshold {
        return "slow-call rate \(percent(window.slowCallRate)) ≥ \(percent(slow.rateThreshold)) (calls ≥ \(slow.threshold.compact)) over \(describe(policy.window))"
    }
    return nil
}

extension CircuitBreakerPolicy {
    /// How long the breaker stays open at its `opens`-th consecutive opening (1 for the first).
    func openWait(afterOpens opens: Int) -> Duration {
        var wait = openDuration
        if openBackoffMultiplier > 1 {
            for _ in 1..<max(1, opens) where wait < maxOpenDuration {
                wait = wait * openBackoffMultiplier
            }
            wait = min(wait, maxOpenDuration)
        }
        return wait
    }
}
