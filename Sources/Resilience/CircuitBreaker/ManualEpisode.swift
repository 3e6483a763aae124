/// One stretch of a manual state (forced open, forced closed, disabled, metrics-only), from the
/// action that set it to the one (or the end of a timed trip) that left it, with what the breaker
/// counted of real calls meanwhile: the measured effect of a person's action.
public struct ManualEpisode: Sendable, Equatable {
    /// Increases by one per manual state entered on this breaker, from 1.
    public var sequence: Int
    public var state: CircuitBreakerState
    /// Time since the breaker's origin.
    public var started: Duration
    /// Nil while the breaker is still in it.
    public var ended: Duration?
    /// Calls it rejected (forced open).
    public var rejected = 0
    /// Calls it let through and recorded, by outcome (forced closed, disabled, metrics-only).
    public var succeeded = 0
    public var failed = 0
    /// Metrics-only: calls that went through while the policy would have been open, and how
    /// often it would have opened (see ``ShadowEvaluation``).
    public var wouldHaveRejected = 0
    public var wouldHaveOpened = 0

    public init(sequence: Int, state: CircuitBreakerState, started: Duration, ended: Duration? = nil) {
        self.sequence = sequence
        self.state = state
        self.started = started
        self.ended = ended
    }
}
