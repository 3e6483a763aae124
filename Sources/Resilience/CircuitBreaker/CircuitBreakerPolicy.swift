/// How a circuit breaker decides to open, how long it stays open, and how it tries to close again.
///
/// The default is the classic: open after 5 consecutive failures, stay open 30 s, then let one
/// trial call through; its success closes the breaker, its failure opens it again.
public struct CircuitBreakerPolicy: Sendable, Equatable {
    /// What opens a closed breaker.
    public enum TripRule: Sendable, Equatable {
        /// This many failures in a row.
        case consecutiveFailures(Int)
        /// A failure rate at or above `threshold` (0…1) over the window, once it holds `minimumCalls`.
        case failureRate(threshold: Double, window: SlidingWindow, minimumCalls: Int)
    }

    /// Which calls a rate is computed over. Both kinds cost O(1) per call.
    public enum SlidingWindow: Sendable, Equatable {
        /// The last `n` calls.
        case count(Int)
        /// The calls of the last `n` seconds (per-second buckets).
        case time(seconds: Int)
    }

    /// Calls at least `threshold` long count as slow; a slow-call rate at or above `rateThreshold`
    /// over the window opens the breaker, as a failure rate does.
    public struct SlowCallRule: Sendable, Equatable {
        public var threshold: Duration
        public var rateThreshold: Double
        /// The rate is only acted on once the window holds this many calls.
        public var minimumCalls: Int

        public init(threshold: Duration, rateThreshold: Double, minimumCalls: Int = 10) {
            precondition(rateThreshold > 0 && rateThreshold <= 1, "slow-call rate threshold is a fraction in (0, 1]")
            precondition(minimumCalls >= 1, "minimumCalls must be at least 1")
            self.threshold = threshold
            self.rateThreshold = rateThreshold
            self.minimumCalls = minimumCalls
        }
    }

    /// How the half-open state decides. It admits `permittedCalls` trial calls; the breaker closes
    /// once `successesToClose` of them succeed, and opens again at the first trial that fails (or is
    /// slow, under a slow-call rule). The classic "N consecutive successes" rule is
    /// `permittedCalls == successesToClose == N`.
    public struct HalfOpenRule: Sendable, Equatable {
        public var permittedCalls: Int
        public var successesToClose: Int

        public init(permittedCalls: Int = 1, successesToClose: Int? = nil) {
            precondition(permittedCalls >= 1, "half-open must admit at least one trial call")
            self.permittedCalls = permittedCalls
            self.successesToClose = min(successesToClose ?? permittedCalls, permittedCalls)
        }
    }

    public var trip: TripRule
    /// The window for failure and slow-call rates: the trip rule's window, or, with
    /// `.consecutiveFailures`, `windowForRates` (used for status and the slow-call rule only).
    public var windowForRates: SlidingWindow
    public var slowCalls: SlowCallRule?
    /// How long the breaker stays open before it lets trial calls through.
    public var openDuration: Duration
    /// Each consecutive re-open multiplies the open duration by this (1 = constant), up to `maxOpenDuration`.
    public var openBackoffMultiplier: Double
    public var maxOpenDuration: Duration
    public var halfOpen: HalfOpenRule

    public init(
        trip: TripRule = .consecutiveFailures(5),
        windowForRates: SlidingWindow = .count(100),
        slowCalls: SlowCallRule? = nil,
        openDuration: Duration = .seconds(30),
        openBackoffMultiplier: Double = 1,
        maxOpenDuration: Duration = .seconds(300),
        halfOpen: HalfOpenRule = HalfOpenRule()
    ) {
        if case .consecutiveFailures(let n) = trip { precondition(n >= 1, "consecutiveFailures needs at least 1") }
        if case .failureRate(let threshold, _, let minimum) = trip {
            precondition(threshold > 0 && threshold <= 1, "failure-rate threshold is a fraction in (0, 1]")
            precondition(minimum >= 1, "minimumCalls must be at least 1")
        }
        precondition(openBackoffMultiplier >= 1, "openBackoffMultiplier must be at least 1")
        self.trip = trip
        self.windowForRates = windowForRates
        self.slowCalls = slowCalls
        self.openDuration = openDuration
        self.openBackoffMultiplier = openBackoffMultiplier
        self.maxOpenDuration = max(maxOpenDuration, openDuration)
        self.halfOpen = halfOpen
    }

    /// The window rates are computed over.
    public var window: SlidingWindow {
        if case .failureRate(_, let window, _) = trip { return window }
        return windowForRates
    }

    /// Whether the breaker must read the clock on every call (time windows and slow calls need it).
    var needsTimePerCall: Bool {
        if slowCalls != nil { return true }
        if case .time = window { return true }
        return false
    }

    /// The policy in words, for the dashboard.
    public var summary: String {
        var parts: [String] = []
        switch trip {
        case .consecutiveFailures(let n):
            parts.append("\(n) consecutive failures")
        case .failureRate(let threshold, let window, let minimum):
            parts.append("failure rate ≥ \(percent(threshold)) over \(describe(window)), min \(minimum)")
        }
        if let slow = slowCalls {
            parts.append("slow ≥ \(slow.threshold.compact) at ≥ \(percent(slow.rateThreshold))")
        }
        var open = "open \(openDuration.compact)"
        if openBackoffMultiplier > 1 { open += " ×\(openBackoffMultiplier) up to \(maxOpenDuration.compact)" }
        parts.append(open)
        parts.append("half-open \(halfOpen.successesToClose)/\(halfOpen.permittedCalls) trials")
        return parts.joined(separator: "; ")
    }
}

func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded()))%" }

func describe(_ window: CircuitBreakerPolicy.SlidingWindow) -> String {
    switch window {
    case .count(let n): "last \(n) calls"
    case .time(let seconds): "last \(seconds)s"
    }
}
