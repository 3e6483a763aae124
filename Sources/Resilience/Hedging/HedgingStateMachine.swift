/// The decisions of one hedged group of attempts, as a pure state machine: which attempt starts
/// when, whose answer is taken, when to give up. The ``Hedging`` front does the rest (runs the
/// attempts in a task group, sleeps the delay on its clock, asks the budget, counts).
///
/// The rules, Polly v8's:
/// - the first attempt starts at once;
/// - when the delay has passed since the newest attempt started and nothing has succeeded, the
///   next one starts: a hedge;
/// - when an attempt fails, the next starts at once, without waiting for the delay;
/// - the first success wins, and the attempts still running are cancelled;
/// - no attempt starts after `maxAttempts` have, nor once one could not start (the budget was
///   empty, every instance was tried) or an attempt failed in a way another cannot mend (a circuit
///   breaker's rejection): the attempts still running may yet succeed;
/// - when every attempt has failed and no other may start, the group fails.
///
/// Attempts are numbered from 1 in the order they start.
public struct HedgingStateMachine: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Start attempt `attempt` now (for a hedge, if the budget allows and there is somewhere
        /// to send it), then report ``attemptStarted()`` or ``attemptNotStarted()``.
        case start(attempt: Int)
        /// Wait for an attempt to end or the delay to pass.
        case wait
        /// Take attempt `winner`'s answer; cancel the others.
        case succeed(winner: Int)
        /// Every attempt failed and none may start: fail with the most telling error.
        case fail
    }

    public let maxAttempts: Int
    /// Attempts started so far.
    public private(set) var started = 0
    /// Attempts started and not yet ended.
    public private(set) var running = 0
    public private(set) var winner: Int?
    /// True once no further attempt may start (besides `maxAttempts` being reached).
    public private(set) var stopped = false
    /// The attempt the last ``Action/start(attempt:)`` asked for, until reported.
    private var starting: Int?

    /// - Precondition: `maxAttempts ≥ 1`.
    public init(maxAttempts: Int) {
        precondition(maxAttempts >= 1, "a hedged group has at least one attempt (got maxAttempts \(maxAttempts))")
        self.maxAttempts = maxAttempts
    }

    /// Whether another attempt may still start.
    private var mayStartAnother: Bool { winner == nil && !stopped && started < maxAttempts }

    private mutating func startNext() -> Action {
        starting = started + 1
        return .start(attempt: started + 1)
    }

    /// The group begins: start the first attempt.
    public mutating func begin() -> Action {
        precondition(started == 0 && starting == nil, "a hedged group begins once")
        return startNext()
    }

    /// The attempt asked for is running. Returns whether to start the delay before the next one
    /// (false when no other may start): report its end with ``delayPassed(after:)``.
    public mutating func attemptStarted() -> Bool {
        precondition(starting == started + 1, "attemptStarted() answers a .start action")
        starting = nil
        started += 1
        running += 1
        return mayStartAnother
    }

    /// The attempt asked for did not start (no budget, nowhere to send it, or choosing where
    /// failed): no other will start in this group.
    public mutating func attemptNotStarted() -> Action {
        precondition(starting == started + 1, "attemptNotStarted() answers a .start action")
        starting = nil
        stopped = true
        return running > 0 ? .wait : .fail
    }

    /// The delay started when attempt `attempt` started has passed. Ignored unless `attempt` is
    /// still the newest (an attempt that failed early started the next one already).
    public mutating func delayPassed(after attempt: Int) -> Action {
        guard attempt == started, starting == nil, mayStartAnother else { return .wait }
        return startNext()
    }

    /// Attempt `attempt` succeeded: the first success wins.
    public mutating func succeeded(_ attempt: Int) -> Action {
        running -= 1
        guard winner == nil else { return .wait }
        winner = attempt
        return .succeed(winner: attempt)
    }

    /// Attempt `attempt` failed. The next starts at once if one may; `stopsHedging` says no other
    /// attempt can do better (a circuit breaker's rejection), and then none starts.
    public mutating func failed(_ attempt: Int, stopsHedging: Bool = false) -> Action {
        running -= 1
        if stopsHedging { stopped = true }
        if winner != nil { return .wait }
        if mayStartAnother { return startNext() }
        return running > 0 ? .wait : .fail
    }
}
