import Randomness
import Synchronization

/// Time a handler spends working (a database query, a card network), drawn from a seeded
/// generator and slept on the injected clock, so latency percentiles come from real waiting
/// rather than from numbers made up. Zero in unit tests.
public final class WorkSimulator: Sendable {
    private let random: Mutex<SeededRandom>
    private let sleep: @Sendable (Duration) async throws -> Void
    /// Multiplies every delay (0 turns simulated work off).
    public let scale: Double

    public init<C: Clock>(clock: C, seed: UInt64, scale: Double = 1) where C.Duration == Duration {
        random = Mutex(SeededRandom(seed: seed))
        sleep = { try await clock.sleep(for: $0) }
        self.scale = scale
    }

    /// Waits between `low` and `high` milliseconds, skewed towards `low` (most calls are quick,
    /// a few are slow, as real latency distributions are).
    public func work(_ low: Double, _ high: Double) async throws {
        guard scale > 0 else { return }
        let u = random.withLock { $0.nextUnitInterval() }
        let milliseconds = (low + (high - low) * u * u * u) * scale
        try await sleep(.microseconds(Int64(milliseconds * 1000)))
    }
}
