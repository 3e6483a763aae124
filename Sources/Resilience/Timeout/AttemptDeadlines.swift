import Synchronization

/// Per-attempt timeouts for every call through one pipeline, kept by one shared timer.
///
/// ``withTimeout(_:sleep:_:)`` races each operation against a sleeping task of its own, so an
/// attempt that finishes in time (nearly all of them) still pays for starting that sleeper and
/// cancelling it: ≈ 7 µs a call here. Here one timer task sleeps until the earliest pending
/// deadline and cancels the attempts that have not finished by theirs; an attempt only joins a
/// queue and leaves it. The semantics are `withTimeout`'s: the attempt runs in a task of its
/// own, is cancelled at its limit, and the caller gets ``TimeoutError`` once it has stopped (so
/// nothing it started outlives the call).
///
/// The timer runs while attempts are pending and stops when none is; its sleep is on the
/// pipeline's clock, so a test clock drives it.
public final class AttemptDeadlines: Sendable {
    private let now: @Sendable () -> Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private let state = Mutex(State())

    private struct State {
        /// Pending attempts by deadline, earliest first (a pipeline's limit is the same for each
        /// attempt, so they arrive in order). Finished ones leave from the front.
        var queue: [PendingAttempt] = []
        var head = 0
        /// The running timer's number (a later one supersedes it) and the deadline it sleeps
        /// until; nil when no timer runs.
        var timer: (generation: Int, wake: Duration)?
        var generation = 0

        var first: PendingAttempt? { head < queue.count ? queue[head] : nil }

        mutating func removeFirst() {
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64, head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
        }

        mutating func insert(_ attempt: PendingAttempt) {
            guard let last = queue.last, attempt.deadline < last.deadline else { return queue.append(attempt) }
            // A shorter limit than before (the policy changed): keep the order.
            var index = queue.count - 1
            while index > head, queue[index - 1].deadline > attempt.deadline { index -= 1 }
            queue.insert(attempt, at: index)
        }

        mutating func dropFinishedFromFront() {
            while let first, first.finished { removeFirst() }
        }
    }

    /// - Parameters:
    ///   - now: the time on the clock that `sleep` sleeps on.
    public init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public convenience init<C: Clock>(clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.init(now: { origin.duration(to: clock.now) }, sleep: { try await clock.sleep(for: $0) })
    }

    /// Runs `operation` in a task of its own, cancelled if it has not finished within `limit`.
    ///
    /// - Throws: ``TimeoutError`` when the limit passed first; otherwise what `operation` throws
    ///   (`CancellationError` when the caller was cancelled).
    public func run<T: Sendable>(limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let attempt = Attempt<T>(deadline: now() + limit)
        let task = Task {
            defer { self.finished(attempt) }
            return try await operation()
        }
        attempt.task.withLock { $0 = task }
        schedule(attempt)
        let result = await withTaskCancellationHandler { await task.result } onCancel: { task.cancel() }
        if state.withLock({ _ in attempt.expired }) { throw TimeoutError(after: limit) }
        return try result.get()
    }

    private func schedule(_ attempt: PendingAttempt) {
        let startTimer = state.withLock { state -> Int? in
            if attempt.finished { return nil }
            state.insert(attempt)
            // A timer already sleeping until this deadline or an earlier one will see to it.
            if let timer = state.timer, timer.wake <= attempt.deadline { return nil }
            // None runs, or it sleeps past this deadline (a shorter limit than before): a new
            // timer takes over, and the old one stops when it wakes.
            state.generation += 1
            state.timer = (state.generation, attempt.deadline)
            return state.generation
        }
        if let generation = startTimer { Task.detached { await self.runTimer(generation) } }
    }

    private func finished(_ attempt: PendingAttempt) {
        state.withLock { state in
            attempt.finished = true
            state.dropFinishedFromFront()
        }
    }

    private func runTimer(_ generation: Int) async {
        while let untilNext = expireDue(timer: generation) {
            try? await sleep(untilNext)
        }
    }

    /// Cancels the attempts past their deadline. Returns how long until the next deadline, or
    /// nil when this timer stops: nothing is pending, or a newer timer took over.
    private func expireDue(timer generation: Int) -> Duration? {
        let now = self.now()
        var expired: [PendingAttempt] = []
        let untilNext = state.withLock { state -> Duration? in
            guard state.timer?.generation == generation else { return nil }
            state.dropFinishedFromFront()
            while let first = state.first {
                guard first.deadline <= now else {
                    state.timer = (generation, first.deadline)
                    return first.deadline - now
                }
                first.expired = true
                expired.append(first)
                state.removeFirst()
                state.dropFinishedFromFront()
            }
            state.timer = nil
            return nil
        }
        for attempt in expired { attempt.cancel() }
        return untilNext
    }

    /// Attempts waiting for their deadline (for tests).
    var pendingCount: Int {
        state.withLock { $0.queue.count - $0.head }
    }
}

/// An attempt as the queue knows it. Its flags are guarded by the ``AttemptDeadlines`` lock.
private class PendingAttempt: @unchecked Sendable {
    let deadline: Duration
    var finished = false
    var expired = false

    init(deadline: Duration) {
        self.deadline = deadline
    }

    func cancel() {}
}

private final class Attempt<T: Sendable>: PendingAttempt, @unchecked Sendable {
    let task = Mutex<Task<T, any Error>?>(nil)

    override func cancel() {
        task.withLock { $0 }?.cancel()
    }
}
