import MetricsTestKit
import Synchronization
import Testing
import Telemetry
@testable import Resilience

/// A counter tasks can share.
final class Tally: Sendable {
    private let atomic = Atomic<Int>(0)
    func add() { atomic.wrappingAdd(1, ordering: .relaxed) }
    var value: Int { atomic.load(ordering: .relaxed) }
}

@Suite struct RateLimiterTests {
    let clock = ManualClock()
    let metrics = TestMetrics()

    func limiter(rate: Double = 10, burst: Int = 5) -> RateLimiter {
        RateLimiter(name: "gateway/client-42", rate: rate, burst: burst, clock: clock, metrics: metrics)
    }

    @Test func grantsTheBurstThenRefillsAtTheRate() throws {
        let limiter = limiter()
        #expect((0..<7).map { _ in limiter.tryAcquire() } == [true, true, true, true, true, false, false])
        clock.advance(by: .milliseconds(100))          // 10/s: one permit back
        #expect(limiter.tryAcquire())
        #expect(!limiter.tryAcquire())
        clock.advance(by: .seconds(60))                 // never more than the burst
        #expect(limiter.available == 5)
        #expect(try metrics.expectCounter("rate_limiter_rejected_total", [("limiter", "gateway/client-42")]).totalValue == 3)
        #expect(try metrics.expectCounter("rate_limiter_permitted_total", [("limiter", "gateway/client-42")]).totalValue == 6)
    }

    @Test func onTheContinuousClockTheFastClockPathKeepsTheBucket() {
        // ContinuousClock takes a faster clock read; the bucket must behave the same. At one permit
        // per 1,000 s, nothing refills while the test runs.
        let limiter = RateLimiter(name: "real-time", rate: 0.001, burst: 2, clock: ContinuousClock(), metrics: metrics)
        #expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()] == [true, true, false])
        #expect(limiter.available >= 0 && limiter.available < 1)
    }

    @Test func concurrentCallersGetExactlyTheBurst() async {
        let limiter = limiter(rate: 1, burst: 50)
        let granted = Tally()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<500 {
                group.addTask { if limiter.tryAcquire() { granted.add() } }
            }
        }
        #expect(granted.value == 50)
    }

    @Test func acquireWaitsOnTheClockForItsPermits() async throws {
        let limiter = limiter(rate: 10, burst: 1)
        try await limiter.acquire(maxWait: .zero)
        let waiting = Task { try await limiter.acquire(maxWait: .seconds(1)) }
        await clock.waitForSleepers(count: 1)
        #expect(clock.nextDeadline?.offset == .milliseconds(100))
        clock.advance(by: .milliseconds(100))
        try await waiting.value
    }

    @Test func acquireRefusesAtOnceWhenTheWaitWouldBeTooLong() async {
        let limiter = limiter(rate: 2, burst: 1)
        #expect(limiter.tryAcquire())
        await #expect(throws: RateLimitedError(limiter: "gateway/client-42", retryAfter: .milliseconds(500))) {
            try await limiter.acquire(maxWait: .milliseconds(100))
        }
        #expect(clock.sleeperCount == 0)
    }

    @Test func aCancelledWaiterGivesItsReservationBack() async {
        let limiter = limiter(rate: 1, burst: 1)
        #expect(limiter.tryAcquire())
        let waiting = Task { try await limiter.acquire(maxWait: .seconds(5)) }
        await clock.waitForSleepers(count: 1)
        #expect(limiter.available == -1)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(limiter.available == 0)
    }
}

@Suite struct TimeoutTests {
    let clock = ManualClock()

    @Test func aSlowOperationTimesOutAndIsCancelled() async {
        let clock = self.clock
        let cancelled = Tally()
        let task = Task {
            try await withTimeout(.seconds(1), clock: clock) {
                do {
                    try await clock.sleep(for: .seconds(5))
                } catch {
                    cancelled.add()
                    throw error
                }
                return "too late"
            }
        }
        await clock.waitForSleepers(count: 2)           // the operation and the timer
        clock.advance(by: .seconds(1))
        await #expect(throws: TimeoutError(after: .seconds(1))) { try await task.value }
        #expect(cancelled.value == 1, "the losing work is cancelled")
        #expect(clock.sleeperCount == 0)
    }

    @Test func aFastOperationWinsAndLeavesNoTimer() async throws {
        let result = try await withTimeout(.seconds(1), clock: clock) { 42 }
        #expect(result == 42)
        #expect(clock.sleeperCount == 0)
    }

    @Test func theOperationsErrorPassesThrough() async {
        await #expect(throws: Boom.self) { try await withTimeout(.seconds(1), clock: clock) { throw Boom() } }
    }

    @Test func aTimeoutIsTransient() {
        #expect(RetryPolicy.retriesTransientErrors(TimeoutError(after: .seconds(1))))
    }
}
