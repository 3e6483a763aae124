import CoreMetrics
import Synchronization

/// Thrown when a bulkhead is full: every slot busy and the queue full too.
public struct BulkheadFullError: Error, Sendable, Equatable, CustomStringConvertible {
    public let bulkhead: String
    public let maxConcurrent: Int
    public let maxQueued: Int

    public var description: String {
        "bulkhead '\(bulkhead)' is full (\(maxConcurrent) running, \(maxQueued) queued)"
    }
}

/// Limits how many calls run at once, so one slow dependency cannot take every task.
///
/// Up to `maxConcurrent` calls run; up to `maxQueued` more wait in arrival order for a slot; any
/// call beyond that is rejected at once with ``BulkheadFullError``. A queued caller that is
/// cancelled leaves the queue and throws `CancellationError`.
///
/// Metrics: `bulkhead_in_use{bulkhead}`, `bulkhead_queued{bulkhead}` (gauges),
/// `bulkhead_rejected_total{bulkhead}`.
///
/// Thread safety: all methods may be called from any task.
public final class Bulkhead: Sendable {
    public let name: String
    public let maxConcurrent: Int
    public let maxQueued: Int
    private let state: Mutex<State>
    private let inUseGauge, queuedGauge: Meter
    private let rejected: Counter

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var inUse = 0
        var queue: [Waiter] = []
        var nextID: UInt64 = 0
    }

    public init(name: String, maxConcurrent: Int, maxQueued: Int = 0, metrics: any MetricsFactory) {
        precondition(maxConcurrent >= 1, "a bulkhead needs at least one concurrent call")
        precondition(maxQueued >= 0, "a bulkhead's queue cannot be negative")
        self.name = name
        self.maxConcurrent = maxConcurrent
        self.maxQueued = maxQueued
        self.state = Mutex(State())
        inUseGauge = Meter(label: "bulkhead_in_use", dimensions: [("bulkhead", name)], factory: metrics)
        queuedGauge = Meter(label: "bulkhead_queued", dimensions: [("bulkhead", name)], factory: metrics)
        rejected = Counter(label: "bulkhead_rejected_total", dimensions: [("bulkhead", name)], factory: metrics)
    }

    /// Calls running now, and calls waiting for a slot.
    public var usage: (inUse: Int, queued: Int) {
        state.withLock { ($0.inUse, $0.queue.count) }
    }

    /// Runs `operation` in a slot, waiting in the queue for one if need be.
    ///
    /// - Throws: ``BulkheadFullError`` at once when the queue is full; `CancellationError` if
    ///   cancelled while queued; otherwise what `operation` throws.
    public func execute<T>(_ operation: () async throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await operation()
    }

    private enum Admission {
        case run
        case queued(UInt64)
        case full
    }

    private func enter() async throws {
        try Task.checkCancellation()
        let id = state.withLock { state -> UInt64 in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let admission: Admission = state.withLock { state in
                    if Task.isCancelled { return .full }
                    if state.inUse < maxConcurrent {
                        state.inUse += 1
                        publishUsage(state)
                        return .run
                    }
                    guard state.queue.count < maxQueued else { return .full }
                    state.queue.append(Waiter(id: id, continuation: continuation))
                    publishUsage(state)
                    return .queued(id)
                }
                switch admission {
                case .run:
                    continuation.resume()
                case .queued:
                    break
                case .full:
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        rejected.increment()
                        continuation.resume(throwing: BulkheadFullError(bulkhead: name, maxConcurrent: maxConcurrent, maxQueued: maxQueued))
                    }
                }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                guard let index = state.queue.firstIndex(where: { $0.id == id }) else { return nil }
                defer { publishUsage(state) }
                return state.queue.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Frees a slot: the oldest waiter takes it, or the count goes down.
    private func leave() {
        let next: Waiter? = state.withLock { state in
            defer { publishUsage(state) }
            if state.queue.isEmpty {
                state.inUse -= 1
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.continuation.resume()
    }

    /// Sets the gauges under the state's lock, so they are written in the order the state
    /// changed: published after the lock, a slower publisher could overwrite a newer value.
    private func publishUsage(_ state: borrowing State) {
        inUseGauge.set(state.inUse)
        queuedGauge.set(state.queue.count)
    }
}
