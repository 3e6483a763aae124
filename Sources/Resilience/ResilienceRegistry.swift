import Synchronization

/// Thrown for an id the registry does not know; says which ids it does know.
public struct UnknownResilienceIDError: Error, Sendable, Equatable, CustomStringConvertible {
    public let kind: String
    public let id: String
    public let known: [String]

    public var description: String {
        "unknown \(kind) '\(id)' (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
    }
}

/// Named breakers and rate limiters, so a control plane or a person can list them, read their
/// status and force or reset them by id.
///
/// Registering an id that is taken keeps the first and returns it: two callers asking for the same
/// dependency's breaker share one. Thread safety: all methods may be called from any task.
public final class ResilienceRegistry: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let limiters = Mutex<[String: RateLimiter]>([:])

    public init() {}

    /// Adds `breaker` unless its id is taken; returns the breaker registered under that id.
    @discardableResult
    public func register(_ breaker: CircuitBreaker) -> CircuitBreaker {
        breakers.withLock { breakers in
            if let existing = breakers[breaker.id] { return existing }
            breakers[breaker.id] = breaker
            return breaker
        }
    }

    /// Adds `limiter` unless its name is taken; returns the limiter registered under that name.
    @discardableResult
    public func register(_ limiter: RateLimiter) -> RateLimiter {
        limiters.withLock { limiters in
            if let existing = limiters[limiter.name] { return existing }
            limiters[limiter.name] = limiter
            return limiter
        }
    }

    /// Puts `breaker` under its id, replacing any breaker there (when its policy changed).
    public func replace(_ breaker: CircuitBreaker) {
        breakers.withLock { $0[breaker.id] = breaker }
    }

    /// Puts `limiter` under its name, replacing any limiter there.
    public func replace(_ limiter: RateLimiter) {
        limiters.withLock { $0[limiter.name] = limiter }
    }

    /// Forgets the breaker `id`, if there is one.
    public func removeBreaker(id: String) {
        breakers.withLock { _ = $0.removeValue(forKey: id) }
    }

    public func breaker(id: String) -> CircuitBreaker? {
        breakers.withLock { $0[id] }
    }

    public func limiter(name: String) -> RateLimiter? {
        limiters.withLock { $0[name] }
    }

    /// Every breaker, by id.
    public var allBreakers: [CircuitBreaker] {
        breakers.withLock { Array($0.values) }.sorted { $0.id < $1.id }
    }

    public var allLimiters: [RateLimiter] {
        limiters.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    /// Every breaker's status, by id.
    public func statuses() -> [CircuitBreaker.Status] {
        allBreakers.map { $0.status() }
    }

    // MARK: By id

    /// Forces the breaker `id` open (for `duration`, or until reset).
    @discardableResult
    public func trip(id: String, for duration: Duration? = nil) throws(UnknownResilienceIDError) -> CircuitBreakerTransition {
        try existingBreaker(id).trip(for: duration)
    }

    @discardableResult
    public func forceClosed(id: String) throws(UnknownResilienceIDError) -> CircuitBreakerTransition {
        try existingBreaker(id).forceClosed()
    }

    @discardableResult
    public func reset(id: String) throws(UnknownResilienceIDError) -> CircuitBreakerTransition {
        try existingBreaker(id).reset()
    }

    @discardableResult
    public func disable(id: String) throws(UnknownResilienceIDError) -> CircuitBreakerTransition {
        try existingBreaker(id).disable()
    }

    @discardableResult
    public func recordOnly(id: String) throws(UnknownResilienceIDError) -> CircuitBreakerTransition {
        try existingBreaker(id).recordOnly()
    }

    private func existingBreaker(_ id: String) throws(UnknownResilienceIDError) -> CircuitBreaker {
        guard let breaker = breaker(id: id) else {
            throw UnknownResilienceIDError(kind: "breaker", id: id, known: allBreakers.map(\.id))
        }
        return breaker
    }
}
