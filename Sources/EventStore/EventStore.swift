/// A store of event streams: appends with optimistic concurrency, reads by stream and in global
/// order, live waiting at the head, and a checkpoint per subscriber.
///
/// Every implementation guarantees (and `EventStoreConformanceTests` checks, for each):
/// - **Streams.** A stream's events have versions 1, 2, 3… with no gaps. An append writes all of
///   its events or none, at consecutive versions after the stream's last.
/// - **Expected versions.** An append is written only if its ``ExpectedVersion`` admits the
///   stream's version at that moment; otherwise it throws ``VersionConflict`` (expected vs actual)
///   and writes nothing.
/// - **Global order.** Every event gets a position, increasing in commit order: once
///   ``readAll(after:limit:)`` has returned an event at position `p`, no event committed later gets
///   a position at or below `p`. So a reader that remembers the last position it saw (a
///   checkpoint) and reads after it never misses an event and never sees one twice.
/// - **Idempotent appends by event id.** Ids are unique across the store. An append whose events
///   are *all* already stored in the same stream writes nothing and returns the earlier result
///   with ``AppendResult/alreadyStored`` set, without checking the expected version (it is the
///   retry of an append that happened). An append in which only some ids are stored, or ids
///   stored in another stream, or the same id twice, throws ``EventStoreError`` with
///   ``EventStoreError/Code/duplicateEventID``.
/// - **Durability.** An append returns after its events are committed as the implementation
///   promises (``SQLiteEventStore`` documents its sync level); reads after that see them.
/// - **Live.** ``waitForAppend(after:)`` returns once the head is past a position, including when it
///   already was: a wake-up is never lost between a read and the wait.
/// - **Bad input** (an empty stream name or event type, no events, a limit below 1, a negative
///   position) throws ``EventStoreError`` with ``EventStoreError/Code/invalidArgument``, saying
///   what is accepted.
///
/// The calls are synchronous and may block the caller (a disk write): code that runs on a
/// deterministic simulator's executor stays on it, with no hop to another queue. Thread safety:
/// every method may be called from any task.
public protocol EventStore: Sendable {
    /// Appends `events` to the end of `stream` if `expectedVersion` admits its version.
    @discardableResult
    func append(_ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion) throws -> AppendResult

    /// Up to `limit` events of `stream` with versions above `version` (0: from the start), in order.
    func read(stream: String, after version: Int64, limit: Int) throws -> [RecordedEvent]

    /// Up to `limit` events of every stream with positions above `position` (0: from the start),
    /// in global order.
    func readAll(after position: Int64, limit: Int) throws -> [RecordedEvent]

    /// The version of `stream`'s last event; 0 when it has none.
    func version(of stream: String) throws -> Int64

    /// The position of the last event committed; 0 when the store is empty.
    func headPosition() throws -> Int64

    /// The position `subscriber` last saved; nil when it never saved one.
    func checkpoint(of subscriber: String) throws -> Int64?

    /// Saves `position` as `subscriber`'s checkpoint (durably, like an append), replacing the last.
    func saveCheckpoint(_ position: Int64, of subscriber: String) throws

    /// Returns once an event with a position above `position` is committed (at once if one is);
    /// throws `CancellationError` when the task is cancelled first. Appends made through this
    /// store instance wake it (not appends by another process to the same file).
    func waitForAppend(after position: Int64) async throws
}

extension EventStore {
    /// Every event of `stream` after `version`, read in pages.
    public func read(stream: String, after version: Int64 = 0) throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        var last = version
        while true {
            let page = try read(stream: stream, after: last, limit: 1_000)
            events += page
            guard page.count == 1_000, let end = page.last else { return events }
            last = end.version
        }
    }

    /// A subscription to every stream in global order after `position`: history first, then
    /// live (see ``EventSubscription``).
    public func subscribe(after position: Int64 = 0, batchSize: Int = 256) -> EventSubscription {
        EventSubscription(store: self, after: position, batchSize: batchSize)
    }

    /// A subscription that resumes after `subscriber`'s saved checkpoint (from the start when it
    /// has none). The subscriber saves its progress with ``saveCheckpoint(_:of:)``.
    public func subscribe(resumingAs subscriber: String, batchSize: Int = 256) throws -> EventSubscription {
        EventSubscription(store: self, after: try checkpoint(of: subscriber) ?? 0, batchSize: batchSize)
    }
}

/// The checks every implementation makes before it touches its storage, written once.
enum AppendValidation {
    static func check(stream: String) throws {
        guard !stream.isEmpty else {
            throw EventStoreError(.invalidArgument, "a stream name must not be empty (accepted: any non-empty string, such as 'order-42')")
        }
    }

    static func check(_ events: [NewEvent], to stream: String) throws {
        try check(stream: stream)
        guard !events.isEmpty else {
            throw EventStoreError(.invalidArgument, "an append to '\(stream)' needs at least one event")
        }
        var seen = Set<EventID>()
        for event in events {
            guard !event.id.rawValue.isEmpty else {
                throw EventStoreError(.invalidArgument, "an event of type '\(event.type)' for '\(stream)' has an empty id (accepted: any non-empty string)")
            }
            guard !event.type.isEmpty else {
                throw EventStoreError(.invalidArgument, "event \(event.id) for '\(stream)' has an empty type (accepted: a name such as 'order.created')")
            }
            guard seen.insert(event.id).inserted else {
                throw EventStoreError(.duplicateEventID, "event id \(event.id) appears twice in one append to '\(stream)'")
            }
        }
    }

    static func check(after position: Int64, limit: Int, what: String) throws {
        guard position >= 0 else {
            throw EventStoreError(.invalidArgument, "cannot read after \(what) \(position) (accepted: 0, the start, or a \(what) seen before)")
        }
        guard limit >= 1 else {
            throw EventStoreError(.invalidArgument, "a read limit must be at least 1, got \(limit)")
        }
    }

    static func check(checkpoint position: Int64, of subscriber: String) throws {
        guard !subscriber.isEmpty else {
            throw EventStoreError(.invalidArgument, "a subscriber name must not be empty")
        }
        guard position >= 0 else {
            throw EventStoreError(.invalidArgument, "checkpoint \(position) for '\(subscriber)' is negative (accepted: 0 or a position read before)")
        }
    }

    /// The result of an append whose every id is stored already, or the error when only some are
    /// (or they are in another stream). `stored` holds what the store found for each id, in batch order.
    static func duplicateOutcome(
        _ events: [NewEvent], to stream: String, stored: [(id: EventID, stream: String, version: Int64, position: Int64)?]
    ) throws -> AppendResult {
        for (event, found) in zip(events, stored) {
            guard let found else {
                let other = stored.compactMap { $0 }.first
                throw EventStoreError(.duplicateEventID,
                    "event id \(other.map(\.id.rawValue) ?? "?") is already stored, but \(event.id) of the same append is not: an append is idempotent only when it repeats a whole earlier append")
            }
            guard found.stream == stream else {
                throw EventStoreError(.duplicateEventID,
                    "event id \(found.id) is already stored in stream '\(found.stream)' at version \(found.version), not in '\(stream)'")
            }
        }
        let found = stored.compactMap { $0 }
        return AppendResult(
            stream: stream,
            lastVersion: found.map(\.version).max() ?? 0,
            firstPosition: found.map(\.position).min() ?? 0,
            lastPosition: found.map(\.position).max() ?? 0,
            alreadyStored: true
        )
    }
}
