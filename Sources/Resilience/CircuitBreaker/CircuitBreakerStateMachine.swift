/// Every state a breaker can be in. The first three are automatic, the rest are set by hand.
public enum CircuitBreakerState: String, Sendable, CaseIterable, CustomStringConvertible {
    case closed
    case open
    case halfOpen
    /// Tripped by hand: rejects every call, until reset or until its optional duration ends.
    case forcedOpen
    /// Held closed by hand: lets every call through and records it, never opens.
    case forcedClosed
    /// Lets every call through and keeps no window; its policy runs in the shadow.
    case disabled
    /// Records and reports as usual, but never rejects.
    case metricsOnly

    public var isManual: Bool {
        switch self {
        case .closed, .open, .halfOpen: false
        case .forcedOpen, .forcedClosed, .disabled, .metricsOnly: true
        }
    }

    public var description: String { rawValue }

    /// States in which a call is permitted without anything to count at acquire time.
    @inlinable
    public var letsCallsThroughFreely: Bool {
        switch self {
        case .closed, .forcedClosed, .disabled, .metricsOnly: true
        case .open, .halfOpen, .forcedOpen: false
        }
    }
}

/// A change of state, with why it happened.
public struct CircuitBreakerTransition: Sendable, Equatable {
    public var from: CircuitBreakerState
    public var to: CircuitBreakerState
    /// When, as time since the breaker's clock origin.
    public var at: Duration
    /// In words: `failure rate 62% ≥ 50% over last 100 calls`, `forced open by hand`.
    public var reason: String
    /// True for what a disabled or metrics-only breaker's policy would have done (``ShadowEvaluation``): the
    /// breaker itself stayed metrics-only, and `from`/`to` are the policy's would-be states.
    public var isShadow: Bool

    public init(from: CircuitBreakerState, to: CircuitBreakerState, at: Duration, reason: String, isShadow: Bool = false) {
        self.from = from
        self.to = to
        self.at = at
        self.reason = reason
        self.isShadow = isShadow
    }
}

/// The circuit breaker's logic, with no clock, no locks and no I/O: events in, decisions and
/// transitions out. Time is passed in as `Duration` since an origin the caller chooses.
///
/// Used by ``CircuitBreaker`` (which adds a clock, a lock, metrics and events) and tested directly.
/// In the closed, forced-closed, disabled and metrics-only states, `acquire` never evaluates `now`,
/// so the fast path reads no clock.
public struct CircuitBreakerStateMachine: Sendable {
    /// What `acquire` decided.
    public enum Permission: Sendable, Equatable {
        /// Go ahead; record the outcome.
        case permitted
        /// Go ahead as a half-open trial call; record the outcome with `trial: true`.
        case trial
        /// Do not call. `retryAfter` is when the breaker may let calls through again, if known.
        case rejected(retryAfter: Duration?)
    }

    /// How a call ended, as the breaker counts it.
    public enum Outcome: Sendable, Equatable {
        case success
        case failure
        /// Neither success nor failure (cancellation, or an error the predicate says not to record).
        case ignored
    }

    public let policy: CircuitBreakerPolicy
    public private(set) var state: CircuitBreakerState = .closed
    public private(set) var stateSince: Duration
    /// When an open breaker goes half-open, or a timed manual trip ends.
    public private(set) var openUntil: Duration?
    public private(set) var rejectedCount = 0
    /// While metrics-only: what the policy would have done with the calls it let through.
    public private(set) var shadow: ShadowEvaluation?
    /// The newest manual episodes (at most ``episodeLimit``), oldest first; the last is still
    /// going while the breaker is in a manual state. Read them through ``manualEpisodes``.
    private var episodes: [ManualEpisode] = []
    private var episodeSequence = 0
    private var window: OutcomeWindow
    private var consecutiveFailures = 0
    private var consecutiveOpens = 0
    private var trialsAdmitted = 0
    private var trialSuccesses = 0

    public init(policy: CircuitBreakerPolicy, at now: Duration = .zero) {
        self.policy = policy
        self.window = OutcomeWindow(policy.window)
        self.stateSince = now
    }

    // MARK: Calls

    /// Asks to make a call. May move an open breaker to half-open (its time is up) or end a timed
    /// manual trip; that transition is returned with the decision.
    public mutating func acquire(at now: @autoclosure () -> Duration) -> (Permission, CircuitBreakerTransition?) {
        switch state {
        case .closed, .forcedClosed, .disabled, .metricsOnly:
            return (.permitted, nil)
        case .open:
            let time = now()
            guard let until = openUntil, time >= until else {
                rejectedCount += 1
                return (.rejected(retryAfter: openUntil.map { $0 - time }), nil)
            }
            let transition = move(to: .halfOpen, at: time, reason: "open for \(openedFor(until: until).compact): letting \(policy.halfOpen.permittedCalls) trial call\(policy.halfOpen.permittedCalls == 1 ? "" : "s") through")
            trialsAdmitted = 1
            return (.trial, transition)
        case .halfOpen:
            guard trialsAdmitted < policy.halfOpen.permittedCalls else {
                rejectedCount += 1
                return (.rejected(retryAfter: nil), nil)
            }
            trialsAdmitted += 1
            return (.trial, nil)
        case .forcedOpen:
            let time = now()
            if let until = openUntil, time >= until {
                let transition = resetToClosed(at: time, reason: "manual trip ended after \((until - stateSince).compact): back to automatic")
                return (.permitted, transition)
            }
            rejectedCount += 1
            episodes[episodes.count - 1].rejected += 1
            return (.rejected(retryAfter: openUntil.map { $0 - time }), nil)
        }
    }

    /// Records how a permitted call ended. `duration` is needed only when the policy has a
    /// slow-call rule; `now` is evaluated only when the window is time-based, a transition happens,
    /// or a disabled or metrics-only breaker's shadow would be open (to know when its open time ends).
    public mutating func record(_ outcome: Outcome, duration: Duration = .zero, trial: Bool = false,
                                at now: @autoclosure () -> Duration) -> CircuitBreakerTransition? {
        if state.isManual, outcome != .ignored, !episodes.isEmpty {
            if outcome == .failure { episodes[episodes.count - 1].failed += 1 } else { episodes[episodes.count - 1].succeeded += 1 }
        }
        if outcome == .ignored {
            // An ignored trial frees its place for another trial call.
            if trial, state == .halfOpen { trialsAdmitted = max(0, trialsAdmitted - 1) }
            return nil
        }
        let failed = outcome == .failure
        let slow = policy.slowCalls.map { duration >= $0.threshold } ?? false
        // A disabled breaker keeps no window of its own; its policy is evaluated in the shadow only.
        if state == .disabled { return shadow?.record(failed: failed, slow: slow, at: now) }

        if trial, state == .halfOpen {
            let time = now()
            if failed || slow {
                return open(at: time, reason: failed ? "trial call failed in half-open" : "trial call was slow (≥ \(policy.slowCalls!.threshold.compact)) in half-open")
            }
            trialSuccesses += 1
            guard trialSuccesses >= policy.halfOpen.successesToClose else { return nil }
            return resetToClosed(at: time, reason: "\(trialSuccesses) of \(policy.halfOpen.permittedCalls) trial call\(policy.halfOpen.permittedCalls == 1 ? "" : "s") succeeded")
        }

        let time: Duration = policy.needsTimePerCall ? now() : .zero
        window.record(failure: failed, slow: slow, at: time)
        consecutiveFailures = failed ? consecutiveFailures + 1 : 0
        if state == .metricsOnly { return shadow?.record(failed: failed, slow: slow, at: now) }
        guard state == .closed, let reason = tripReason(policy: policy, window: window, consecutiveFailures: consecutiveFailures) else { return nil }
        return open(at: policy.needsTimePerCall ? time : now(), reason: reason)
    }

    // MARK: Manual control

    /// Trips the breaker by hand; with a duration it returns to automatic (closed) afterwards.
    public mutating func trip(for duration: Duration? = nil, at now: Duration) -> CircuitBreakerTransition {
        let transition = move(to: .forcedOpen, at: now, reason: duration.map { "forced open by hand for \($0.compact)" } ?? "forced open by hand")
        openUntil = duration.map { now + $0 }
        return transition
    }

    public mutating func forceClosed(at now: Duration) -> CircuitBreakerTransition {
        move(to: .forcedClosed, at: now, reason: "forced closed by hand")
    }

    /// Lets every call through and keeps no window; the policy is still evaluated, in the shadow
    /// (``shadow``), from now on.
    public mutating func disable(at now: Duration) -> CircuitBreakerTransition {
        window.reset()
        consecutiveFailures = 0
        let transition = move(to: .disabled, at: now, reason: "disabled by hand")
        shadow = ShadowEvaluation(policy: policy)
        return transition
    }

    /// Lets every call through and records it; the policy is still evaluated, in the shadow
    /// (``shadow``), from now on.
    public mutating func recordOnly(at now: Duration) -> CircuitBreakerTransition {
        let transition = move(to: .metricsOnly, at: now, reason: "set to metrics-only by hand")
        shadow = ShadowEvaluation(policy: policy)
        return transition
    }

    /// Back to closed and automatic, with the window, counters and open back-off cleared.
    public mutating func reset(at now: Duration) -> CircuitBreakerTransition {
        resetToClosed(at: now, reason: "reset to automatic by hand")
    }

    // MARK: Status

    /// The failure rate over the window, nil while it is not meaningful (fewer calls than the
    /// policy's minimum, or none) or the breaker records nothing.
    public var failureRate: Double? {
        guard state != .disabled, window.calls > 0 else { return nil }
        if case .failureRate(_, _, let minimum) = policy.trip, window.calls < minimum { return nil }
        return window.failureRate
    }

    public var slowCallRate: Double? {
        guard state != .disabled, window.calls > 0, let slow = policy.slowCalls, window.calls >= slow.minimumCalls else { return nil }
        return window.slowCallRate
    }

    public var callsInWindow: Int { window.calls }

    /// How many manual episodes are kept.
    public static var episodeLimit: Int { 16 }

    /// The newest manual episodes, oldest first, the one still going (if any) with its shadow
    /// figures so far.
    public var manualEpisodes: [ManualEpisode] {
        guard let shadow, var last = episodes.last, last.ended == nil else { return episodes }
        last.wouldHaveRejected = shadow.wouldHaveRejected
        last.wouldHaveOpened = shadow.timesOpened
        return episodes.dropLast() + [last]
    }

    /// Moves a time-based window to `now` so rates read later leave out seconds that have passed.
    public mutating func advanceWindow(to now: Duration) {
        window.advance(to: now)
    }

    /// Time until calls may go through again: the rest of the open wait or of a timed manual trip.
    public func timeUntilPermitted(at now: Duration) -> Duration? {
        guard state == .open || state == .forcedOpen, let until = openUntil else { return nil }
        return max(.zero, until - now)
    }

    // MARK: Transitions

    private mutating func open(at now: Duration, reason: String) -> CircuitBreakerTransition {
        consecutiveOpens += 1
        let wait = policy.openWait(afterOpens: consecutiveOpens)
        let transition = move(to: .open, at: now, reason: consecutiveOpens > 1 ? "\(reason); open \(wait.compact) (re-open \(consecutiveOpens))" : reason)
        openUntil = now + wait
        return transition
    }

    private mutating func resetToClosed(at now: Duration, reason: String) -> CircuitBreakerTransition {
        window.reset()
        consecutiveFailures = 0
        consecutiveOpens = 0
        return move(to: .closed, at: now, reason: reason)
    }

    private mutating func move(to newState: CircuitBreakerState, at now: Duration, reason: String) -> CircuitBreakerTransition {
        let transition = CircuitBreakerTransition(from: state, to: newState, at: now, reason: reason)
        if state.isManual { endEpisode(at: now) }
        if newState.isManual {
            episodeSequence += 1
            episodes.append(ManualEpisode(sequence: episodeSequence, state: newState, started: now))
            if episodes.count > Self.episodeLimit { episodes.removeFirst(episodes.count - Self.episodeLimit) }
        }
        state = newState
        stateSince = now
        openUntil = nil
        trialsAdmitted = 0
        trialSuccesses = 0
        return transition
    }

    private mutating func endEpisode(at now: Duration) {
        guard var last = episodes.last, last.ended == nil else { return }
        last.ended = now
        if let shadow {
            last.wouldHaveRejected = shadow.wouldHaveRejected
            last.wouldHaveOpened = shadow.timesOpened
            self.shadow = nil
        }
        episodes[episodes.count - 1] = last
    }

    private func openedFor(until: Duration) -> Duration { until - stateSince }
}
