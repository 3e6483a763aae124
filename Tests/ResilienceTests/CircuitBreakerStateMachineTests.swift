import Testing
@testable import Resilience

@Suite struct CircuitBreakerStateMachineTests {
    typealias Machine = CircuitBreakerStateMachine

    /// Records `count` outcomes at `now`, returning the transitions that happened.
    @discardableResult
    func feed(_ machine: inout Machine, _ outcome: Machine.Outcome, times count: Int = 1, at now: Duration = .zero) -> [CircuitBreakerTransition] {
        (0..<count).compactMap { _ in
            let (permission, _) = machine.acquire(at: now)
            #expect(permission == .permitted)
            return machine.record(outcome, at: now)
        }
    }

    @Test func theClassicOpensAfterFiveConsecutiveFailures() throws {
        var machine = Machine(policy: .init())
        #expect(feed(&machine, .failure, times: 4).isEmpty)
        feed(&machine, .success)                       // a success breaks the run
        #expect(feed(&machine, .failure, times: 4).isEmpty)
        let transition = try #require(feed(&machine, .failure, at: .seconds(7)).first)
        #expect(transition == CircuitBreakerTransition(from: .closed, to: .open, at: .seconds(7), reason: "5 consecutive failures"))
        #expect(machine.state == .open)
        #expect(machine.acquire(at: .seconds(8)).0 == .rejected(retryAfter: .seconds(29)))
        #expect(machine.rejectedCount == 1)
    }

    @Test func openGoesHalfOpenAfterTheWaitAndATrialDecides() throws {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(1), openDuration: .seconds(10)))
        feed(&machine, .failure)
        let (permission, transition) = machine.acquire(at: .seconds(10))
        #expect(permission == .trial)
        #expect(transition?.to == .halfOpen)
        #expect(transition?.reason == "open for 10s: letting 1 trial call through")
        // Only one trial at a time by default.
        #expect(machine.acquire(at: .seconds(10)).0 == .rejected(retryAfter: nil))
        let closedResult = machine.record(.success, trial: true, at: .seconds(11))
        let closed = try #require(closedResult)
        #expect(closed.from == .halfOpen && closed.to == .closed && closed.reason == "1 of 1 trial call succeeded")
    }

    @Test func aFailedTrialReopensWithAGrowingWait() throws {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(1), openDuration: .seconds(10), openBackoffMultiplier: 2, maxOpenDuration: .seconds(30)))
        feed(&machine, .failure)
        var now = Duration.seconds(10)
        for expectedWait in [20, 30, 30] as [Int64] {
            #expect(machine.acquire(at: now).0 == .trial)
            let reopenedResult = machine.record(.failure, trial: true, at: now)
        let reopened = try #require(reopenedResult)
            #expect(reopened.to == .open && reopened.reason.hasPrefix("trial call failed in half-open"))
            #expect(machine.timeUntilPermitted(at: now) == .seconds(expectedWait))
            now += .seconds(expectedWait)
        }
        // Closing clears the back-off: the next open waits the base time again.
        #expect(machine.acquire(at: now).0 == .trial)
        _ = machine.record(.success, trial: true, at: now)
        feed(&machine, .failure, at: now)
        #expect(machine.timeUntilPermitted(at: now) == .seconds(10))
    }

    @Test func consecutiveSuccessesRuleNeedsEveryTrialToSucceed() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(1), openDuration: .seconds(1), halfOpen: .init(permittedCalls: 3)))
        feed(&machine, .failure)
        for _ in 0..<3 { #expect(machine.acquire(at: .seconds(1)).0 == .trial) }
        #expect(machine.acquire(at: .seconds(1)).0 == .rejected(retryAfter: nil))
        #expect(machine.record(.success, trial: true, at: .seconds(1)) == nil)
        #expect(machine.record(.success, trial: true, at: .seconds(1)) == nil)
        #expect(machine.record(.success, trial: true, at: .seconds(1))?.to == .closed)
    }

    @Test func anIgnoredTrialFreesItsPlace() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(1), openDuration: .seconds(1)))
        feed(&machine, .failure)
        #expect(machine.acquire(at: .seconds(1)).0 == .trial)
        #expect(machine.record(.ignored, trial: true, at: .seconds(1)) == nil)
        #expect(machine.acquire(at: .seconds(1)).0 == .trial)
    }

    @Test func failureRateOverACountWindowWaitsForTheMinimumCalls() throws {
        var machine = Machine(policy: .init(trip: .failureRate(threshold: 0.5, window: .count(10), minimumCalls: 6)))
        #expect(feed(&machine, .failure, times: 5).isEmpty, "5 calls < minimum 6")
        #expect(machine.failureRate == nil)
        let opened = try #require(feed(&machine, .success).first)
        #expect(opened.reason == "failure rate 83% ≥ 50% over last 10 calls")
    }

    @Test func aCountWindowForgetsTheOldestCall() {
        var machine = Machine(policy: .init(trip: .failureRate(threshold: 0.5, window: .count(4), minimumCalls: 4)))
        feed(&machine, .failure)
        feed(&machine, .success, times: 3)       // 1 of 4 failed: 25%
        #expect(machine.failureRate == 0.25)
        feed(&machine, .success)                 // the failure leaves the window
        #expect(machine.failureRate == 0)
        #expect(machine.callsInWindow == 4)
    }

    @Test func aTimeWindowForgetsOldSeconds() throws {
        var machine = Machine(policy: .init(trip: .failureRate(threshold: 0.5, window: .time(seconds: 10), minimumCalls: 5)))
        feed(&machine, .failure, times: 4, at: .seconds(0))
        feed(&machine, .success, times: 4, at: .seconds(11))   // the failures are 11 s old: gone
        #expect(machine.callsInWindow == 4)
        #expect(machine.failureRate == nil, "4 calls < minimum 5")
        let opened = try #require(feed(&machine, .failure, times: 4, at: .seconds(15)).first)
        #expect(opened.reason == "failure rate 50% ≥ 50% over last 10s")
    }

    @Test func slowCallsHaveTheirOwnRate() throws {
        let slowRule = CircuitBreakerPolicy.SlowCallRule(threshold: .seconds(2), rateThreshold: 0.5, minimumCalls: 4)
        var machine = Machine(policy: .init(trip: .failureRate(threshold: 0.9, window: .count(10), minimumCalls: 4), slowCalls: slowRule))
        for duration in [Duration.seconds(3), .milliseconds(10), .seconds(2)] {
            _ = machine.acquire(at: .zero)
            #expect(machine.record(.success, duration: duration, at: .zero) == nil)
        }
        _ = machine.acquire(at: .zero)
        let openedResult = machine.record(.success, duration: .seconds(5), at: .zero)
        let opened = try #require(openedResult)
        #expect(opened.reason == "slow-call rate 75% ≥ 50% (calls ≥ 2s) over last 10 calls")
        #expect(machine.slowCallRate == 0.75)
    }

    @Test func manualStates() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(1)))
        #expect(machine.trip(at: .seconds(1)).reason == "forced open by hand")
        #expect(machine.acquire(at: .seconds(100)).0 == .rejected(retryAfter: nil), "an untimed trip holds until reset")

        #expect(machine.forceClosed(at: .seconds(2)).to == .forcedClosed)
        feed(&machine, .failure, times: 10)
        #expect(machine.state == .forcedClosed, "forced closed never opens")
        #expect(machine.callsInWindow == 10, "but records")

        #expect(machine.recordOnly(at: .seconds(3)).to == .metricsOnly)
        feed(&machine, .failure, times: 3)
        #expect(machine.state == .metricsOnly && machine.failureRate == 1)

        #expect(machine.disable(at: .seconds(4)).to == .disabled)
        feed(&machine, .failure, times: 3)
        #expect(machine.callsInWindow == 0 && machine.failureRate == nil, "disabled records nothing")

        let reset = machine.reset(at: .seconds(5))
        #expect(reset == CircuitBreakerTransition(from: .disabled, to: .closed, at: .seconds(5), reason: "reset to automatic by hand"))
        #expect(feed(&machine, .failure).first?.to == .open, "automatic again")
    }

    @Test func aTimedTripReturnsToAutomatic() throws {
        var machine = Machine(policy: .init())
        _ = machine.trip(for: .seconds(60), at: .seconds(10))
        #expect(machine.acquire(at: .seconds(40)).0 == .rejected(retryAfter: .seconds(30)))
        let (permission, transition) = machine.acquire(at: .seconds(70))
        #expect(permission == .permitted)
        #expect(transition?.to == .closed && transition?.reason == "manual trip ended after 1m: back to automatic")
    }

    @Test func resetClearsTheWindow() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(3)))
        feed(&machine, .failure, times: 2)
        _ = machine.reset(at: .zero)
        #expect(feed(&machine, .failure, times: 2).isEmpty, "the earlier failures were forgotten")
    }

    @Test func lateOutcomesWhileOpenAreRecordedWithoutTransitions() {
        var machine = Machine(policy: .init(trip: .consecutiveFailures(1)))
        feed(&machine, .failure)
        #expect(machine.record(.failure, at: .seconds(1)) == nil)
        #expect(machine.state == .open)
    }

    @Test func thePolicyDescribesItself() {
        let policy = CircuitBreakerPolicy(trip: .failureRate(threshold: 0.5, window: .count(100), minimumCalls: 20), openDuration: .seconds(30))
        #expect(policy.summary == "failure rate ≥ 50% over last 100 calls, min 20; open 30s; half-open 1/1 trials")
    }
}
