/// Several strategies around one call, composed in a fixed, stated order, configured by value:
///
///     rate limiter → bulkhead → retry → hedging → circuit breaker → per-attempt timeout → operation
///
/// Why this order: the rate limiter and bulkhead are outermost so a call that may not run costs
/// nothing more; retry wraps the breaker so every attempt is a call the breaker counts, and once
/// it opens the retries stop at once (a rejection is not transient); the timeout is innermost so
/// each attempt has its own limit and a timed-out attempt is a transient failure worth a retry.
/// This is the order Resilience4j and Polly recommend. Every stage is optional.
///
/// Hedging sits between retry and the breaker, as in Polly's standard hedging pipeline: a whole
/// hedged group (the first attempt and its hedges) is one try for retry, and each attempt of it,
/// hedges included, is one call for the breaker and has its own timeout. An attempt cancelled
/// because another won is not a failure (the breaker ignores cancellation).
public struct ResiliencePipeline: Sendable {
    public var rateLimiter: RateLimiter?
    /// How long to wait for a rate-limiter permit before failing with ``RateLimitedError``.
    public var maxWaitForPermit: Duration
    public var bulkhead: Bulkhead?
    public var retry: Retry?
    /// Hedged attempts: see ``executeHedged(choosing:_:onDecided:)``.
    public var hedging: Hedging?
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
        hedging: Hedging? = nil,
        breaker: CircuitBreaker? = nil,
        attemptTimeout: Duration? = nil,
        clock: C
    ) where C.Duration == Duration {
        self.rateLimiter = rateLimiter
        self.maxWaitForPermit = maxWaitForPermit
        self.bulkhead = bulkhead
        self.retry = retry
        self.hedging = hedging
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
        if hedging != nil {
            // Every attempt the same operation: hedges go nowhere in particular.
            return try await executeHedged(choosing: { _ in () }, { _, _ in try await operation() })
        }
        return try await staged {
            guard let attemptTimeout else { return try await operation() }
            return try await deadlines.run(limit: attemptTimeout, operation)
        }
    }

    /// ``execute(_:)`` for a pipeline without a per-attempt timeout, whose operation need not
    /// escape: it may change the caller's local state, and needs no allocation to hold what it
    /// captures. (A timed attempt runs in a task of its own, so its operation must escape.)
    ///
    /// - Precondition: `attemptTimeout` and `hedging` are nil.
    @inlinable @inline(__always)
    public func executeInPlace<T>(_ operation: () async throws -> T) async throws -> T {
        precondition(attemptTimeout == nil && hedging == nil,
                     "executeInPlace needs a pipeline without a per-attempt timeout or hedging; use execute or executeHedged")
        return try await staged(operation)
    }

    /// Runs a call whose attempts go to targets the caller chooses (instances of a service),
    /// through every configured stage; with ``hedging``, each try of it is a hedged group whose
    /// attempts go to different targets (see ``Hedging/execute(choosing:_:stopsHedging:onDecided:)``).
    ///
    /// - Parameters:
    ///   - choose: where the next attempt of a group goes, given where its earlier ones went (empty
    ///     for the first); nil only when every target is in that list. Called on the caller's
    ///     task. Its error fails that attempt, and the breaker counts it as a failed call.
    ///   - operation: one attempt to a target, run in a child task (without hedging, a timed one).
    ///   - onDecided: called as each hedged group is decided (once per try; never without hedging).
    /// - Throws: as ``execute(_:)``.
    @inlinable @inline(__always)
    public func executeHedged<Target: Sendable, T: Sendable>(
        choosing choose: (_ tried: [Target]) throws -> Target?,
        _ operation: @escaping @Sendable (Target, HedgeAttempt) async throws -> T,
        onDecided: (HedgingOutcome) -> Void = { _ in }
    ) async throws -> T {
        let (breaker, deadlines, attemptTimeout) = (self.breaker, self.deadlines, self.attemptTimeout)
        // One attempt: the breaker's permission, then the per-attempt timeout around the operation.
        let guardedAttempt: @Sendable (Target, HedgeAttempt) async throws -> T = { target, attempt in
            let timed: () async throws -> T = {
                guard let attemptTimeout else { return try await operation(target, attempt) }
                return try await deadlines.run(limit: attemptTimeout) { try await operation(target, attempt) }
            }
            guard let breaker else { return try await timed() }
            return try await breaker.execute(timed)
        }
        // A choice that fails is an attempt that failed before it was sent, counted by the breaker
        // as a call that failed (after asking it, so an open breaker still rejects first).
        func guardedChoice(_ tried: [Target]) throws -> Target? {
            do {
                return try choose(tried)
            } catch {
                if let breaker {
                    switch breaker.tryAcquirePermission() {
                    case .permitted: breaker.record(.failure, started: breaker.now())
                    case .trial: breaker.record(.failure, started: breaker.now(), trial: true)
                    case .rejected(let rejection): throw rejection
                    }
                }
                throw error
            }
        }
        // One try: a hedged group, or without hedging a single attempt. The breaker is inside it, per attempt.
        func oneTry() async throws -> T {
            guard let hedging else {
                guard let target = try guardedChoice([]) else {
                    preconditionFailure("executeHedged: choose returned nil with nothing tried; it must choose a target or throw")
                }
                return try await guardedAttempt(target, HedgeAttempt(number: 1))
            }
            return try await hedging.execute(choosing: guardedChoice, guardedAttempt, onDecided: onDecided)
        }
        if let rateLimiter {
            try await rateLimiter.acquire(maxWait: maxWaitForPermit)
        }
        if let bulkhead {
            return try await bulkhead.execute {
                guard let retry else { return try await oneTry() }
                return try await retry.execute { _ in try await oneTry() }
            }
        }
        guard let retry else { return try await oneTry() }
        return try await retry.execute { _ in try await oneTry() }
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
