import Synchronization

/// A bounded, timestamped log of notable events: breaker transitions, manual actions (the audit
/// trail), saga steps, health changes, faults.
///
/// Keeps the newest `capacity` events; older ones are evicted and counted in ``dropped``. Ids rise
/// by one per event from 1, so a gap tells a reader events were evicted. Times come from the
/// injected ``TimeSource``.
///
/// Thread safety: all methods may be called from any task.
public final class EventLog: Sendable {
    public let time: TimeSource
    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var ring: [EventRecord] = []
        var next = 0
        var nextID: UInt64 = 1
        var dropped = 0
    }

    public init(time: TimeSource, capacity: Int = 1_000) {
        precondition(capacity >= 1, "an event log needs a capacity of at least 1")
        self.time = time
        self.capacity = capacity
        self.state = Mutex(State())
    }

    /// Logs an event now and returns it.
    @discardableResult
    public func record(source: String, kind: EventKind, message: String, attributes: [String: String] = [:], traceId: String? = nil) -> EventRecord {
        let now = time.now()
        let at = Double(time.unixNanoseconds(at: now)) / 1e9
        return state.withLock { state in
            let event = EventRecord(id: state.nextID, at: at, uptimeSeconds: now.seconds, source: source, kind: kind,
                                    message: message, attributes: attributes, traceId: traceId)
            state.nextID += 1
            if state.ring.count < capacity {
                state.ring.append(event)
            } else {
                state.ring[state.next] = event
                state.dropped += 1
            }
            state.next = (state.next + 1) % capacity
            return event
        }
    }

    /// The newest events first, optionally only of some kinds or from one source.
    public func recent(limit: Int = .max, kinds: Set<EventKind>? = nil, source: String? = nil) -> [EventRecord] {
        state.withLock { state in
            var result: [EventRecord] = []
            let count = state.ring.count
            for offset in 0..<count where result.count < limit {
                let event = state.ring[(state.next - 1 - offset + 2 * count) % count]
                if let kinds, !kinds.contains(event.kind) { continue }
                if let source, event.source != source { continue }
                result.append(event)
            }
            return result
        }
    }

    /// Events evicted since start.
    public var dropped: Int { state.withLock { $0.dropped } }
}
