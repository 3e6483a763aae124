/// One circuit breaker (caller -> target) as the Breakers view shows it.
public struct BreakerStatus: Codable, Sendable, Equatable, Identifiable {
    /// The breaker's id, `CALLER->TARGET` for the mesh's breakers (`order-service->payment-service`).
    public var id: String
    public var state: BreakerState
    /// True when a person (or the control plane) set the state by hand.
    public var isManual: Bool
    /// Failure rate over the breaker's window, 0…1; nil while the window holds fewer calls than
    /// the breaker's minimum (the rate is not meaningful yet) or the breaker does not record.
    public var failureRate: Double?
    /// Slow-call rate over the window, 0…1; nil as for `failureRate`.
    public var slowCallRate: Double?
    /// Calls the window holds now.
    public var callsInWindow: Int
    /// Calls rejected without being tried, since start.
    public var rejectedCount: Int
    /// Seconds since the breaker entered its current state.
    public var secondsInState: Double
    /// Seconds until an open breaker lets trial calls through (or a timed manual trip ends); nil otherwise.
    public var secondsUntilHalfOpen: Double?
    /// The breaker's policy in words (`failure rate ≥ 50% over last 100 calls, min 20; open 30s`).
    public var policy: String
    /// State changes, oldest first (bounded; the newest are kept).
    public var transitions: [BreakerTransitionRecord]
    /// While metrics-only: what its policy would have done with the calls it let through. Absent
    /// in any other state (and from snapshots taken before it was reported).
    public var shadow: BreakerShadowStatus?

    public init(
        id: String,
        state: BreakerState,
        isManual: Bool = false,
        failureRate: Double? = nil,
        slowCallRate: Double? = nil,
        callsInWindow: Int = 0,
        rejectedCount: Int = 0,
        secondsInState: Double = 0,
        secondsUntilHalfOpen: Double? = nil,
        policy: String = "",
        transitions: [BreakerTransitionRecord] = [],
        shadow: BreakerShadowStatus? = nil
    ) {
        self.id = id
        self.state = state
        self.isManual = isManual
        self.failureRate = failureRate
        self.slowCallRate = slowCallRate
        self.callsInWindow = callsInWindow
        self.rejectedCount = rejectedCount
        self.secondsInState = secondsInState
        self.secondsUntilHalfOpen = secondsUntilHalfOpen
        self.policy = policy
        self.transitions = transitions
        self.shadow = shadow
    }
}

/// A disabled or metrics-only breaker's shadow thresholds: its policy evaluated on the real outcomes of the
/// calls it let through, without acting. Says whether (and why, and when) it would have opened,
/// and when it would have closed again.
public struct BreakerShadowStatus: Codable, Sendable, Equatable {
    /// True while the policy would be rejecting calls (open or half-open).
    public var wouldBeOpen: Bool
    /// When it last would have opened, in seconds since the system started; nil if it never would have.
    public var openedAt: Double?
    /// Why (`failure rate 62% ≥ 50% over last 20 calls`).
    public var reason: String?
    /// When it would have closed again after `openedAt`, in seconds since the system started;
    /// nil while it would still be open.
    public var closedAt: Double?
    /// How many times it would have opened since disabled or set to metrics-only.
    public var timesOpened: Int
    /// Calls that went through while it would have been open.
    public var wouldHaveRejected: Int

    public init(wouldBeOpen: Bool, openedAt: Double? = nil, reason: String? = nil, closedAt: Double? = nil, timesOpened: Int = 0, wouldHaveRejected: Int = 0) {
        self.wouldBeOpen = wouldBeOpen
        self.openedAt = openedAt
        self.reason = reason
        self.closedAt = closedAt
        self.timesOpened = timesOpened
        self.wouldHaveRejected = wouldHaveRejected
    }
}

/// Every state a breaker can be in; the last four are manual.
public enum BreakerState: String, Codable, Sendable, CaseIterable {
    case closed
    case open
    case halfOpen
    /// Tripped by hand: rejects every call until reset (or until its optional duration ends).
    case forcedOpen
    /// Held closed by hand: lets every call through and records them, never opens.
    case forcedClosed
    /// Lets every call through and keeps no window; its policy runs in the shadow.
    case disabled
    /// Records and reports as usual, but never rejects.
    case metricsOnly

    /// The label every view uses: `CLOSED`, `OPEN`, `HALF-OPEN`, `FORCED OPEN`, …
    public var label: String {
        switch self {
        case .closed: "CLOSED"
        case .open: "OPEN"
        case .halfOpen: "HALF-OPEN"
        case .forcedOpen: "FORCED OPEN"
        case .forcedClosed: "FORCED CLOSED"
        case .disabled: "DISABLED"
        case .metricsOnly: "METRICS ONLY"
        }
    }

    /// True for the states that reject calls.
    public var rejectsCalls: Bool { self == .open || self == .forcedOpen }
}

/// A breaker's change of state and why.
public struct BreakerTransitionRecord: Codable, Sendable, Equatable {
    public var from: BreakerState
    public var to: BreakerState
    /// When it happened, in seconds since the system started.
    public var atSeconds: Double
    /// Why, in words (`failure rate 62% ≥ 50% over last 100 calls`, `forced open by hand`).
    public var reason: String

    public init(from: BreakerState, to: BreakerState, atSeconds: Double, reason: String) {
        self.from = from
        self.to = to
        self.atSeconds = atSeconds
        self.reason = reason
    }
}
