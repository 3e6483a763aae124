import Synchronization

/// The head position of a store and the tasks waiting for it to move: how a subscription at the
/// head learns that something was appended without polling.
///
/// A wait for "head > p" that starts after the head has already passed `p` returns at once, so an
/// append that commits between a subscriber's empty read and its wait is never missed.
///
/// Waiters resume in the order they started waiting (an array, not a dictionary: a replayed run
/// must wake them in the same order). Thread safety: every method may be called from any task.
final class AppendSignal: Sendable {
    private struct Waiter {
        var id: UInt64
        var after: Int64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var head: Int64
        var nextID: UInt64 = 0
        var waiters: [Waiter] = []
        /// Waits that have an id but have not yet checked the head or registered.
        var starting: [UInt64] = []
        /// Of those, the ones cancelled in that moment.
        var cancelledEarly: [UInt64] = []
    }

    private let state: Mutex<State>

    init(head: Int64) {
        state = Mutex(State(head: head))
    }

    var head: Int64 { state.withLock { $0.head } }

    /// Moves the head forward (never back) and resumes every waiter it has passed.
    func advance(to position: Int64) {
        let ready: [Waiter] = state.withLock { state in
            guard position > state.head else { return [] }
            state.head = position
            var ready: [Waiter] = []
            state.waiters.removeAll { waiter in
                guard waiter.after < position else { return false }
                ready.append(waiter)
                return true
            }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Returns once the head is past `position`; throws `CancellationError` if the task is
    /// cancelled first.
    func wait(after position: Int64) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.starting.append(state.nextID)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    state.starting.removeAll { $0 == id }
                    if let index = state.cancelledEarly.firstIndex(of: id) {
                        state.cancelledEarly.remove(at: index)
                        return .failure(CancellationError())
                    }
                    if state.head > position { return .success(()) }
                    state.waiters.append(Waiter(id: id, after: position, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index)
                }
                if state.starting.contains(id) { state.cancelledEarly.append(id) }
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}
