import Hummingbird
import Synchronization
import Telemetry

/// `GET /api/v1/snapshot` bodies, each answered again for `maxAge`: a hundred clients asking in
/// the same tenth of a second cost one snapshot and one JSON encoding, not a hundred.
///
/// While one request makes a fresh body, the others get the previous one (at most one refresh is
/// in flight per window); only the very first request of a window waits for its own. A control
/// command clears the cache, so a read after a trip shows the trip.
final class SnapshotCache: Sendable {
    let maxAge: Duration
    private let time: TimeSource
    private let state = Mutex(State())

    private struct State {
        var entries: [Int: Entry] = [:]
        /// Counts clears: a response made before one must not be kept after it.
        var generation = 0
    }

    private struct Entry {
        var response: Response?
        var madeAt: Duration
        var refreshing: Bool
    }

    init(maxAge: Duration, time: TimeSource) {
        self.maxAge = maxAge
        self.time = time
    }

    /// The response for `window`: the cached one if it is young enough or another request is
    /// already making a new one, else one made now by `make` (a body of bytes, so it can be sent
    /// again).
    func response(window: Int, make: () async -> Response) async -> Response {
        let now = time.now()
        let (cached, generation): (Response?, Int) = state.withLock { state in
            var entry = state.entries[window] ?? Entry(response: nil, madeAt: now, refreshing: false)
            if let response = entry.response, now - entry.madeAt < maxAge || entry.refreshing {
                return (response, state.generation)
            }
            entry.refreshing = true
            state.entries[window] = entry
            return (nil, state.generation)
        }
        if let cached { return cached }
        let response = await make()
        let madeAt = time.now()
        state.withLock { state in
            guard state.generation == generation, response.status == .ok else {
                state.entries[window]?.refreshing = false
                return
            }
            state.entries[window] = Entry(response: response, madeAt: madeAt, refreshing: false)
        }
        return response
    }

    /// Forgets every response: the next request of each window makes a new one.
    func clear() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }
}
