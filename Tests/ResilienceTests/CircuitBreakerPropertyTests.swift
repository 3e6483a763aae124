import PropertyBased
import Testing
@testable import Resilience

/// Random sequences of outcomes, waits and manual commands, run against the state machine and a
/// deliberately naive reference model of the classic policy; they must agree at every step.
@Suite struct CircuitBreakerPropertyTests {
    static let failuresToOpen = 3
    static let openSeconds: Int64 = 10

    /// The classic breaker, written as plainly as possible.
    struct ReferenceModel {
        var state: CircuitBreakerState = .closed
        var openUntil: Int64 = 0
        var consecutiveFailures = 0
        var trialOut = false
        var rejected = 0

        mutating func acquire(now: Int64) -> CircuitBreakerStateMachine.Permission {
            switch state {
            case .closed, .forcedClosed, .disabled, .metricsOnly:
                return .permitted
            case .open:
                if now >= openUntil {
                    state = .halfOpen
                    trialOut = true
                    return .trial
                }
                rejected += 1
                return .rejected(retryAfter: .seconds(openUntil - now))
            case .halfOpen:
                if trialOut {
                    rejected += 1
                    return .rejected(retryAfter: nil)
                }
                trialOut = true
                return .trial
            case .forcedOpen:
                rejected += 1
                return .rejected(retryAfter: nil)
            }
        }

        mutating func record(_ outcome: CircuitBreakerStateMachine.Outcome, trial: Bool, now: Int64) {
            if state == .disabled { return }
            if outcome == .ignored {
                if trial && state == .halfOpen { trialOut = false }
                return
            }
            if trial && state == .halfOpen {
                if outcome == .failure { open(now) } else { state = .closed; consecutiveFailures = 0; trialOut = false }
                return
            }
            consecutiveFailures = outcome == .failure ? consecutiveFailures + 1 : 0
            if state == .closed && consecutiveFailures >= CircuitBreakerPropertyTests.failuresToOpen { open(now) }
        }

        mutating func open(_ now: Int64) {
            state = .open
            openUntil = now + CircuitBreakerPropertyTests.openSeconds
            trialOut = false
        }

        mutating func manual(_ newState: CircuitBreakerState) {
            if newState == .disabled || newState == .closed { consecutiveFailures = 0 }
            state = newState
            trialOut = false
        }
    }

    @Test func theStateMachineAgreesWithTheReferenceModel() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...899).array(of: 1...120)) { commands in
            var machine = CircuitBreakerStateMachine(policy: .init(trip: .consecutiveFailures(Self.failuresToOpen), openDuration: .seconds(Self.openSeconds)))
            var model = ReferenceModel()
            var now: Int64 = 0
            for (step, command) in commands.enumerated() {
                let at = Duration.seconds(now)
                switch command % 9 {
                case 0, 1, 2:
                    let outcome: CircuitBreakerStateMachine.Outcome = [.success, .failure, .ignored][command % 9]
                    let (permission, _) = machine.acquire(at: at)
                    let expected = model.acquire(now: now)
                    #expect(permission == expected, "step \(step): acquire")
                    if case .rejected = permission { break }
                    let trial = permission == .trial
                    _ = machine.record(outcome, trial: trial, at: at)
                    model.record(outcome, trial: trial, now: now)
                case 3: now += Int64(command / 9 % 25)
                case 4: _ = machine.trip(at: at); model.manual(.forcedOpen)
                case 5: _ = machine.forceClosed(at: at); model.manual(.forcedClosed)
                case 6: _ = machine.disable(at: at); model.manual(.disabled)
                case 7: _ = machine.recordOnly(at: at); model.manual(.metricsOnly)
                default: _ = machine.reset(at: at); model.manual(.closed)
                }
                #expect(machine.state == model.state, "step \(step): state")
                #expect(machine.rejectedCount == model.rejected, "step \(step): rejected count")
                // Invariants whatever the history: only open states reject; disabled records nothing.
                if machine.state == .disabled { #expect(machine.callsInWindow == 0) }
                if machine.state == .open { #expect(machine.timeUntilPermitted(at: at) != nil) }
            }
        }
    }
}
