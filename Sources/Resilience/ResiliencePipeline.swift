/// Several strategies around one call, composed in a fixed, stated order, configured by value:
///
///     rate limiter → bulkhead → retry → circuit breaker → per-attempt timeout → operation
///
/// Why this order: the rate limiter and bulkhead are outermost so a call that may not run costs
/// nothing more; retry wraps the breaker so every attempt is a call the breaker counts, and once
/// it opens the retries stop at once (a rejection is not transient); the timeout is innermost so
/// each attempt has its own limit and a timed-out attempt is a transient failure worth a retry.
/// This is the order Resilience4j and Polly recommend. Every stage is optional.
public struct ResiliencePipeline: Sendable {
    public var rateLimiter: RateLimiter?
    /// How long to wait for a rate-limiter permit before failing with ``RateLimitedError``.
    public var maxWaitForPermit: Duration
    public var bulkhead: Bulkhead?
    public var retry: Retry?
    public var breaker: CircuitBreaker?
    /// Each attempt's limit; attempts that pass it are cancelled and fail with ``TimeoutError``.
    public var attemptTimeout: Duration?
    /// The per-attempt timeouts of this pipeline (and its copies), on one shared timer.
    @usableFromInline let deadlines: AttemptDeadlines

    /// - Parameter clock: what the per-attempt timeout sleeps on (the strategies keep their own clocks).
    public init<C: Clock>(
        rateLimiter: RateLimiter? = nil,
        maxWaitForPermit: Duration = .zero,
        bulkhead: Bulkhead? = nil,
        retry: Retry? = nil,
        breaker: CircuitBreaker? = nil,
        attemptTimeout: Duration? = nil,
        clock: C
    ) where C.Duration == Duration {
        self.rateLimiter = rateLimiter
        self.maxWaitForPermit = maxWaitForPermit
        self.bulkhead = bulkhead
        self.retry = retry
        self.breaker = breaker
        self.attemptTimeout = attemptTimeout
        deadlines = AttemptDeadlines(clock: clock)
    }

    /// Runs `operation` through every configured stage.
    ///
    /// - Throws: ``RateLimitedError``, ``BulkheadFullError``, ``CircuitBreakerOpenError``,
    ///   ``TimeoutError``, `CancellationError`, or the operation's own last error.
    ///
    /// Inlinable and always inlined, so a caller's module specialises the whole chain for its `T`
    /// and the stages need no async frames of their own (each would cost a task allocation).
    @inlinable @inline(__always)
    public func execute<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await staged {
            guard let attemptTimeout else { return try await operation() }
            return try await deadlines.run(limit: attemptTimeout, operation)
        }
    }

    /// ``execute(_:)`` for a pipeline without a per-attempt timeout, whose operation need not
    /// escape: it may change the caller's local state, and needs no allocation to hold what it
    /// captures. (A timed attempt runs in a task of its own, so its operation must escape.)
    ///
    /// - Precondition: `attemptTimeout` is nil.
    @inlinable @inline(__always)
    public func executeInPlace<T>(_ operation: () async throws -> T) async throws -> T {
        precondition(attemptTimeout == nil, "executeInPlace needs a pipeline without a per-attempt timeout; use execute")
        return try await staged(operation)
    }

    /// Rate limiter, bulkhead, retry and breaker around `attempt`, which is one try of the call.
    @inlinable @inline(__always)
    func staged<T>(_ attempt: () async throws -> T) async throws -> T {
        if let rateLimiter {
            try await rateLimiter.acquire(maxWait: maxWaitForPermit)
        }
        if let bulkhead {
            return try await bulkhead.execute { try await retried(attempt) }
        }
        return try await retried(attempt)
    }

    @inlinable @inline(__always)
    func retried<T>(_ attempt: () async throws -> T) async throws -> T {
        guard let retry else { return try await guarded(attempt) }
        return try await retry.execute { _ in try await guarded(attempt) }
    }

    @inlinable @inline(__always)
    func guarded<T>(_ attempt: () async throws -> T) async throws -> T {
        guard let breaker else { return try await attempt() }
        return try await breaker.execute(attempt)
    }
}
