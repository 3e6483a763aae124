import Metrics
import Synchronization
import MetricsTestKit
import Testing
import Telemetry
@testable import Resilience

/// Metrics-only breakers evaluate their policy in the shadow; manual states count their effect.
@Suite struct ShadowEvaluationTests {
    typealias Machine = CircuitBreakerStateMachine

    /// Opens at a failure rate of 50% over the last 20 calls (at least 10), open 30 s, one trial.
    static let policy = CircuitBreakerPolicy(trip: .failureRate(threshold: 0.5, window: .count(20), minimumCalls: 10), openDuration: .seconds(30))

    /// Lets `outcomes` through at `now` (each must be permitted), returning the transitions.
    @discardableResult
    func feed(_ machine: inout Machine, _ outcomes: [Machine.Outcome], at now: Duration) -> [CircuitBreakerTransition] {
        outcomes.compactMap { outcome in
            let (permission, _) = machine.acquire(at: now)
            #expect(permission == .permitted, "metrics-only never rejects")
            return machine.record(outcome, at: now)
        }
    }

    @Test func metricsOnlyNeverRejectsButSaysWhenItWouldHaveOpenedAndClosedAgain() throws {
        var machine = Machine(policy: Self.policy)
        _ = machine.recordOnly(at: .seconds(1))
        // 10 calls, 5 failed: 50% over 10 calls, the minimum: would open at the tenth.
        let opened = feed(&machine, Array(repeating: [.success, .failure], count: 5).flatMap { $0 }, at: .seconds(12))
        #expect(opened == [CircuitBreakerTransition(from: .closed, to: .open, at: .seconds(12),
                                                    reason: "would have opened (failure rate 50% ≥ 50% over last 20 calls); open 30s", isShadow: true)])
        #expect(machine.state == .metricsOnly, "the breaker itself never moves")
        let shadow = try #require(machine.shadow?.status)
        #expect(shadow == ShadowStatus(wouldBeOpen: true, openedAt: .seconds(12), reason: "failure rate 50% ≥ 50% over last 20 calls", timesOpened: 1))

        // During the open time the calls go through and are counted as ones it would have rejected.
        #expect(feed(&machine, [.failure, .success, .failure], at: .seconds(20)).isEmpty)
        #expect(machine.shadow?.wouldHaveRejected == 3)

        // After 30 s the first call is the trial: it succeeds, so it would have closed again.
        let closed = feed(&machine, [.success], at: .seconds(42))
        #expect(closed.map(\.to) == [.closed] && closed.allSatisfy(\.isShadow))
        #expect(closed.first?.reason == "would have closed again (1 trial call succeeded, 30s after it would have opened)")
        #expect(machine.shadow?.status.closedAt == .seconds(42))
        #expect(machine.shadow?.wouldBeOpen == false)
    }

    @Test func aFailedTrialWouldHaveReopenedWithTheBackOff() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(2), openDuration: .seconds(10), openBackoffMultiplier: 2, maxOpenDuration: .seconds(60)))
        _ = machine.recordOnly(at: .zero)
        #expect(feed(&machine, [.failure, .failure], at: .seconds(1)).map(\.to) == [.open])
        let reopened = feed(&machine, [.failure], at: .seconds(11))
        #expect(reopened.map { [$0.from, $0.to] } == [[.halfOpen, .open]])
        #expect(reopened.first?.reason == "would have opened (trial call failed in half-open); open 20s", "the second opening waits twice as long")
        #expect(machine.shadow?.timesOpened == 2 && machine.shadow?.status.closedAt == nil)
    }

    @Test func disabledAndMetricsOnlyEachStartTheirOwnShadowAndOtherStatesHaveNone() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(2)))
        #expect(machine.shadow == nil)
        _ = machine.recordOnly(at: .zero)
        feed(&machine, [.failure], at: .seconds(1))
        _ = machine.disable(at: .seconds(2))
        #expect(machine.shadow?.timesOpened == 0, "a fresh shadow: the failure before it does not count")
        // Disabled keeps no window of its own, but its policy still runs in the shadow.
        #expect(feed(&machine, [.failure], at: .seconds(3)).isEmpty)
        #expect(feed(&machine, [.failure], at: .seconds(3)).map { [$0.to] } == [[.open]])
        #expect(machine.state == .disabled && machine.shadow?.wouldBeOpen == true)
        #expect(machine.failureRate == nil, "no window of its own")
        _ = machine.forceClosed(at: .seconds(4))
        #expect(feed(&machine, [.failure, .failure], at: .seconds(5)).isEmpty && machine.shadow == nil)
    }

    @Test func manualEpisodesCountWhatEachStateDidToRealCalls() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(2), openDuration: .seconds(10)))
        _ = machine.trip(for: .seconds(5), at: .seconds(1))
        for _ in 0..<3 { #expect(machine.acquire(at: .seconds(2)).0 == .rejected(retryAfter: .seconds(4))) }
        // The timed trip ends at the first call after it: that ends the episode.
        #expect(machine.acquire(at: .seconds(6)).0 == .permitted)
        _ = machine.record(.success, at: .seconds(6))
        _ = machine.recordOnly(at: .seconds(7))
        feed(&machine, [.failure, .failure, .success], at: .seconds(8))
        _ = machine.disable(at: .seconds(9))
        feed(&machine, [.failure], at: .seconds(9))
        _ = machine.reset(at: .seconds(10))
        feed(&machine, [.failure], at: .seconds(11))

        var trip = ManualEpisode(sequence: 1, state: .forcedOpen, started: .seconds(1), ended: .seconds(6))
        trip.rejected = 3
        var metricsOnly = ManualEpisode(sequence: 2, state: .metricsOnly, started: .seconds(7), ended: .seconds(9))
        (metricsOnly.succeeded, metricsOnly.failed, metricsOnly.wouldHaveRejected, metricsOnly.wouldHaveOpened) = (1, 2, 1, 1)
        var disabled = ManualEpisode(sequence: 3, state: .disabled, started: .seconds(9), ended: .seconds(10))
        disabled.failed = 1
        #expect(machine.manualEpisodes == [trip, metricsOnly, disabled], "automatic states start no episode and count into none")
    }

    @Test func theBreakerReportsTheShadowAsMetricsAndEventsButNotAsItsOwnTransitions() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let seen = Seen()
        let breaker = CircuitBreaker(id: "a->b", policy: .init(trip: .consecutiveFailures(2), openDuration: .seconds(5)), clock: clock, metrics: metrics,
                                     onTransition: { seen.append($0) })
        breaker.recordOnly()
        for _ in 0..<2 { _ = try? await breaker.execute { throw Boom() } }
        let status = breaker.status()
        #expect(status.state == .metricsOnly && status.shadow?.wouldBeOpen == true)
        #expect(status.transitions.map(\.to) == [.metricsOnly], "the history holds what the breaker did, not its shadow")
        #expect(seen.all.map(\.isShadow) == [false, true], "the shadow reaches onTransition, for the event log")
        #expect(try metrics.expectMeter("breaker_shadow_open", [("breaker", "a->b")]).lastValue == 1)
        #expect(try metrics.expectCounter("breaker_shadow_opened_total", [("breaker", "a->b")]).totalValue == 1)
        #expect(try metrics.expectMeter("breaker_state", [("breaker", "a->b"), ("state", "metricsOnly")]).lastValue == 1)
        breaker.reset()
        #expect(try metrics.expectMeter("breaker_shadow_open", [("breaker", "a->b")]).lastValue == 0, "leaving metrics-only ends the shadow")
    }

    @Test func aTripCountsTheRejectionsOfTheLockFreePathToo() async {
        let clock = ManualClock()
        let breaker = CircuitBreaker(id: "a->b", clock: clock, metrics: TestMetrics())
        breaker.trip()
        for _ in 0..<4 { _ = try? await breaker.execute { 1 } }
        #expect(breaker.status().manualEpisodes.last?.rejected == 4, "while the trip lasts")
        clock.advance(by: .seconds(3))
        breaker.forceClosed()
        for _ in 0..<2 { _ = try? await breaker.execute { 1 } }
        let episodes = breaker.status().manualEpisodes
        #expect(episodes.map(\.rejected) == [4, 0])
        #expect(episodes.first?.ended == .seconds(3) && episodes.last?.succeeded == 2)
    }
}

/// Transitions seen by `onTransition`, from any task.
final class Seen: Sendable {
    private let transitions = Mutex<[CircuitBreakerTransition]>([])
    func append(_ transition: CircuitBreakerTransition) { transitions.withLock { $0.append(transition) } }
    var all: [CircuitBreakerTransition] { transitions.withLock { $0 } }
}
