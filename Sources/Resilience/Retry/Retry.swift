import CoreMetrics
import Randomness
import Synchronization
import Tracing

/// Tries an operation again after transient failures, with backoff and jitter, within an optional
/// shared ``RetryBudget`` and deadline.
///
/// - Never sleeps past the deadline: when the next delay would end after it, the last error is thrown.
/// - Honours cancellation: a cancelled task stops at once (its sleep throws `CancellationError`).
/// - Each retry is a span event `retry` (`retry.attempt`, `retry.delay_ms`) on the span you pass,
///   and metrics: `retry_attempts_total{name}`, `retry_retries_total{name}`,
///   `retry_budget_exhausted_total{name}`, `retry_gave_up_total{name}`.
///
/// Jitter comes from a ``SeededRandom`` of `seed` (derive it from the run's root seed with
/// `SeededRandom.derivedSeed(_:component:)`), so delays repeat in tests and simulations.
/// Thread safety: all methods may be called from any task.
public final class Retry: Sendable {
    public let name: String
    public let policy: RetryPolicy
    public let budget: RetryBudget?
    @usableFromInline let elapsed: @Sendable () -> Duration
    @usableFromInline let sleep: @Sendable (Duration) async throws -> Void
    @usableFromInline let random: Mutex<SeededRandom>
    @usableFromInline let attempts, retries, budgetExhausted, gaveUp: Counter

    public init<C: Clock>(name: String, policy: RetryPolicy = RetryPolicy(), budget: RetryBudget? = nil, clock: C,
                          seed: UInt64 = 0x5EED, metrics: any MetricsFactory) where C.Duration == Duration {
        self.name = name
        self.policy = policy
        self.budget = budget
        let origin = clock.now
        self.elapsed = { origin.duration(to: clock.now) }
        self.sleep = { delay in try await clock.sleep(for: delay) }
        self.random = Mutex(SeededRandom(seed: seed))
        attempts = Counter(label: "retry_attempts_total", dimensions: [("name", name)], factory: metrics)
        retries = Counter(label: "retry_retries_total", dimensions: [("name", name)], factory: metrics)
        budgetExhausted = Counter(label: "retry_budget_exhausted_total", dimensions: [("name", name)], factory: metrics)
        gaveUp = Counter(label: "retry_gave_up_total", dimensions: [("name", name)], factory: metrics)
    }

    /// Runs `operation` (given the attempt number, from 1) until it succeeds, fails with an error
    /// that is not retryable, attempts run out, the budget says no, or the deadline would pass.
    ///
    /// - Parameters:
    ///   - deadline: the latest time, from now, the whole call may take; nil for none.
    ///   - span: where to add a `retry` event per retry.
    /// - Throws: the last attempt's error, or `CancellationError`.
    @inlinable @inline(__always)
    public func execute<T>(deadline: Duration? = nil, span: (any Span)? = nil, _ operation: (_ attempt: Int) async throws -> T) async throws -> T {
        // Read the clock only when a deadline needs it: the success path stays clock-free.
        let start = deadline == nil ? Duration.zero : elapsed()
        var previousDelay: Duration?
        var attempt = 1
        while true {
            attempts.increment()
            do {
                let result = try await operation(attempt)
                budget?.recordSuccess()
                return result
            } catch {
                try checkCancellation()
                guard policy.isRetryable(error) else { throw error }
                budget?.recordFailure()
                guard attempt < policy.maxAttempts else {
                    gaveUp.increment()
                    throw error
                }
                if let budget, !budget.allowsRetry {
                    budgetExhausted.increment()
                    throw error
                }
                let delay = random.withLock { policy.delay(retry: attempt, previous: previousDelay, using: &$0) }
                if let deadline, elapsed() + delay - start >= deadline {
                    gaveUp.increment()
                    throw error
                }
                span?.addEvent(SpanEvent(name: "retry", attributes: ["retry.attempt": .int64(Int64(attempt + 1)), "retry.delay_ms": .double(delay.milliseconds)]))
                retries.increment()
                try await sleep(delay)
                previousDelay = delay
                attempt += 1
            }
        }
    }
}

extension Duration {
    @usableFromInline
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
