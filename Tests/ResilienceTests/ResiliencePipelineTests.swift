import MetricsTestKit
import Testing
import TestSupport
import Telemetry
@testable import Resilience

@Suite struct ResiliencePipelineTests {
    let clock = ManualClock()
    let metrics = TestMetrics()

    func pipeline(limiterBurst: Int = 100, bulkhead: Bulkhead? = nil, attempts: Int = 3, failuresToOpen: Int = 5,
                  attemptTimeout: Duration? = nil) -> ResiliencePipeline {
        ResiliencePipeline(
            rateLimiter: RateLimiter(name: "l", rate: 1, burst: limiterBurst, clock: clock, metrics: metrics),
            bulkhead: bulkhead ?? Bulkhead(name: "b", maxConcurrent: 10, metrics: metrics),
            retry: Retry(name: "r", policy: RetryPolicy(maxAttempts: attempts, backoff: .constant(.zero), jitter: .none), clock: clock, metrics: metrics),
            breaker: CircuitBreaker(id: "caller->target", policy: .init(trip: .consecutiveFailures(failuresToOpen)), clock: clock, metrics: metrics),
            attemptTimeout: attemptTimeout,
            clock: clock)
    }

    @Test func theSuccessPathRunsOnce() async throws {
        let operation = FlakyOperation(failures: 0)
        let pipeline = pipeline()
        #expect(try await pipeline.execute { try operation(1) } == "ok on attempt 1")
        #expect(operation.count == 1)
    }

    @Test func everyAttemptPassesTheBreaker() async throws {
        let operation = FlakyOperation(failures: 1)
        let pipeline = pipeline()
        _ = try await pipeline.execute { try operation(1) }
        #expect(operation.count == 2)
        #expect(pipeline.breaker?.status().callsInWindow == 2)
    }

    @Test func anOpenedBreakerStopsTheRetriesAtOnce() async {
        let operation = FlakyOperation(failures: 100)
        let pipeline = pipeline(attempts: 5, failuresToOpen: 2)
        await #expect(throws: CircuitBreakerOpenError.self) { try await pipeline.execute { try operation(1) } }
        #expect(operation.count == 2, "the third attempt is rejected by the open breaker and not retried")
    }

    @Test func aTimedOutAttemptIsRetried() async throws {
        let clock = self.clock
        let operation = FlakyOperation(failures: 0)
        let calls = Tally()
        let pipeline = pipeline(attemptTimeout: .seconds(1))
        let task = Task {
            try await pipeline.execute { () async throws -> String in
                calls.add()
                if calls.value == 1 { try await clock.sleep(for: .seconds(5)) }   // the first attempt hangs
                return try operation(1)
            }
        }
        await clock.waitForSleepers(count: 2)        // the hanging attempt and its timer
        clock.advance(by: .seconds(1))
        #expect(try await task.value == "ok on attempt 1")
        #expect(calls.value == 2)
    }

    @Test func theRateLimiterRejectsFirst() async throws {
        let operation = FlakyOperation(failures: 0)
        let pipeline = pipeline(limiterBurst: 1)
        _ = try await pipeline.execute { try operation(1) }
        await #expect(throws: RateLimitedError.self) { try await pipeline.execute { try operation(1) } }
        #expect(operation.count == 1)
    }

    @Test func aFullBulkheadRejects() async throws {
        let gate = Gate()
        let bulkhead = Bulkhead(name: "b", maxConcurrent: 1, metrics: metrics)
        let pipeline = pipeline(bulkhead: bulkhead)
        let busy = Task { try await pipeline.execute { await gate.wait() } }
        await waitUntil { bulkhead.usage == (1, 0) }
        await #expect(throws: BulkheadFullError.self) { try await pipeline.execute { 1 } }
        gate.open()
        try await busy.value
    }
}
