/// Thrown when an operation did not finish in time. Transient: a retry may well succeed.
public struct TimeoutError: TransientError, Sendable, Equatable, CustomStringConvertible {
    public let after: Duration
    public var isTransient: Bool { true }
    public var description: String { "timed out after \(after.compact)" }

    public init(after: Duration) {
        self.after = after
    }
}

/// Runs an operation with a time limit, by structured concurrency: the operation and a timer race
/// in a task group; whichever finishes first wins and the other is cancelled. So a timed-out
/// operation is cancelled (it must honour cancellation to stop early), and a finished one leaves
/// no timer behind.
///
/// Each call starts and cancels a timer task of its own; a pipeline's attempts go through
/// ``AttemptDeadlines``, which does the same (and counts the attempts running).
///
/// - Throws: ``TimeoutError`` when the limit passes first; otherwise what the operation throws.
public func withTimeout<T: Sendable, C: Clock>(
    _ limit: Duration,
    clock: C,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T where C.Duration == Duration {
    try await withTimeout(limit, sleep: { try await clock.sleep(for: $0) }, operation)
}

/// ``withTimeout(_:clock:_:)`` with the clock's sleep passed as a function (for callers that keep
/// their clock type-erased).
public func withTimeout<T: Sendable>(
    _ limit: Duration,
    sleep: @escaping @Sendable (Duration) async throws -> Void,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await sleep(limit)
            throw TimeoutError(after: limit)
        }
        defer { group.cancelAll() }
        // The first child to finish decides; `next()` rethrows its error.
        return try await group.next()!
    }
}
