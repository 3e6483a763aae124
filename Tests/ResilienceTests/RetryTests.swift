import MetricsTestKit
import Randomness
import Synchronization
import Testing
import Tracing
import Telemetry
@testable import Resilience

struct Unavailable: TransientError { var isTransient: Bool { true } }
struct BadRequest: TransientError { var isTransient: Bool { false } }

/// Counts calls and fails the first `failures` of them.
final class FlakyOperation: Sendable {
    private let calls = Atomic<Int>(0)
    let failures: Int
    let error: any Error & Sendable

    init(failures: Int, error: any Error & Sendable = Unavailable()) {
        self.failures = failures
        self.error = error
    }

    var count: Int { calls.load(ordering: .relaxed) }

    func callAsFunction(_ attempt: Int) throws -> String {
        let n = calls.wrappingAdd(1, ordering: .relaxed).newValue
        if n <= failures { throw error }
        return "ok on attempt \(attempt)"
    }
}

@Suite struct RetryPolicyTests {
    @Test(arguments: RetryPolicy.Jitter.allCases)
    func delaysStayWithinTheirJitterBounds(jitter: RetryPolicy.Jitter) {
        let policy = RetryPolicy(maxAttempts: 10, backoff: .exponential(base: .milliseconds(100)), jitter: jitter, cap: .seconds(2))
        var random = SeededRandom(seed: 7)
        var previous: Duration?
        for retry in 1...8 {
            let exponential = min(Duration.milliseconds(100) * (1 << (retry - 1)), .seconds(2))
            let delay = policy.delay(retry: retry, previous: previous, using: &random)
            switch jitter {
            case .none: #expect(delay == exponential)
            case .full: #expect(delay >= .zero && delay <= exponential)
            case .equal: #expect(delay >= exponential / 2 && delay <= exponential)
            case .decorrelated:
                #expect(delay >= .milliseconds(100) && delay <= .seconds(2))
                #expect(delay <= max(.milliseconds(100), (previous ?? .milliseconds(100)) * 3))
            }
            previous = delay
        }
    }

    @Test func theSameSeedGivesTheSameDelays() {
        let policy = RetryPolicy(jitter: .full)
        var a = SeededRandom(seed: 1), b = SeededRandom(seed: 1)
        #expect((1...5).map { policy.delay(retry: $0, previous: nil, using: &a) } == (1...5).map { policy.delay(retry: $0, previous: nil, using: &b) })
    }

    @Test func linearAndConstantBackoff() {
        var random = SeededRandom(seed: 1)
        let linear = RetryPolicy(backoff: .linear(base: .milliseconds(100), step: .milliseconds(50)), jitter: .none, cap: .milliseconds(220))
        #expect((1...4).map { linear.delay(retry: $0, previous: nil, using: &random) } == [.milliseconds(100), .milliseconds(150), .milliseconds(200), .milliseconds(220)])
        let constant = RetryPolicy(backoff: .constant(.milliseconds(30)), jitter: .none)
        #expect(constant.delay(retry: 9, previous: nil, using: &random) == .milliseconds(30))
    }

    @Test func theDefaultRetriesOnlyTransientErrors() {
        #expect(RetryPolicy.retriesTransientErrors(Unavailable()))
        #expect(!RetryPolicy.retriesTransientErrors(BadRequest()))
        #expect(!RetryPolicy.retriesTransientErrors(CancellationError()))
        #expect(!RetryPolicy.retriesTransientErrors(Boom()))
    }
}

@Suite struct RetryTests {
    let clock = ManualClock()
    let metrics = TestMetrics()

    func retry(_ policy: RetryPolicy = RetryPolicy(maxAttempts: 3, backoff: .exponential(base: .milliseconds(100)), jitter: .none),
               budget: RetryBudget? = nil) -> Retry {
        Retry(name: "payment", policy: policy, budget: budget, clock: clock, metrics: metrics)
    }

    /// Runs `body` while advancing the clock each time the retry goes to sleep; returns the delays.
    /// No wall-clock waiting: it yields until the retry is asleep or done.
    func drive<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async -> (Result<T, any Error>, [Duration]) {
        let done = Atomic<Bool>(false)
        let task = Task {
            defer { done.store(true, ordering: .releasing) }
            return try await body()
        }
        var delays: [Duration] = []
        var spins = 0
        while !done.load(ordering: .acquiring) {
            if let deadline = clock.nextDeadline {
                delays.append(deadline.offset - clock.now.offset)
                clock.advance(to: deadline)
            } else {
                spins += 1
                if spins > 1_000_000 {
                    Issue.record("the retry neither slept nor finished")
                    task.cancel()
                    break
                }
                await Task.yield()
            }
        }
        return (await task.result, delays)
    }

    @Test func succeedingAtOnceMakesOneAttemptAndNoSleep() async throws {
        let operation = FlakyOperation(failures: 0)
        #expect(try await retry().execute { try operation($0) } == "ok on attempt 1")
        #expect(operation.count == 1 && clock.sleeperCount == 0)
    }

    @Test func retriesTransientFailuresWithBackoffOnTheInjectedClock() async throws {
        let operation = FlakyOperation(failures: 2)
        let retry = self.retry()
        let (result, delays) = await drive { try await retry.execute { try operation($0) } }
        #expect(try result.get() == "ok on attempt 3")
        #expect(delays == [.milliseconds(100), .milliseconds(200)])
        #expect(try metrics.expectCounter("retry_retries_total", [("name", "payment")]).totalValue == 2)
        #expect(try metrics.expectCounter("retry_attempts_total", [("name", "payment")]).totalValue == 3)
    }

    @Test func neverRetriesANonRetryableError() async {
        let operation = FlakyOperation(failures: 5, error: BadRequest())
        await #expect(throws: BadRequest.self) { try await retry().execute { try operation($0) } }
        #expect(operation.count == 1)
    }

    @Test func givesUpWithTheLastErrorWhenAttemptsRunOut() async throws {
        let operation = FlakyOperation(failures: 10)
        let retry = self.retry()
        let (result, delays) = await drive { try await retry.execute { try operation($0) } }
        #expect(throws: Unavailable.self) { try result.get() }
        #expect(operation.count == 3 && delays.count == 2)
        #expect(try metrics.expectCounter("retry_gave_up_total", [("name", "payment")]).totalValue == 1)
    }

    @Test func anExhaustedBudgetStopsRetries() async throws {
        let budget = RetryBudget(maxTokens: 4, tokenRatio: 0.5)  // retries while tokens > 2
        let operation = FlakyOperation(failures: 100)
        let retry = self.retry(RetryPolicy(maxAttempts: 10, backoff: .constant(.milliseconds(10)), jitter: .none), budget: budget)
        let (result, delays) = await drive { try await retry.execute { try operation($0) } }
        #expect(throws: Unavailable.self) { try result.get() }
        #expect(operation.count == 2, "4 → 3 tokens allows one retry; 3 → 2 does not")
        #expect(delays.count == 1)
        #expect(try metrics.expectCounter("retry_budget_exhausted_total", [("name", "payment")]).totalValue == 1)
        // Successes earn the budget back.
        for _ in 0..<4 { budget.recordSuccess() }
        #expect(budget.allowsRetry)
    }

    @Test func neverSleepsPastTheDeadline() async throws {
        let operation = FlakyOperation(failures: 10)
        let retry = self.retry(RetryPolicy(maxAttempts: 10, backoff: .constant(.milliseconds(100)), jitter: .none))
        let (result, delays) = await drive { try await retry.execute(deadline: .milliseconds(250)) { try operation($0) } }
        #expect(throws: Unavailable.self) { try result.get() }
        #expect(delays == [.milliseconds(100), .milliseconds(100)], "a third sleep would end at 300 ms, past 250 ms")
        #expect(operation.count == 3)
    }

    @Test func cancellationStopsAtOnce() async {
        let operation = FlakyOperation(failures: 10)
        let retry = self.retry()
        let task = Task { try await retry.execute { try operation($0) } }
        await clock.waitForSleepers(count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(operation.count == 1)
    }

    @Test func eachRetryIsASpanEvent() async throws {
        let time = TimeSource(clock: clock, originUnixNanoseconds: 0)
        let store = TraceStore(time: time)
        let tracer = TelemetryTracer(service: "order-service", store: store, time: time, ids: IDGenerator(seed: 3))
        let span = tracer.startSpan("process_payment", ofKind: .client)
        let operation = FlakyOperation(failures: 1)
        let retry = self.retry()
        let (result, _) = await drive { try await retry.execute(span: span) { try operation($0) } }
        _ = try result.get()
        span.end()
        let record = try #require(store.tree(span.traceContext.traceID)?.spans.first)
        #expect(record.events.map(\.name) == ["retry"])
        #expect(record.events.first?.attributes == ["retry.attempt": "2", "retry.delay_ms": "100.0"])
    }
}
