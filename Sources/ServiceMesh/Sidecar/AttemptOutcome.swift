import CoreMetrics

/// How one attempt to a target ended, as the caller's sidecar saw it: the `outcome` of
/// `client_attempts_total{caller, target, outcome}`. Client-side, as Linkerd's and Envoy's outbound
/// stats are, so a target that never saw a request (it refused the connection) still shows as failing.
enum AttemptOutcome: String, Sendable, CaseIterable {
    /// The target answered in time, whatever the status (its own metrics count the request too).
    case answered
    /// Nothing listened at the instance's address (it is down, or a `down` fault is injected):
    /// the target never saw the request.
    case refused
    /// The caller's per-attempt timeout ended the wait (a hanging or too slow instance). The target
    /// saw the request; it records it as 499 when the caller gives up.
    case timeout
    /// The caller's own task was cancelled (its caller gave up), or a hedged attempt lost to
    /// another that answered first: not held against the target.
    case cancelled

    /// The series of `client_attempts_total` for every outcome toward `target`.
    static let metricLabel = "client_attempts_total"
}

/// One `client_attempts_total` counter per ``AttemptOutcome`` of one (caller, target) pair, made
/// once with the channel: counting an attempt is one relaxed atomic add, with no look-up.
struct AttemptCounters: Sendable {
    let answered: Counter
    let refused: Counter
    let timedOut: Counter
    let cancelled: Counter

    init(caller: String, target: String, factory: any MetricsFactory) {
        func counter(_ outcome: AttemptOutcome) -> Counter {
            Counter(label: AttemptOutcome.metricLabel, dimensions: [("caller", caller), ("target", target), ("outcome", outcome.rawValue)], factory: factory)
        }
        answered = counter(.answered)
        refused = counter(.refused)
        timedOut = counter(.timeout)
        cancelled = counter(.cancelled)
    }
}
