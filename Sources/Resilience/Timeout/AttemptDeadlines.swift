import Synchronization

/// Per-attempt timeouts for every call through one pipeline, by structured concurrency only.
///
/// Each attempt runs in a child task of a task group, next to a second child that sleeps on the
/// pipeline's clock until the attempt's deadline: whichever finishes first decides, and the other
/// is cancelled. The semantics are `withTimeout`'s: the attempt is cancelled at its limit, and the
/// caller gets ``TimeoutError`` once it has stopped (so nothing it started outlives the call).
///
/// Why not one timer shared by every attempt: a shared timer must live longer than any one call,
/// so it would be an unstructured task, and unstructured tasks escape a deterministic simulator's
/// executor. A finished attempt costs starting and cancelling its sleeper instead.
public final class AttemptDeadlines: Sendable {
    private let sleep: @Sendable (Duration) async throws -> Void
    private let pending = Atomic<Int>(0)

    /// - Parameter sleep: sleeps on the clock the limits are measured on.
    public init(sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.sleep = sleep
    }

    public convenience init<C: Clock>(clock: C) where C.Duration == Duration {
        self.init(sleep: { try await clock.sleep(for: $0) })
    }

    /// Runs `operation` in a child task, cancelled if it has not finished within `limit`.
    ///
    /// - Throws: ``TimeoutError`` when the limit passed first; otherwise what `operation` throws
    ///   (`CancellationError` when the caller was cancelled).
    public func run<T: Sendable>(limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        pending.wrappingAdd(1, ordering: .relaxed)
        defer { pending.wrappingSubtract(1, ordering: .relaxed) }
        let sleep = self.sleep
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await sleep(limit)
                return nil
            }
            defer { group.cancelAll() }
            // The first child to finish decides; `next()` rethrows its error. A sleeper cancelled
            // because the caller was cancelled throws CancellationError, not a timeout.
            guard let value = try await group.next()! else { throw TimeoutError(after: limit) }
            return value
        }
    }

    /// Attempts running now (for tests).
    var pendingCount: Int {
        pending.load(ordering: .relaxed)
    }
}
