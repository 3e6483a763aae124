import Dashboard
import Testing
import Telemetry
@testable import RemoteSource

@Suite("Reconnecting")
struct ReconnectTests {
    @Test func theStepDoublesUpToTheMaximum() {
        let backoff = ReconnectBackoff(initial: .milliseconds(250), maximum: .seconds(8), seed: 1)
        let steps = (1...8).map { backoff.step(afterFailures: $0) }
        #expect(steps == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
    }

    @Test func eachDelayIsBetweenHalfTheStepAndTheStep() {
        var backoff = ReconnectBackoff(initial: .milliseconds(250), maximum: .seconds(8), seed: 7)
        for failures in 1...12 {
            let step = backoff.step(afterFailures: failures)
            let delay = backoff.nextDelay()
            #expect(delay >= step / 2 && delay <= step, "failure \(failures): \(delay) not in \(step / 2)...\(step)")
        }
    }

    @Test func theScheduleIsSeededAndJittered() {
        func schedule(_ seed: UInt64) -> [Duration] {
            var backoff = ReconnectBackoff(seed: seed)
            return (0..<6).map { _ in backoff.nextDelay() }
        }
        #expect(schedule(3) == schedule(3))
        #expect(schedule(3) != schedule(4))
    }

    @Test func aSuccessStartsTheScheduleAgain() {
        var backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(8), seed: 1)
        for _ in 0..<5 { _ = backoff.nextDelay() }
        backoff.succeeded()
        #expect(backoff.nextDelay() <= .milliseconds(100))
    }

    typealias State = FeedState<ContinuousClock.Instant>
    let start = ContinuousClock().now

    @Test func statusBeforeTheFirstConnection() {
        #expect(State().status(at: start) == .connecting)
    }

    @Test func statusWhileLiveThenLostThenRetrying() {
        var state = State()
        state.received(Self.snapshot, at: start)
        #expect(state.status(at: start + .seconds(1)) == .live)
        #expect(state.isLive)
        state.lost("connection refused", retryAt: start + .seconds(3) + .milliseconds(200))
        #expect(!state.isLive)
        #expect(state.latest == Self.snapshot)
        #expect(state.status(at: start + .seconds(2)) == .reconnecting(staleSeconds: 2, retryInSeconds: 2))
        #expect(state.lastError == "connection refused")
        state.connecting()
        #expect(state.status(at: start + .seconds(12) + .milliseconds(900)) == .reconnecting(staleSeconds: 12, retryInSeconds: nil))
        state.received(Self.snapshot, at: start + .seconds(13))
        #expect(state.status(at: start + .seconds(13)) == .live)
        #expect(state.lastError == nil)
    }

    @Test func aSnapshotByRequestDoesNotMakeTheFeedLive() {
        var state = State()
        state.refreshed(Self.snapshot, at: start)
        #expect(state.latest == Self.snapshot)
        #expect(state.status(at: start) == .connecting)
        #expect(!state.isLive)
    }

    @Test func everySnapshotThatArrivesCountsOnceAndALossCountsNone() {
        var state = State()
        #expect(state.receivedCount == 0)
        state.received(Self.snapshot, at: start)
        state.refreshed(Self.snapshot, at: start + .milliseconds(10))
        state.lost("connection refused", retryAt: start + .seconds(1))
        state.connecting()
        #expect(state.receivedCount == 2)
    }

    @Test func lostBeforeAnyDataHasNoStaleness() {
        var state = State()
        state.lost("connection refused", retryAt: start + .milliseconds(300))
        #expect(state.status(at: start) == .reconnecting(staleSeconds: nil, retryInSeconds: 1))
        #expect(state.status(at: start + .seconds(1)) == .reconnecting(staleSeconds: nil, retryInSeconds: nil))
    }

    static let snapshot = SystemSnapshot(system: "remote", takenAt: 1_780_000_000, uptimeSeconds: 5, windowSeconds: 10)
}
