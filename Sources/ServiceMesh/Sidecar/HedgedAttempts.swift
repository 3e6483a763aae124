import Resilience
import Synchronization
import Telemetry
import Tracing

/// A call under a hedging policy: what its attempts need, and what they share while they run
/// side by side: the call's progress, where each group's attempts went, and which won.
///
/// The hedging front calls ``choose(excluding:)`` on the caller's task before each attempt, runs
/// ``run(_:_:)`` in child tasks, and reports each group's end to ``decided(_:)`` before it
/// cancels the losers. A group's attempts that succeed leave their spans open until then, so the
/// winner's span can say it won; a loser cancelled after that says it was cancelled.
final class HedgedAttempts: Sendable {
    /// Where one attempt goes, chosen before it starts.
    struct Target: Sendable {
        var id: String
        var address: String
        /// Passing instances discovery offered (for outlier detection's ejection cap).
        var instanceCount: Int
        /// The attempt's number in the whole call (across retries), for its span's name.
        var number: Int
    }

    let channel: OutboundChannel
    let request: Request
    let caller: String?
    let built: OutboundChannel.Built
    let span: SpanInProgress

    private struct State {
        /// `attempts` counts tries of the call (hedged groups), as retry counts them.
        var progress = CallProgress()
        var attemptsStarted = 0
        /// The current group has a winner, or has failed: an attempt cancelled now is a loser.
        var decided = false
        /// Spans of the current group's attempts that succeeded, open until the group is decided.
        var answered: [(attempt: Int, span: TelemetrySpan)] = []
        var hedgesSent = 0
        var lastOutcome: HedgingOutcome?
        var budgetExhausted = false
    }

    private let state = Mutex(State())

    init(channel: OutboundChannel, request: Request, caller: String?, built: OutboundChannel.Built, span: SpanInProgress) {
        self.channel = channel
        self.request = request
        self.caller = caller
        self.built = built
        self.span = span
    }

    /// Where the next attempt of the current group goes: an instance none of its attempts went
    /// to, or nil when none is left. An empty `tried` begins a group (a try of the call).
    ///
    /// - Throws: `NoInstanceError` when discovery offers no passing instance.
    func choose(excluding tried: [Target]) throws -> Target? {
        let picked = try channel.pickInstance(built: built, excluding: tried.map(\.id))
        return state.withLock { state -> Target? in
            if let staleness = picked?.staleness ?? nil { state.progress.attributes += staleness }
            guard let picked else { return nil }
            if tried.isEmpty {
                state.progress.attempts += 1
                state.decided = false
            }
            state.attemptsStarted += 1
            return Target(id: picked.0.id, address: picked.0.address, instanceCount: picked.count, number: state.attemptsStarted)
        }
    }

    func run(_ target: Target, _ attempt: HedgeAttempt) async throws -> Response {
        try await channel.hedgedAttempt(to: target, attempt, call: self)
    }

    /// A group was decided: the winner's span says so (and the other successes' that it lost),
    /// and they end.
    func decided(_ outcome: HedgingOutcome) {
        let answered = state.withLock { state in
            state.decided = true
            state.hedgesSent += outcome.hedgesSent
            state.budgetExhausted = state.budgetExhausted || outcome.budgetExhausted
            state.lastOutcome = outcome
            defer { state.answered = [] }
            return state.answered
        }
        for (attempt, span) in answered {
            span.updateAttributes { $0["hedge.winner"] = attempt == outcome.winner }
            span.end()
        }
    }

    /// Attempt `attempt` of the current group succeeded. Returns true when its span stays open
    /// for ``decided(_:)`` to end; false when the group was decided already (it lost the race,
    /// and the caller ends the span).
    func succeeded(_ attempt: Int, span: TelemetrySpan) -> Bool {
        let open = state.withLock { state in
            if state.decided { return false }
            state.answered.append((attempt, span))
            return true
        }
        if !open { span.updateAttributes { $0["hedge.winner"] = false } }
        return open
    }

    /// Whether the current group is decided: an attempt cancelled now lost to another (or the
    /// group failed), rather than timing out.
    var isDecided: Bool { state.withLock { $0.decided } }

    /// An attempt was cancelled before the group was decided: its per-attempt timeout, or the
    /// caller gave up (told apart when the call ends, as for unhedged attempts).
    func abandoned() {
        state.withLock { $0.progress.abandoned += 1 }
    }

    /// The call's progress, with the client span's hedging attributes: `hedge.sent`, and of the
    /// last group `hedge.winner` (its attempt number, 1 for the first) and `hedge.delay_ms`;
    /// `hedge.budget_exhausted` when a hedge was not sent for want of budget.
    var progress: CallProgress {
        state.withLock { state in
            var progress = state.progress
            progress.attributes.append(("hedge.sent", .bool(state.hedgesSent > 0)))
            if let outcome = state.lastOutcome {
                if let winner = outcome.winner { progress.attributes.append(("hedge.winner", .int64(Int64(winner)))) }
                progress.attributes.append(("hedge.delay_ms", .double(outcome.delay.milliseconds)))
            }
            if state.budgetExhausted { progress.attributes.append(("hedge.budget_exhausted", .bool(true))) }
            return progress
        }
    }
}
