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
