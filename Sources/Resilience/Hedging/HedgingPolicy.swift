/// When and how often to send a hedge: a second copy of a call to another instance when the first
/// has not answered in time, taking whichever answers well first (Polly v8's hedging, gRPC's
/// `hedgingPolicy`, Finagle's backup requests).
///
/// ```swift
/// // A hedge after the target's p95 (between 10 and 200 ms), at most one per ten calls.
/// let policy = HedgingPolicy(delay: .adaptive(percentile: 95, floor: .milliseconds(10), ceiling: .milliseconds(200)))
/// ```
public struct HedgingPolicy: Sendable, Equatable {
    /// How long an attempt may go unanswered before the next is sent.
    public var delay: Delay
    /// Attempts in all, the first included (2: at most one hedge; 1: never hedge).
    public var maxAttempts: Int
    /// The largest share of calls that may send a hedge, so a slow target does not get twice the
    /// load: each call puts this much in the budget, each hedge takes 1 (see ``HedgeBudget``).
    public var maxHedgeRatio: Double
    /// The most hedges the budget holds for a burst after a quiet spell.
    public var budgetCapacity: Int

    /// - Precondition: `maxAttempts ≥ 1`, `maxHedgeRatio` finite and ≥ 0, `budgetCapacity` in 1...1,000,000.
    public init(delay: Delay, maxAttempts: Int = 2, maxHedgeRatio: Double = 0.1, budgetCapacity: Int = 10) {
        precondition(maxAttempts >= 1, "maxAttempts counts the first attempt: it must be at least 1 (2 sends at most one hedge)")
        precondition(maxHedgeRatio >= 0 && maxHedgeRatio.isFinite, "maxHedgeRatio is the share of calls that may hedge: a finite number ≥ 0 (0.1: one call in ten)")
        precondition(budgetCapacity >= 1 && budgetCapacity <= 1_000_000, "budgetCapacity is the most hedges saved up for a burst: 1 to 1,000,000 (got \(budgetCapacity))")
        self.delay = delay
        self.maxAttempts = maxAttempts
        self.maxHedgeRatio = maxHedgeRatio
        self.budgetCapacity = budgetCapacity
    }

    /// How long to wait for an attempt before hedging: fixed, or learnt from the target's latency.
    public struct Delay: Sendable, Equatable, CustomStringConvertible {
        private enum Kind: Sendable, Equatable {
            case fixed(Duration)
            case adaptive(Adaptive)
        }

        struct Adaptive: Sendable, Equatable {
            var percentile: Double
            var floor: Duration
            var ceiling: Duration
            var minimumSamples: Int
            var window: Int
            var fallback: Duration?
        }

        private let kind: Kind

        /// The same delay every time.
        ///
        /// - Precondition: `delay ≥ 0`.
        public static func fixed(_ delay: Duration) -> Delay {
            precondition(delay >= .zero, "a hedging delay cannot be negative (got \(delay))")
            return Delay(kind: .fixed(delay))
        }

        /// A percentile of the latency of the target's recent successful attempts, kept between
        /// `floor` and `ceiling`. Until `minimumSamples` latencies are known: `fallback`, or the
        /// floor without one.
        ///
        /// - Parameters:
        ///   - percentile: in (0, 100]: 95 for p95.
        ///   - window: how many of the newest latencies count (at least `minimumSamples`).
        /// - Precondition: the ranges above, and `0 ≤ floor ≤ ceiling`.
        public static func adaptive(percentile: Double = 95, floor: Duration, ceiling: Duration, minimumSamples: Int = 20,
                                    window: Int = 200, fallback: Duration? = nil) -> Delay {
            precondition(percentile > 0 && percentile <= 100, "percentile is in (0, 100], 95 for p95 (got \(percentile))")
            precondition(floor >= .zero && floor <= ceiling, "an adaptive hedging delay needs 0 ≤ floor ≤ ceiling (got \(floor) and \(ceiling))")
            precondition(minimumSamples >= 1, "minimumSamples must be at least 1 (got \(minimumSamples))")
            precondition(window >= minimumSamples, "the window (\(window)) must hold at least minimumSamples (\(minimumSamples)) latencies")
            precondition((fallback ?? .zero) >= .zero, "a fallback delay cannot be negative")
            return Delay(kind: .adaptive(Adaptive(percentile: percentile, floor: floor, ceiling: ceiling, minimumSamples: minimumSamples,
                                                  window: window, fallback: fallback)))
        }

        /// How many latencies a ``LatencyWindow`` must keep for this delay; nil for a fixed one,
        /// which needs none.
        public var windowCapacity: Int? {
            switch kind {
            case .fixed: nil
            case .adaptive(let adaptive): adaptive.window
            }
        }

        /// The delay to use now, given the latencies observed so far (ignored by a fixed delay).
        public func value(given latencies: LatencyWindow) -> Duration {
            switch kind {
            case .fixed(let delay):
                return delay
            case .adaptive(let adaptive):
                guard latencies.count >= adaptive.minimumSamples, let observed = latencies.percentile(adaptive.percentile) else {
                    return adaptive.fallback ?? adaptive.floor
                }
                return min(adaptive.ceiling, max(adaptive.floor, observed))
            }
        }

        public var description: String {
            switch kind {
            case .fixed(let delay):
                return delay.compact
            case .adaptive(let adaptive):
                let p = adaptive.percentile.rounded() == adaptive.percentile ? "\(Int(adaptive.percentile))" : "\(adaptive.percentile)"
                return "p\(p) in [\(adaptive.floor.compact), \(adaptive.ceiling.compact)]"
            }
        }
    }
}
