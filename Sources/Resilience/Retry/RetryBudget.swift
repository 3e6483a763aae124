import Synchronization

/// A budget shared by every caller of a dependency, so that when it fails, retries do not multiply
/// the load (a retry storm). gRPC's retry throttling: a token bucket of `maxTokens`; each failed
/// attempt takes one token, each success gives back `tokenRatio`; retries are allowed only while
/// more than half the tokens are left.
///
/// Thread safety: all methods may be called from any task.
public final class RetryBudget: Sendable {
    public let maxTokens: Double
    public let tokenRatio: Double
    private let tokens: Mutex<Double>

    public init(maxTokens: Double = 10, tokenRatio: Double = 0.1) {
        precondition(maxTokens > 0 && tokenRatio > 0, "a retry budget needs positive tokens and ratio")
        self.maxTokens = maxTokens
        self.tokenRatio = tokenRatio
        self.tokens = Mutex(maxTokens)
    }

    public var available: Double { tokens.withLock { $0 } }

    /// Whether a retry may go ahead now.
    public var allowsRetry: Bool { tokens.withLock { $0 > maxTokens / 2 } }

    public func recordSuccess() {
        tokens.withLock { $0 = min(maxTokens, $0 + tokenRatio) }
    }

    public func recordFailure() {
        tokens.withLock { $0 = max(0, $0 - 1) }
    }
}
