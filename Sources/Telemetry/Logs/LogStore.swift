import Synchronization

/// A bounded store of log records: the newest `capacity` are kept, older ones are dropped and
/// counted in ``dropped``, as the trace store counts the spans it drops.
///
/// Records come from two paths: ``TelemetryLogHandler`` (swift-log, in this process: the trace
/// and span ids are read from the current `ServiceContext`), and ``append(level:service:message:metadata:traceID:spanID:unixNanoseconds:)``
/// for records made elsewhere (received over OTLP), which carry their own ids and time. Ids rise
/// by one per record from 1, so a gap tells a reader records were dropped. Times come from the
/// injected ``TimeSource``.
///
/// Thread safety: every method may be called from any task. Queries scan the ring (10,000
/// records by default), newest first; they are for a view or an API call, not a hot path.
public final class LogStore: Sendable {
    public let time: TimeSource
    public let capacity: Int
    private let state: Mutex<State>

    private struct State {
        var ring: [LogRecord] = []
        /// Where the next record goes once the ring is full (the oldest record's slot).
        var next = 0
        var nextID: UInt64 = 1
        var dropped = 0
    }

    public init(time: TimeSource, capacity: Int = 10_000) {
        precondition(capacity >= 1, "a log store needs a capacity of at least 1")
        self.time = time
        self.capacity = capacity
        self.state = Mutex(State())
        state.withLock { $0.ring.reserveCapacity(min(capacity, 1_024)) }
    }

    /// Appends a record and returns it as stored (with its id and time).
    ///
    /// - Parameters:
    ///   - traceID, spanID: the trace and span the record belongs to, if any; invalid (all-zero)
    ///     ids count as none.
    ///   - unixNanoseconds: when it was made, for a record from elsewhere (an OTLP `time_unix_nano`);
    ///     nil for now, from the store's clock. Stored as seconds since the time source's origin.
    @discardableResult
    public func append(level: LogLevel, service: String, message: String, metadata: [String: String] = [:],
                       traceID: TraceID? = nil, spanID: SpanID? = nil, unixNanoseconds: UInt64? = nil) -> LogRecord {
        let at: Double
        if let unixNanoseconds {
            let origin = time.originUnixNanoseconds
            at = unixNanoseconds >= origin ? Double(unixNanoseconds - origin) / 1e9 : -Double(origin - unixNanoseconds) / 1e9
        } else {
            at = Double(time.nanosecondsSinceOrigin()) / 1e9
        }
        let record = LogRecord(id: 0, at: at, level: level, service: service, message: message, metadata: metadata,
                               traceId: traceID.flatMap { $0.isValid ? $0.description : nil },
                               spanId: spanID.flatMap { $0.isValid ? $0.description : nil })
        return state.withLock { state in
            var stored = record
            stored.id = state.nextID
            state.nextID += 1
            if state.ring.count < capacity {
                state.ring.append(stored)
            } else {
                state.ring[state.next] = stored
                state.dropped += 1
            }
            state.next = (state.next + 1) % capacity
            return stored
        }
    }

    /// The newest records first, at `minimumLevel` or above, whose message, service or a
    /// metadata value contains `text` (ignoring case; empty matches all), at most `limit`.
    public func recent(limit: Int = 100, minimumLevel: LogLevel = .trace, text: String = "") -> [LogRecord] {
        let needle = text.lowercased()
        return newestFirst(limit: limit) { record in
            record.level >= minimumLevel && (needle.isEmpty || record.matches(lowercased: needle))
        }
    }

    /// The records a query finds, newest first, with the store's counts.
    public func page(_ query: LogQuery) -> LogPage {
        let needle = query.text.lowercased()
        let trace = query.traceId?.lowercased()
        let records = newestFirst(limit: query.limit) { record in
            record.level >= query.minimumLevel && (trace == nil || record.traceId == trace)
                && (needle.isEmpty || record.matches(lowercased: needle))
        }
        let (stored, dropped) = state.withLock { ($0.ring.count, $0.dropped) }
        return LogPage(query: query, records: records, stored: stored, dropped: dropped)
    }

    /// The records logged in a trace (32 hex digits), oldest first.
    public func records(traceId: String) -> [LogRecord] {
        let id = traceId.lowercased()
        return newestFirst(limit: .max) { $0.traceId == id }.reversed()
    }

    /// The records logged in one span (16 hex digits), oldest first.
    public func records(spanId: String) -> [LogRecord] {
        let id = spanId.lowercased()
        return newestFirst(limit: .max) { $0.spanId == id }.reversed()
    }

    /// Records dropped since start (the oldest, to make room).
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Records held now.
    public var count: Int { state.withLock { $0.ring.count } }

    private func newestFirst(limit: Int, where include: (LogRecord) -> Bool) -> [LogRecord] {
        guard limit > 0 else { return [] }
        return state.withLock { state in
            var result: [LogRecord] = []
            let count = state.ring.count
            for offset in 0..<count {
                let record = state.ring[(state.next - 1 - offset + 2 * count) % count]
                guard include(record) else { continue }
                result.append(record)
                if result.count == limit { break }
            }
            return result
        }
    }
}

extension LogRecord {
    /// True when the message, the service or a metadata value contains `needle` (already lowercased).
    public func matches(lowercased needle: String) -> Bool {
        message.lowercased().contains(needle) || service.lowercased().contains(needle)
            || metadata.values.contains { $0.lowercased().contains(needle) }
    }
}
