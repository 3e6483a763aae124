import Hummingbird
import ServiceLifecycle
import Synchronization
import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/v1/feed`: a snapshot as a server-sent event at once, then one every `interval`,
/// until the client goes (a write fails), the request's task is cancelled, or the server shuts
/// down gracefully (a graceful shutdown waits for open responses, so the feed must end itself).
///
/// Each event is `event: snapshot\ndata: <SystemSnapshot as one line of JSON>\n\n`: JSONEncoder
/// writes no newlines unless asked to pretty-print, and escapes those inside strings.
struct SnapshotFeed: Sendable {
    let provider: any HTTPEdgeProvider
    let clock: any Clock<Duration>
    let window: Int
    let interval: Duration

    func body() -> ResponseBody {
        ResponseBody { writer in
            let stop = FeedStop()
            try await withGracefulShutdownHandler {
                try await stream(to: &writer, stop: stop)
            } onGracefulShutdown: {
                stop.set()
            }
        }
    }

    private func stream(to writer: inout any ResponseBodyWriter, stop: FeedStop) async throws {
        let encoder = JSONEncoder()
        repeat {
            let snapshot = await provider.snapshot(window: window)
            try await writer.write(try Self.event(snapshot, encoder: encoder))
        } while !(await pause(stop: stop))
        try await writer.finish(nil)
    }

    /// One event's bytes.
    static func event(_ snapshot: SystemSnapshot, encoder: JSONEncoder) throws -> ByteBuffer {
        let json = try encoder.encode(snapshot)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + 24)
        buffer.writeString("event: snapshot\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// Waits one interval; true when the feed must end instead (stopped or cancelled).
    private func pause(stop: FeedStop) async -> Bool {
        if stop.isSet || Task.isCancelled { return true }
        let interval = self.interval
        let clock = self.clock
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await clock.sleep(for: interval)
                    return false
                } catch {
                    return true
                }
            }
            group.addTask {
                await stop.wait()
                return true
            }
            let ended = await group.next() ?? true
            group.cancelAll()
            return ended || Task.isCancelled
        }
    }
}

/// Set once, on graceful shutdown; wakes every feed waiting on it.
final class FeedStop: Sendable {
    private struct State {
        var isSet = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    var isSet: Bool { state.withLock { $0.isSet } }

    func set() {
        let waiters = state.withLock { state in
            state.isSet = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once set, or when the waiting task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    // Both sides hold the lock, so a waiter is either never registered or always removed.
                    if state.isSet || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
