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
        transitions: [BreakerTransitionRecord] = []
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
    /// Lets every call through and records nothing.
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
