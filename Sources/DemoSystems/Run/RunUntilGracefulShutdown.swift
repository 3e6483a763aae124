import ServiceLifecycle
import Synchronization

/// Runs `operation` until it returns, cancelling it when a graceful shutdown is triggered (or the
/// caller is cancelled), and returns what it returned.
///
/// What swift-service-lifecycle's `cancelWhenGracefulShutdown` does, with structured concurrency
/// only: that one ends its waiter with an unstructured `Task {}` when the waiter is cancelled,
/// which escapes a deterministic simulator's executor every time the operation finishes first.
func runUntilGracefulShutdown<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
    let trigger = ShutdownTrigger()
    return await withGracefulShutdownHandler {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await operation() }
            group.addTask {
                await trigger.wait()
                return nil
            }
            var value: T?
            // Whichever child ends first, the other is cancelled: a shutdown cancels the operation
            // (which still returns its value); an operation that returned ends the waiter.
            while let result = await group.next() {
                group.cancelAll()
                if let result { value = result }
            }
            return value!
        }
    } onGracefulShutdown: {
        trigger.fire()
    }
}

/// A one-shot signal a task waits for; firing it (or cancelling the waiter) resumes the waiter.
private final class ShutdownTrigger: Sendable {
    private struct State {
        var fired = false
        var waiter: UnsafeContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func wait() async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.fired { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }

    /// Resumes the waiter, now or as soon as it waits. Firing twice does nothing more.
    func fire() {
        // Taken out under the lock, resumed outside it: resumed exactly once.
        let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
