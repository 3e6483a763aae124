/// How many hedges a target may be sent: a token bucket in which each call deposits `ratio` of a
/// token and each hedge spends a whole one, capped at `capacity`. So over time at most `ratio` of
/// calls send a hedge, however slow the target gets (a slow target would otherwise get a hedge for
/// every call: twice the load when it can least take it).
///
/// Starts empty: a new channel earns its first hedge (with the default 0.1, on its tenth call).
/// Counted in thousandths of a token, so ten deposits of 0.1 make exactly one token.
/// Pure: the ``Hedging`` front keeps one behind a lock.
public struct HedgeBudget: Sendable, Equatable {
    /// The share of a token each call deposits (to the nearest thousandth).
    public let ratio: Double
    /// The most whole tokens kept.
    public let capacity: Int
    private let deposit: Int
    private var thousandths = 0

    /// - Precondition: `ratio` finite and ≥ 0, `capacity` in 1...1,000,000.
    public init(ratio: Double, capacity: Int) {
        precondition(ratio >= 0 && ratio.isFinite, "a hedge budget's ratio is a finite number ≥ 0 (got \(ratio))")
        precondition(capacity >= 1 && capacity <= 1_000_000, "a hedge budget holds 1 to 1,000,000 tokens (got capacity \(capacity))")
        self.ratio = ratio
        self.capacity = capacity
        deposit = Int((min(ratio, Double(capacity)) * 1000).rounded())
    }

    /// Tokens available now: whole hedges and a fraction.
    public var tokens: Double { Double(thousandths) / 1000 }

    /// A call was made: deposit its share.
    public mutating func recordCall() {
        thousandths = min(capacity * 1000, thousandths + deposit)
    }

    /// Spends a token for a hedge if there is a whole one; false (nothing spent) otherwise.
    public mutating func trySpend() -> Bool {
        guard thousandths >= 1000 else { return false }
        thousandths -= 1000
        return true
    }

    /// Gives back a token spent for a hedge that was not sent after all (nowhere to send it).
    public mutating func refund() {
        thousandths = min(capacity * 1000, thousandths + 1000)
    }
}
