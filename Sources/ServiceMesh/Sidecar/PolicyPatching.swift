import Resilience
import Telemetry

/// An edge's calls so far, as its sidecar counted them: every call once, by how it ended.
struct EdgeCallCount: Sendable, Equatable {
    var calls: Int
    /// Not answered below 500: a server error, a timeout, refused, rejected by a breaker.
    var failed: Int
}

extension CallPolicy {
    /// This policy with `patch`'s fields set. An edge without retries that is given more than one
    /// attempt gets the default retry's backoff (exponential from 20 ms, full jitter).
    func patched(_ patch: PolicyPatch) -> CallPolicy {
        var policy = self
        if let milliseconds = patch.timeoutMilliseconds { policy.timeout = .milliseconds(milliseconds) }
        if let attempts = patch.maxAttempts {
            if policy.retry != nil {
                policy.retry!.maxAttempts = attempts
            } else if attempts > 1 {
                policy.retry = RetryPolicy(maxAttempts: attempts, backoff: .exponential(base: .milliseconds(20), multiplier: 2), jitter: .full)
            }
        }
        return policy
    }

    /// The fields a ``PolicyPatch`` sets, in words: `timeout 2s, 3 attempts`, `no timeout, 1 attempt`.
    var tunedSummary: String {
        let timeout = timeout.map { "timeout \($0.compact)" } ?? "no timeout"
        let attempts = retry?.maxAttempts ?? 1
        return "\(timeout), \(attempts) attempt\(attempts == 1 ? "" : "s")"
    }
}
