import Metrics
import MetricsTestKit
import Testing
import Telemetry
@testable import Resilience

struct Boom: Error {}

@Suite struct CircuitBreakerTests {
    let clock = ManualClock()
    let metrics = TestMetrics()

    func breaker(_ policy: CircuitBreakerPolicy = .init(trip: .consecutiveFailures(2), openDuration: .seconds(5))) -> CircuitBreaker {
        CircuitBreaker(id: "order-service->payment-service", policy: policy, clock: clock, metrics: metrics)
    }

    @Test func executeReturnsResultsAndRethrowsErrors() async throws {
        let breaker = breaker()
        #expect(try await breaker.execute { 42 } == 42)
        await #expect(throws: Boom.self) { try await breaker.execute { throw Boom() } }
        #expect(breaker.status().callsInWindow == 2)
    }

    @Test func rejectsWithATypedErrorWhileOpenWithoutRunningTheOperation() async throws {
        let breaker = breaker()
        for _ in 0..<2 { _ = try? await breaker.execute { throw Boom() } }
        clock.advance(by: .seconds(2))
        var ran = false
        do {
            _ = try await breaker.execute { ran = true }
            Issue.record("should have been rejected")
        } catch let error as CircuitBreakerOpenError {
            #expect(error == CircuitBreakerOpenError(breakerID: "order-service->payment-service", state: .open, retryAfter: .seconds(3)))
        }
        #expect(!ran)
        #expect(breaker.status().rejectedCount == 1)
    }

    @Test func executeTypedRejectsAsAValueAndPassesTheOperationsErrorThrough() async {
        let breaker = breaker()
        do throws(CircuitBreakerCallError<Boom>) {
            _ = try await breaker.executeTyped { () throws(Boom) in throw Boom() }
            Issue.record("the operation's error should have been thrown")
        } catch {
            if case .rejected = error { Issue.record("a closed breaker should not reject") }
        }
        _ = try? await breaker.execute { throw Boom() }
        clock.advance(by: .seconds(1))
        var ran = false
        do throws(CircuitBreakerCallError<Never>) {
            ran = try await breaker.executeTyped { true }
            Issue.record("should have been rejected")
        } catch {
            guard case .rejected(let rejection) = error else { return }
            #expect(rejection == CircuitBreakerOpenError(breakerID: "order-service->payment-service", state: .open, retryAfter: .seconds(4)))
        }
        #expect(!ran)
        #expect(breaker.status().rejectedCount == 1)
    }

    @Test func tryAcquirePermissionAnswersWithAValue() async throws {
        let breaker = breaker(.init(trip: .consecutiveFailures(1), openDuration: .seconds(5)))
        #expect(breaker.tryAcquirePermission() == .permitted)
        breaker.record(.failure)
        #expect(breaker.tryAcquirePermission() == .rejected(CircuitBreakerOpenError(breakerID: "order-service->payment-service", state: .open,
                                                                                    retryAfter: .seconds(5))))
        clock.advance(by: .seconds(5))
        #expect(breaker.tryAcquirePermission() == .trial)
        #expect(breaker.status().rejectedCount == 1)
        #expect(try metrics.expectCounter("breaker_calls_total", [("breaker", "order-service->payment-service"), ("outcome", "rejected")]).totalValue == 1)
    }

    /// Rejections while open or tripped skip the lock; they must decide exactly as the state
    /// machine does, up to the end of the wait, and be counted.
    @Test func rejectionsWithoutTheLockEndExactlyWhenTheWaitDoes() {
        let breaker = breaker(.init(trip: .consecutiveFailures(1), openDuration: .seconds(5)))
        func rejection(_ state: CircuitBreakerState, _ retryAfter: Duration?) -> CircuitBreaker.Admission {
            .rejected(CircuitBreakerOpenError(breakerID: "order-service->payment-service", state: state, retryAfter: retryAfter))
        }
        breaker.record(.failure)
        #expect(breaker.tryAcquirePermission() == rejection(.open, .seconds(5)))
        clock.advance(by: .seconds(5) - .nanoseconds(1))
        #expect(breaker.tryAcquirePermission() == rejection(.open, .nanoseconds(1)))
        clock.advance(by: .nanoseconds(1))
        #expect(breaker.tryAcquirePermission() == .trial, "the wait is over at its last nanosecond")
        breaker.record(.success, trial: true)
        #expect(breaker.status().state == .closed)

        breaker.trip(for: .seconds(2))
        #expect(breaker.tryAcquirePermission() == rejection(.forcedOpen, .seconds(2)))
        clock.advance(by: .seconds(2))
        #expect(breaker.tryAcquirePermission() == .permitted)
        #expect(breaker.status().state == .closed, "a timed trip ends back in automatic")

        breaker.trip()
        clock.advance(by: .seconds(3_600))
        #expect(breaker.tryAcquirePermission() == rejection(.forcedOpen, nil))
        breaker.reset()
        #expect(breaker.tryAcquirePermission() == .permitted)
        #expect(breaker.status().rejectedCount == 4)
    }

    @Test func cancellationIsNeverAFailure() async {
        let breaker = breaker()
        for _ in 0..<5 { _ = try? await breaker.execute { throw CancellationError() } }
        #expect(breaker.status().state == .closed)
        #expect(breaker.status().callsInWindow == 0)
    }

    @Test func thePredicateDecidesWhichErrorsCount() async {
        struct NotFound: Error {}
        let breaker = CircuitBreaker(id: "b", policy: .init(trip: .consecutiveFailures(1)), clock: clock, metrics: metrics,
                                     isFailure: { !($0 is NotFound) })
        _ = try? await breaker.execute { throw NotFound() }
        #expect(breaker.status().state == .closed)
        _ = try? await breaker.execute { throw Boom() }
        #expect(breaker.status().state == .open)
    }

    @Test func transitionsArePublishedAndCountedWithTheirReasons() async throws {
        let breaker = breaker()
        var events = breaker.transitions.makeAsyncIterator()
        for _ in 0..<2 { _ = try? await breaker.execute { throw Boom() } }
        let opened = try #require(await events.next())
        #expect(opened.to == .open && opened.reason == "2 consecutive failures")
        breaker.trip()
        #expect(await events.next()?.reason == "forced open by hand")
        breaker.reset()
        #expect(await events.next()?.to == .closed)

        let status = breaker.status()
        #expect(status.transitions.map(\.to) == [.open, .forcedOpen, .closed])
        #expect(try metrics.expectCounter("breaker_transitions_total", [("breaker", "order-service->payment-service"), ("to", "open")]).totalValue == 1)
        #expect(try metrics.expectCounter("breaker_calls_total", [("breaker", "order-service->payment-service"), ("outcome", "failure")]).totalValue == 2)
        #expect(try metrics.expectMeter("breaker_state", [("breaker", "order-service->payment-service"), ("state", "closed")]).lastValue == 1)
        #expect(try metrics.expectMeter("breaker_state", [("breaker", "order-service->payment-service"), ("state", "forcedOpen")]).lastValue == 0)
    }

    @Test func rejectedCallsAreCounted() async throws {
        let breaker = breaker()
        breaker.trip()
        for _ in 0..<3 { _ = try? await breaker.execute { 1 } }
        #expect(try metrics.expectCounter("breaker_calls_total", [("breaker", "order-service->payment-service"), ("outcome", "rejected")]).totalValue == 3)
    }

    @Test func statusReportsTimeInStateAndUntilHalfOpen() async {
        let breaker = breaker()
        for _ in 0..<2 { _ = try? await breaker.execute { throw Boom() } }
        clock.advance(by: .seconds(3))
        let status = breaker.status()
        #expect(status.state == .open && !status.isManual)
        #expect(status.timeInState == .seconds(3))
        #expect(status.timeUntilPermitted == .seconds(2))
        #expect(status.policy == "2 consecutive failures; open 5s; half-open 1/1 trials")
    }

    @Test func slowCallsAreTimedOnTheInjectedClock() async throws {
        let policy = CircuitBreakerPolicy(trip: .consecutiveFailures(5), slowCalls: .init(threshold: .seconds(1), rateThreshold: 0.5, minimumCalls: 2))
        let breaker = breaker(policy)
        let clock = self.clock
        for _ in 0..<2 {
            try await breaker.execute { clock.advance(by: .seconds(2)) }
        }
        #expect(breaker.status().state == .open)
        #expect(try metrics.expectCounter("breaker_calls_total", [("breaker", "order-service->payment-service"), ("outcome", "slow")]).totalValue == 2)
    }

    @Test func concurrentCallersNeverBreakTheCounts() async {
        let breaker = breaker(.init(trip: .failureRate(threshold: 1, window: .count(10_000), minimumCalls: 10_000)))
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<400 {
                group.addTask { _ = try? await breaker.execute { if index.isMultiple(of: 4) { throw Boom() } } }
            }
        }
        let status = breaker.status()
        #expect(status.callsInWindow == 400)
        #expect(status.state == .closed)
    }
}
