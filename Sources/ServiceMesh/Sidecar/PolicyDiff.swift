/// What an outbound channel must rebuild when the control plane's revision changes: the parts
/// whose settings differ between the policy it built from and the new one. Pure, so what survives
/// a policy change (a breaker's state when only the retry changes) is tested without a mesh.
///
/// The retry and the per-attempt timeout are not here: a channel takes them from every new policy,
/// since they keep no state worth keeping and a `RetryPolicy` cannot be compared (it holds a predicate).
struct PolicyDiff: Sendable, Equatable {
    /// A new breaker (or none, when the new policy has none): its state and window start over.
    var breaker: Bool
    /// A new rate limiter (or none): its tokens start full.
    var rateLimiter: Bool
    /// A new bulkhead (or none): calls already admitted finish under the old one.
    var bulkhead: Bool
    /// A new load balancer: its round-robin turn and random sequence start over.
    var balancer: Bool
    /// A new outlier detector (or none): every ejection and run of errors is forgotten.
    var outlierDetection: Bool
    /// New hedging (or none): its budget starts empty and its latencies are forgotten.
    var hedging: Bool

    /// - Parameter old: the policy the channel built from; nil when it has built nothing yet,
    ///   and then everything is built.
    init(from old: CallPolicy?, to new: CallPolicy) {
        guard let old else {
            self = .everything
            return
        }
        breaker = old.breaker != new.breaker
        rateLimiter = old.rateLimit != new.rateLimit
        bulkhead = old.bulkhead != new.bulkhead
        balancer = old.loadBalancing != new.loadBalancing
        outlierDetection = old.outlierDetection != new.outlierDetection
        hedging = old.hedging != new.hedging
    }

    init(breaker: Bool = false, rateLimiter: Bool = false, bulkhead: Bool = false, balancer: Bool = false, outlierDetection: Bool = false,
         hedging: Bool = false) {
        self.breaker = breaker
        self.rateLimiter = rateLimiter
        self.bulkhead = bulkhead
        self.balancer = balancer
        self.outlierDetection = outlierDetection
        self.hedging = hedging
    }

    /// Every part: a channel's first build.
    static let everything = PolicyDiff(breaker: true, rateLimiter: true, bulkhead: true, balancer: true, outlierDetection: true, hedging: true)

    /// Nothing with state changed: the channel keeps every part.
    var isEmpty: Bool { self == PolicyDiff() }
}
