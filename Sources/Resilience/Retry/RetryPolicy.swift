/// When and how often to try a call again.
///
/// Delays follow the AWS Architecture Blog's "Exponential Backoff and Jitter" formulas, with `base`
/// the first delay and `cap` the largest:
/// - `.none`:         `min(cap, backoff(n))`
/// - `.full`:         `random(0, min(cap, backoff(n)))`
/// - `.equal`:        `t = min(cap, backoff(n)); t/2 + random(0, t/2)`
/// - `.decorrelated`: `min(cap, random(base, previous × 3))`
/// where `backoff(n)` is the backoff kind's n-th delay (n from 1 for the first retry).
public struct RetryPolicy: Sendable {
    public enum Backoff: Sendable, Equatable {
        /// The same delay every time.
        case constant(Duration)
        /// `base`, `base + step`, `base + 2 step`, …
        case linear(base: Duration, step: Duration)
        /// `base`, `base × multiplier`, `base × multiplier²`, …
        case exponential(base: Duration, multiplier: Double = 2)

        var base: Duration {
            switch self {
            case .constant(let d): d
            case .linear(let base, _): base
            case .exponential(let base, _): base
            }
        }

        /// The n-th delay before jitter (n ≥ 1), capped.
        func delay(retry n: Int, cap: Duration) -> Duration {
            switch self {
            case .constant(let d):
                return min(d, cap)
            case .linear(let base, let step):
                return min(base + step * (n - 1), cap)
            case .exponential(let base, let multiplier):
                var delay = base
                for _ in 1..<max(1, n) where delay < cap { delay = delay * multiplier }
                return min(delay, cap)
            }
        }
    }

    public enum Jitter: String, Sendable, CaseIterable {
        case none, full, equal, decorrelated
    }

    /// Attempts in all, the first included (1 = never retry).
    public var maxAttempts: Int
    public var backoff: Backoff
    public var jitter: Jitter
    /// The largest delay.
    public var cap: Duration
    /// Whether an error is worth another attempt. The default retries only errors that say they are
    /// transient (``TransientError``), never cancellation.
    public var isRetryable: @Sendable (any Error) -> Bool

    public init(
        maxAttempts: Int = 3,
        backoff: Backoff = .exponential(base: .milliseconds(100)),
        jitter: Jitter = .full,
        cap: Duration = .seconds(5),
        isRetryable: @escaping @Sendable (any Error) -> Bool = RetryPolicy.retriesTransientErrors
    ) {
        precondition(maxAttempts >= 1, "maxAttempts counts the first attempt: it must be at least 1")
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.jitter = jitter
        self.cap = cap
        self.isRetryable = isRetryable
    }

    /// The default predicate: retry ``TransientError``s that say so; never cancellation or anything else.
    public static let retriesTransientErrors: @Sendable (any Error) -> Bool = { error in
        if error is CancellationError { return false }
        return (error as? any TransientError)?.isTransient ?? false
    }

    /// The delay before retry number `n` (1 for the first retry), given the previous delay (for
    /// decorrelated jitter) and a source of randomness.
    public func delay<R: RandomNumberGenerator>(retry n: Int, previous: Duration?, using random: inout R) -> Duration {
        let capped = backoff.delay(retry: n, cap: cap)
        switch jitter {
        case .none:
            return capped
        case .full:
            return Self.random(.zero, capped, &random)
        case .equal:
            let half = capped / 2
            return half + Self.random(.zero, half, &random)
        case .decorrelated:
            let base = min(backoff.base, cap)
            let upper = max(base, (previous ?? base) * 3)
            return min(cap, Self.random(base, upper, &random))
        }
    }

    private static func random<R: RandomNumberGenerator>(_ low: Duration, _ high: Duration, _ random: inout R) -> Duration {
        let lowNanos = low.components.seconds * 1_000_000_000 + low.components.attoseconds / 1_000_000_000
        let highNanos = high.components.seconds * 1_000_000_000 + high.components.attoseconds / 1_000_000_000
        guard highNanos > lowNanos else { return low }
        return .nanoseconds(Int64.random(in: lowNanos...highNanos, using: &random))
    }
}

/// An error that knows whether trying again may help: a 503, a refused connection, a timeout — not
/// a 400 or a 404. ServiceMesh's errors conform; your own may too.
public protocol TransientError: Error {
    var isTransient: Bool { get }
}
