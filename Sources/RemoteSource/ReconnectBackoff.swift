import Randomness

/// When to try again after a lost connection: exponential backoff with "equal jitter" (half the
/// step fixed, half random), so a restarted server is not met by every client at once and no
/// attempt follows the last one immediately. Seeded: the same seed gives the same schedule.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The step before the first retry; each failure doubles it up to ``maximum``.
    public var initial: Duration
    public var maximum: Duration
    private var random: SeededRandom
    /// Failed attempts since the last success.
    public private(set) var failures = 0

    public init(initial: Duration = .milliseconds(250), maximum: Duration = .seconds(8), seed: UInt64) {
        self.initial = initial
        self.maximum = maximum
        self.random = SeededRandom(seed: seed, component: "attach-reconnect")
    }

    /// The step for the `failures`-th failure in a row (1, 2, …), without jitter:
    /// `initial · 2^(failures-1)`, at most ``maximum``.
    public func step(afterFailures failures: Int) -> Duration {
        var step = initial
        for _ in 1..<max(1, failures) {
            step *= 2
            if step >= maximum { return maximum }
        }
        return min(step, maximum)
    }

    /// Records one more failure and returns how long to wait before the next attempt: between
    /// half the step and the whole step.
    public mutating func nextDelay() -> Duration {
        failures += 1
        let step = step(afterFailures: failures)
        let half = step / 2
        return half + half * random.nextUnitInterval()
    }

    /// A connection worked: the next failure starts from ``initial`` again.
    public mutating func succeeded() {
        failures = 0
    }
}
