import Testing
import Telemetry

@Suite struct ManualClockTests {
    @Test func sleeperWakesOnlyWhenAdvancedPastItsDeadline() async throws {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(5))) }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await task.value
        #expect(clock.sleeperCount == 0)
        #expect(clock.now.offset == .seconds(5))
    }

    @Test func cancellingASleeperThrowsAndUnregistersIt() async {
        let clock = ManualClock()
        let task = Task { try await clock.sleep(until: clock.now.advanced(by: .seconds(1))) }
        await clock.waitForSleepers(count: 1)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func waitingForOneSleeperByItsDeadlineIgnoresTheOthers() async throws {
        let clock = ManualClock()
        let long = Task { try await clock.sleep(for: .seconds(5)) }
        await clock.waitForSleepers(count: 1)
        let short = Task { try await clock.sleep(for: .milliseconds(10)) }
        await clock.waitForSleeper(until: clock.now.advanced(by: .milliseconds(10)))
        #expect(clock.sleeperCount == 2)
        clock.advance(by: .milliseconds(10))
        try await short.value
        #expect(clock.sleeperCount == 1)
        long.cancel()
    }

    @Test func sleepingUntilAPastDeadlineReturnsAtOnce() async throws {
        let clock = ManualClock(now: .init(offset: .seconds(10)))
        try await clock.sleep(until: .init(offset: .seconds(3)))
        #expect(clock.sleeperCount == 0)
    }

    @Test func timeSourceFollowsTheInjectedClock() {
        let clock = ManualClock()
        let time = TimeSource(clock: clock, originUnixNanoseconds: 1_000_000_000)
        #expect(time.now() == .zero)
        clock.advance(by: .milliseconds(1500))
        #expect(time.now() == .milliseconds(1500))
        #expect(time.unixNanoseconds() == 2_500_000_000)
    }
}
