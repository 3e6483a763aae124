import Synchronization

/// A clock that moves only when told to, for tests and deterministic simulation.
///
/// `now` starts at the origin (or the instant you pass) and changes only through ``advance(by:)``
/// and ``advance(to:)``. A task in ``sleep(until:tolerance:)`` resumes when the clock is advanced
/// to or past its deadline, or throws `CancellationError` when its task is cancelled.
///
/// Tests wait on events, never on real time: ``waitForSleepers(count:)`` suspends until the code
/// under test has gone to sleep, so the test knows it is safe to advance.
///
/// Thread safety: every method may be called from any task.
public final class ManualClock: Clock, Sendable {
    /// A point in this clock's time: an offset from its origin.
    public struct Instant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
        /// Time since the clock's origin.
        public var offset: Duration

        public init(offset: Duration) {
            self.offset = offset
        }

        public func advanced(by duration: Duration) -> Instant {
            Instant(offset: offset + duration)
        }

        public func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }

        public var description: String { "+\(offset)" }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct SleeperWaiter {
        var id: UInt64
        /// How many sleepers must have a deadline matching `deadline` (any deadline when nil).
        var count: Int
        var deadline: Instant?
        var continuation: CheckedContinuation<Void, Never>

        func isSatisfied(by sleepers: [UInt64: Sleeper]) -> Bool {
            guard let deadline else { return sleepers.count >= count }
            return sleepers.values.filter { $0.deadline == deadline }.count >= count
        }
    }

    private struct State {
        var now: Instant
        var nextSleeperID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var waiters: [SleeperWaiter] = []

        /// Removes and returns the waiters whose wanted sleeper count is reached.
        mutating func takeSatisfiedWaiters() -> [SleeperWaiter] {
            let satisfied = waiters.filter { $0.isSatisfied(by: sleepers) }
            waiters.removeAll { $0.isSatisfied(by: sleepers) }
            return satisfied
        }
    }

    private let state: Mutex<State>

    /// Creates a clock whose `now` is `origin` (the origin itself by default).
    public init(now origin: Instant = Instant(offset: .zero)) {
        state = Mutex(State(now: origin))
    }

    public var now: Instant {
        state.withLock { $0.now }
    }

    public var minimumResolution: Duration { .zero }

    /// How many tasks are asleep on this clock now.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// The earliest deadline of a sleeping task, if any: where a simulation advances to next.
    public var nextDeadline: Instant? {
        state.withLock { $0.sleepers.values.map(\.deadline).min() }
    }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id: UInt64 = state.withLock { state in
            defer { state.nextSleeperID += 1 }
            return state.nextSleeperID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (result, waiters): (Result<Void, any Error>?, [SleeperWaiter]) = state.withLock { state in
                    // The cancellation flag is set before `onCancel` runs, and both sides hold the lock,
                    // so a sleeper is either never registered or always removed by `onCancel`.
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline <= state.now { return (.success(()), []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return (nil, state.takeSatisfiedWaiters())
                }
                waiters.forEach { $0.continuation.resume() }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves `now` forward by `duration` and wakes every sleeper whose deadline has come,
    /// earliest deadline first.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "ManualClock cannot go backwards (advance(by: \(duration)))")
        let target = state.withLock { $0.now.advanced(by: duration) }
        advance(to: target)
    }

    /// Moves `now` to `instant` (never backwards) and wakes every sleeper whose deadline has come.
    public func advance(to instant: Instant) {
        let due: [Sleeper] = state.withLock { state in
            if instant > state.now { state.now = instant }
            let now = state.now
            let dueIDs = state.sleepers.filter { $0.value.deadline <= now }.keys
            return dueIDs.compactMap { state.sleepers.removeValue(forKey: $0) }
        }
        for sleeper in due.sorted(by: { $0.deadline < $1.deadline }) {
            sleeper.continuation.resume()
        }
    }

    /// Suspends until at least `count` tasks are asleep on this clock, or the waiting task is cancelled.
    ///
    /// Use it before ``advance(by:)`` so the code under test has reached its sleep and the advance
    /// is not lost; it replaces a `Task.sleep` "to let the other task get there".
    public func waitForSleepers(count: Int = 1) async {
        await waitForSleepers(count: count, deadline: nil)
    }

    /// Suspends until a task sleeps until exactly `deadline` (`clock.now.advanced(by: interval)` at
    /// the time it went to sleep), or the waiting task is cancelled. Use it to wait for one
    /// particular sleeper among several.
    public func waitForSleeper(until deadline: Instant) async {
        await waitForSleepers(count: 1, deadline: deadline)
    }

    private func waitForSleepers(count: Int, deadline: Instant?) async {
        let id: UInt64 = state.withLock { state in
            defer { state.nextSleeperID += 1 }
            return state.nextSleeperID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    let waiter = SleeperWaiter(id: id, count: count, deadline: deadline, continuation: continuation)
                    if waiter.isSatisfied(by: state.sleepers) || Task.isCancelled { return true }
                    state.waiters.append(waiter)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter: SleeperWaiter? = state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume()
        }
    }
}
