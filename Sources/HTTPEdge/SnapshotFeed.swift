import Hummingbird
import ServiceLifecycle
import Synchronization
import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/v1/feed`: a snapshot as a server-sent event at once, then one every `interval` and
/// one at once after each control command (so an attached dashboard sees a trip without waiting
/// out the interval), until the client goes (a write fails), the request's task is cancelled, or the server shuts
/// down gracefully (a graceful shutdown waits for open responses, so the feed must end itself).
///
/// Each event is `event: snapshot\ndata: <SystemSnapshot as one line of JSON>\n\n`: JSONEncoder
/// writes no newlines unless asked to pretty-print, and escapes those inside strings.
struct SnapshotFeed: Sendable {
    let provider: any HTTPEdgeProvider
    let clock: any Clock<Duration>
    let window: Int
    let interval: Duration
    /// Fired by every control command the edge performs.
    var changes = Pulse()

    func body() -> ResponseBody {
        ResponseBody { writer in
            let stop = Pulse()
            try await withGracefulShutdownHandler {
                try await stream(to: &writer, stop: stop)
            } onGracefulShutdown: {
                stop.fire()
            }
        }
    }

    private func stream(to writer: inout any ResponseBodyWriter, stop: Pulse) async throws {
        let encoder = JSONEncoder()
        var changesSeen: Int
        repeat {
            changesSeen = changes.count
            let snapshot = await provider.snapshot(window: window)
            try await writer.write(try Self.event(snapshot, encoder: encoder))
        } while !(await pause(stop: stop, changesSeen: changesSeen))
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

    /// Waits one interval, or until a change after `changesSeen`; true when the feed must end
    /// instead (stopped or cancelled).
    private func pause(stop: Pulse, changesSeen: Int) async -> Bool {
        if stop.count > 0 || Task.isCancelled { return true }
        let interval = self.interval
        let clock = self.clock
        let changes = self.changes
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
                await stop.wait(beyond: 0)
                return true
            }
            group.addTask {
                await changes.wait(beyond: changesSeen)
                return false
            }
            let ended = await group.next() ?? true
            group.cancelAll()
            return ended || Task.isCancelled
        }
    }
}

/// A count that tasks wait on: ``wait(beyond:)`` returns once it has passed a value, or when the
/// waiting task is cancelled. A feed's stop fires it once; the edge's changes fire it at every
/// control command.
final class Pulse: Sendable {
    private struct State {
        var count = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: (beyond: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = Mutex(State())

    /// How many times it has fired.
    var count: Int { state.withLock { $0.count } }

    func fire() {
        let woken = state.withLock { state in
            state.count += 1
            let count = state.count
            // Woken in the order they began to wait, not the dictionary's.
            let woken = state.waiters.filter { $0.value.beyond < count }.sorted { $0.key < $1.key }
            for (id, _) in woken { state.waiters.removeValue(forKey: id) }
            return woken.map(\.value.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once the count is beyond `seen`, or when the waiting task is cancelled.
    func wait(beyond seen: Int) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    // Both sides hold the lock, so a waiter is either never registered or always removed.
                    if state.count > seen || Task.isCancelled { return true }
                    state.waiters[id] = (seen, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }
}
