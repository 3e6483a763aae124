import Testing
import Telemetry
@testable import Resilience

@Suite struct AttemptDeadlinesTests {
    let clock = ManualClock()

    /// An attempt that sleeps `for` on the test clock, counting whether it was cancelled.
    func hanging(for duration: Duration, cancelled: Tally) -> @Sendable () async throws -> String {
        { [clock] in
            do {
                try await clock.sleep(for: duration)
            } catch {
                cancelled.add()
                throw error
            }
            return "finished"
        }
    }

    /// An attempt through `deadlines` with `limit` that hangs `for` on the test clock.
    func start(_ deadlines: AttemptDeadlines, limit: Duration, hangingFor duration: Duration, cancelled: Tally) -> Task<String, any Error> {
        let operation = hanging(for: duration, cancelled: cancelled)
        return Task { try await deadlines.run(limit: limit, operation) }
    }

    @Test func anAttemptInTimeReturnsItsValueAndLeavesNothingPending() async throws {
        let deadlines = AttemptDeadlines(clock: clock)
        #expect(try await deadlines.run(limit: .seconds(1)) { 42 } == 42)
        #expect(deadlines.pendingCount == 0)
        await #expect(throws: Boom.self) { try await deadlines.run(limit: .seconds(1)) { () async throws -> Int in throw Boom() } }
        #expect(deadlines.pendingCount == 0)
    }

    @Test func attemptsPastTheirDeadlineAreCancelledAndTheirTimersStop() async throws {
        let deadlines = AttemptDeadlines(clock: clock)
        let cancelled = Tally()
        let attempts = (0..<3).map { _ in start(deadlines, limit: .seconds(1), hangingFor: .seconds(5), cancelled: cancelled) }
        await clock.waitForSleepers(count: 6)
        #expect(clock.sleeperCount == 6, "three attempts and a timer each, children of their calls")
        #expect(deadlines.pendingCount == 3)
        clock.advance(by: .seconds(1))
        for attempt in attempts {
            await #expect(throws: TimeoutError(after: .seconds(1))) { try await attempt.value }
        }
        #expect(cancelled.value == 3)
        #expect(deadlines.pendingCount == 0)
        #expect(clock.sleeperCount == 0, "no timer outlives its attempt")
    }

    @Test func anAttemptThatFinishesInTimeIsNotCancelledWhenAnEarlierOneTimesOut() async throws {
        let deadlines = AttemptDeadlines(clock: clock)
        let cancelled = Tally()
        let slow = start(deadlines, limit: .seconds(1), hangingFor: .seconds(5), cancelled: cancelled)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(500))
        let quick = start(deadlines, limit: .seconds(1), hangingFor: .milliseconds(200), cancelled: cancelled)
        await clock.waitForSleeper(until: clock.now.advanced(by: .milliseconds(200)))
        clock.advance(by: .milliseconds(200))
        #expect(try await quick.value == "finished")
        clock.advance(by: .milliseconds(300))
        await #expect(throws: TimeoutError(after: .seconds(1))) { try await slow.value }
        #expect(cancelled.value == 1)
    }

    @Test func aShorterLimitThanThePendingOnesStillTimesOutOnTime() async throws {
        let deadlines = AttemptDeadlines(clock: clock)
        let cancelled = Tally()
        let long = start(deadlines, limit: .seconds(5), hangingFor: .seconds(10), cancelled: cancelled)
        await clock.waitForSleepers(count: 2)
        let short = start(deadlines, limit: .seconds(1), hangingFor: .seconds(10), cancelled: cancelled)
        await clock.waitForSleeper(until: clock.now.advanced(by: .seconds(1)))
        clock.advance(by: .seconds(1))
        await #expect(throws: TimeoutError(after: .seconds(1))) { try await short.value }
        #expect(cancelled.value == 1, "the long attempt still runs")
        // The long attempt and its timer, until 5 s.
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .seconds(4))
        await #expect(throws: TimeoutError(after: .seconds(5))) { try await long.value }
        #expect(cancelled.value == 2)
    }

    @Test func cancellingTheCallerCancelsTheAttemptAndIsNoTimeout() async throws {
        let deadlines = AttemptDeadlines(clock: clock)
        let cancelled = Tally()
        let caller = start(deadlines, limit: .seconds(1), hangingFor: .seconds(5), cancelled: cancelled)
        await clock.waitForSleepers(count: 2)
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(cancelled.value == 1)
        #expect(deadlines.pendingCount == 0)
    }
}
