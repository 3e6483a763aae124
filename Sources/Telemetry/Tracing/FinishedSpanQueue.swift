import Synchronization

/// A bounded queue of finished spans on their way out of the process (an OTLP exporter drains it),
/// fed by a ``TraceStore`` that ``TraceStore/export(to:)`` was called on.
///
/// Offering never blocks and never grows the queue past `capacity`: a span that finds it full is
/// dropped and counted in ``dropped``, as OpenTelemetry's batch span processor drops and counts.
///
/// Thread safety: every member may be used from any task.
public final class FinishedSpanQueue: Sendable {
    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var spans: [FinishedSpan] = []
        var offered = 0
        var dropped = 0
    }

    public init(capacity: Int = 8_192) {
        precondition(capacity >= 1, "a span queue holds at least one span")
        self.capacity = capacity
        self.state = Mutex(State())
    }

    /// Appends what fits of `spans`, oldest first; the rest is counted as dropped.
    public func offer(_ spans: [FinishedSpan]) {
        guard !spans.isEmpty else { return }
        state.withLock { state in
            let room = max(0, capacity - state.spans.count)
            state.spans.append(contentsOf: spans.prefix(room))
            state.offered += spans.count
            state.dropped += max(0, spans.count - room)
        }
    }

    /// Removes and returns up to `limit` of the oldest spans.
    public func take(upTo limit: Int) -> [FinishedSpan] {
        state.withLock { state in
            let count = min(limit, state.spans.count)
            let taken = Array(state.spans.prefix(count))
            state.spans.removeFirst(count)
            return taken
        }
    }

    /// Spans waiting to be taken.
    public var count: Int { state.withLock { $0.spans.count } }
    /// Spans ever offered, kept or not.
    public var offered: Int { state.withLock { $0.offered } }
    /// Spans that found the queue full.
    public var dropped: Int { state.withLock { $0.dropped } }
}
