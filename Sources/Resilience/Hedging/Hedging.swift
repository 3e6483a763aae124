import CoreMetrics
import Synchronization

/// One attempt of a hedged group, as its operation sees it.
public struct HedgeAttempt: Sendable, Equatable {
    /// 1 for the group's first attempt, 2 for the first hedge, and so on.
    public let number: Int
    /// Whether this attempt is a hedge (not the group's first).
    public var isHedge: Bool { number > 1 }

    public init(number: Int) {
        self.number = number
    }
}

/// How one hedged group was decided, reported before the attempts still running are cancelled.
public struct HedgingOutcome: Sendable, Equatable {
    /// Attempts started, the first included.
    public var attempts: Int
    /// The attempt whose answer was taken (1 for the first); nil when every attempt failed.
    public var winner: Int?
    /// A hedge was due, and not sent because the budget had no token for it.
    public var budgetExhausted: Bool
    /// How long the group waited before a hedge.
    public var delay: Duration

    public init(attempts: Int, winner: Int?, budgetExhausted: Bool, delay: Duration) {
        self.attempts = attempts
        self.winner = winner
        self.budgetExhausted = budgetExhausted
        self.delay = delay
    }

    /// Hedges sent: attempts after the first.
    public var hedgesSent: Int { max(0, attempts - 1) }
}

/// Hedged calls: when an attempt has not answered within the policy's delay, the same call goes
/// to another target, and the first success wins (``HedgingStateMachine`` states the rules). A
/// budget keeps hedges to `maxHedgeRatio` of calls; an adaptive delay learns from the latency of
/// the attempts that won.
///
/// Attempts are child tasks of one task group, beside a child that sleeps the delay on the
/// injected clock; nothing outlives ``execute(choosing:_:stopsHedging:onDecided:)``: it returns
/// once the attempts it cancelled have stopped.
///
/// Metrics, made once: `hedge_sent_total{name}` (hedges started), `hedge_won_total{name}`
/// (groups a hedge won), `hedge_budget_exhausted_total{name}` (hedges not sent for want of budget).
///
/// Thread safety: all methods may be called from any task.
public final class Hedging: Sendable {
    public let name: String
    public let policy: HedgingPolicy
    private let elapsed: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let state: Mutex<State>
    private let sent, won, budgetExhausted: Counter

    private struct State {
        var budget: HedgeBudget
        var latencies: LatencyWindow
    }

    public init<C: Clock>(name: String, policy: HedgingPolicy, clock: C, metrics: any MetricsFactory) where C.Duration == Duration {
        precondition(policy.maxAttempts >= 1, "maxAttempts counts the first attempt: it must be at least 1")
        self.name = name
        self.policy = policy
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        // No tolerance: without one, Dispatch may fire a timer up to a tenth of its length late
        // (at least 1 ms), which a hedge would add to every call it rescues.
        sleep = { try await clock.sleep(for: $0, tolerance: .zero) }
        state = Mutex(State(budget: HedgeBudget(ratio: policy.maxHedgeRatio, capacity: policy.budgetCapacity),
                            latencies: LatencyWindow(capacity: policy.delay.windowCapacity ?? 1)))
        sent = Counter(label: "hedge_sent_total", dimensions: [("name", name)], factory: metrics)
        won = Counter(label: "hedge_won_total", dimensions: [("name", name)], factory: metrics)
        budgetExhausted = Counter(label: "hedge_budget_exhausted_total", dimensions: [("name", name)], factory: metrics)
    }

    /// The budget as it stands.
    public var budget: HedgeBudget { state.withLock { $0.budget } }

    /// The delay a group starting now would wait before its hedge.
    public var currentDelay: Duration { state.withLock { policy.delay.value(given: $0.latencies) } }

    /// Runs one hedged group: attempt 1 at once, a hedge after each delay or failure, until one
    /// succeeds or all have failed.
    ///
    /// - Parameters:
    ///   - choose: where the next attempt goes, given where this group's earlier ones went (empty
    ///     for the first); nil when nowhere is left (no hedge is sent then). Called on the caller's
    ///     task, one attempt at a time. An error it throws fails that attempt without running it.
    ///   - attempt: one attempt, run in a child task. It should throw on failure (any error counts)
    ///     and may be cancelled: a loser, or the caller's own cancellation.
    ///   - stopsHedging: an attempt's error after which no other attempt is started (the default:
    ///     a circuit breaker's rejection, which every other attempt would meet too).
    ///   - onDecided: called once, on the caller's task, as soon as the group has a winner or has
    ///     failed, before the other attempts are cancelled.
    /// - Returns: the winner's value.
    /// - Throws: when every attempt failed, the newest failure; a rejection or `choose`'s error
    ///   only when no attempt failed otherwise; `CancellationError` when cancelled first.
    public func execute<Target: Sendable, T: Sendable>(
        choosing choose: (_ tried: [Target]) throws -> Target?,
        _ attempt: @escaping @Sendable (Target, HedgeAttempt) async throws -> T,
        stopsHedging: (any Error) -> Bool = { $0 is CircuitBreakerOpenError },
        onDecided: (HedgingOutcome) -> Void = { _ in }
    ) async throws -> T {
        let delay = state.withLock { state in
            state.budget.recordCall()
            return policy.delay.value(given: state.latencies)
        }
        // Clock readings only when the delay learns from latencies.
        let measures = policy.delay.windowCapacity != nil
        let (elapsed, sleep) = (self.elapsed, self.sleep)
        var machine = HedgingStateMachine(maxAttempts: policy.maxAttempts)
        var tried: [Target] = []
        // What the group throws when it fails: the newest failure, else a rejection or a failed choice.
        var failure: (any Error)?
        var otherwise: (any Error)?
        var exhausted = false

        let result = await withTaskGroup(of: Event<T>.self, returning: Result<T, any Error>.self) { group in
            var action = machine.begin()
            var winning: T?
            while true {
                switch action {
                case .start(let number):
                    if number > 1, !state.withLock({ $0.budget.trySpend() }) {
                        exhausted = true
                        budgetExhausted.increment()
                        action = machine.attemptNotStarted()
                        continue
                    }
                    let target: Target
                    do {
                        guard let chosen = try choose(tried) else {
                            if number > 1 { state.withLock { $0.budget.refund() } }
                            action = machine.attemptNotStarted()
                            continue
                        }
                        target = chosen
                    } catch {
                        if number > 1 { state.withLock { $0.budget.refund() } }
                        otherwise = otherwise ?? error
                        action = machine.attemptNotStarted()
                        continue
                    }
                    tried.append(target)
                    if number > 1 { sent.increment() }
                    let startsDelay = machine.attemptStarted()
                    let info = HedgeAttempt(number: number)
                    group.addTask {
                        let start = measures ? elapsed() : .zero
                        do {
                            let value = try await attempt(target, info)
                            return .succeeded(attempt: number, value: value, latency: measures ? elapsed() - start : .zero)
                        } catch {
                            return .failed(attempt: number, error: error)
                        }
                    }
                    if startsDelay {
                        group.addTask {
                            do {
                                try await sleep(delay)
                                return .delayPassed(after: number)
                            } catch {
                                return .delayCancelled
                            }
                        }
                    }
                    action = .wait

                case .wait:
                    // The machine waits only while an attempt runs, so the group is never empty here.
                    guard let event = await group.next() else {
                        action = .fail
                        continue
                    }
                    switch event {
                    case .succeeded(let number, let value, let latency):
                        action = machine.succeeded(number)
                        if case .succeed = action {
                            winning = value
                            if measures { state.withLock { $0.latencies.record(latency) } }
                        }
                    case .failed(let number, let error):
                        let stops = stopsHedging(error)
                        if stops { otherwise = otherwise ?? error } else { failure = error }
                        // A cancelled caller starts nothing new: every attempt is failing for that reason.
                        action = machine.failed(number, stopsHedging: stops || Task.isCancelled)
                    case .delayPassed(let number):
                        action = machine.delayPassed(after: number)
                    case .delayCancelled:
                        action = .wait
                    }

                case .succeed(let winner):
                    onDecided(HedgingOutcome(attempts: machine.started, winner: winner, budgetExhausted: exhausted, delay: delay))
                    if winner > 1 { won.increment() }
                    group.cancelAll()
                    return .success(winning!)

                case .fail:
                    onDecided(HedgingOutcome(attempts: machine.started, winner: nil, budgetExhausted: exhausted, delay: delay))
                    group.cancelAll()
                    return .failure(failure ?? otherwise ?? CancellationError())
                }
            }
        }
        return try result.get()
    }

    private enum Event<T: Sendable>: Sendable {
        case succeeded(attempt: Int, value: T, latency: Duration)
        case failed(attempt: Int, error: any Error)
        case delayPassed(after: Int)
        case delayCancelled
    }
}
