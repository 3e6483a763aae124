import Metrics
import Testing
import TestSupport
@testable import Telemetry

@Suite struct MetricsSamplerTests {
    @Test func closesEachSecondAsTheClockPassesIt() async throws {
        let f = MetricsFixture()
        let sampler = MetricsSampler(store: f.store, clock: f.clock)
        let counter = Counter(label: "hits", factory: f.factory)
        let running = Task { try await sampler.run() }

        counter.increment(by: 3)
        await f.clock.waitForSleepers(count: 1)
        f.clock.advance(by: .seconds(1))
        // The sampler ticks, then sleeps again: once it is asleep, second 0 is closed.
        await waitUntil { f.store.lastClosedSecond == 0 && f.clock.sleeperCount == 1 }
        #expect(f.store.history(SeriesSelector(label: "hits"), seconds: 1) == [3])

        counter.increment(by: 5)
        f.clock.advance(by: .seconds(1))
        await waitUntil { f.store.lastClosedSecond == 1 && f.clock.sleeperCount == 1 }
        #expect(f.store.history(SeriesSelector(label: "hits"), seconds: 2) == [3, 5])

        // Cancelled, it returns: nothing is left to close.
        running.cancel()
        try await running.value
        #expect(f.clock.sleeperCount == 0)
    }

    @Test func sleepsOnlyUntilTheNextWholeSecond() async throws {
        let f = MetricsFixture()
        f.clock.advance(by: .milliseconds(700))
        let running = Task { try await MetricsSampler(store: f.store, clock: f.clock).run() }
        await f.clock.waitForSleepers(count: 1)
        #expect(f.clock.nextDeadline?.offset == .seconds(1))
        running.cancel()
        _ = try? await running.value
    }
}
