import Synchronization

/// An ``EventStore`` in memory, for tests and deterministic simulation: the same guarantees as
/// ``SQLiteEventStore`` except that nothing survives the process.
///
/// Appends and reads take one lock; nothing is scheduled on another executor.
public final class InMemoryEventStore: EventStore {
    private struct Location {
        var stream: String
        var version: Int64
        var position: Int64
    }

    private struct State {
        /// Every event in global order: the event at position p is at index p - 1.
        var events: [RecordedEvent] = []
        /// Each stream's events as indices into `events`: version v is at index v - 1.
        var streams: [String: [Int]] = [:]
        var locations: [EventID: Location] = [:]
        var checkpoints: [String: Int64] = [:]
    }

    private let state = Mutex(State())
    private let time: RecordingTime
    private let signal = AppendSignal(head: 0)

    public init(time: RecordingTime) {
        self.time = time
    }

    @discardableResult
    public func append(_ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion) throws -> AppendResult {
        try AppendValidation.check(events, to: stream)
        let recordedAt = time.unixNanoseconds()
        let result = try state.withLock { state -> AppendResult in
            if events.contains(where: { state.locations[$0.id] != nil }) {
                let stored = events.map { event in
                    state.locations[event.id].map { (id: event.id, stream: $0.stream, version: $0.version, position: $0.position) }
                }
                return try AppendValidation.duplicateOutcome(events, to: stream, stored: stored)
            }
            let actual = Int64(state.streams[stream]?.count ?? 0)
            guard expectedVersion.admits(actual) else {
                throw VersionConflict(stream: stream, expected: expectedVersion, actual: actual)
            }
            let firstPosition = Int64(state.events.count) + 1
            var indices = state.streams[stream] ?? []
            for (offset, event) in events.enumerated() {
                let version = actual + Int64(offset) + 1
                let position = firstPosition + Int64(offset)
                indices.append(state.events.count)
                state.locations[event.id] = Location(stream: stream, version: version, position: position)
                state.events.append(RecordedEvent(
                    id: event.id, stream: stream, version: version, position: position, type: event.type,
                    data: event.data, metadata: event.metadata, recordedAtUnixNanoseconds: recordedAt))
            }
            state.streams[stream] = indices
            return AppendResult(stream: stream, lastVersion: actual + Int64(events.count),
                                firstPosition: firstPosition, lastPosition: Int64(state.events.count), alreadyStored: false)
        }
        if !result.alreadyStored { signal.advance(to: result.lastPosition) }
        return result
    }

    public func read(stream: String, after version: Int64, limit: Int) throws -> [RecordedEvent] {
        try AppendValidation.check(stream: stream)
        try AppendValidation.check(after: version, limit: limit, what: "version")
        return state.withLock { state in
            guard let indices = state.streams[stream], version < indices.count else { return [] }
            let start = Int(version)
            return indices[start..<min(indices.count, start + limit)].map { state.events[$0] }
        }
    }

    public func readAll(after position: Int64, limit: Int) throws -> [RecordedEvent] {
        try AppendValidation.check(after: position, limit: limit, what: "position")
        return state.withLock { state in
            guard position < state.events.count else { return [] }
            let start = Int(position)
            return Array(state.events[start..<min(state.events.count, start + limit)])
        }
    }

    public func version(of stream: String) throws -> Int64 {
        try AppendValidation.check(stream: stream)
        return state.withLock { Int64($0.streams[stream]?.count ?? 0) }
    }

    public func headPosition() throws -> Int64 {
        state.withLock { Int64($0.events.count) }
    }

    public func checkpoint(of subscriber: String) throws -> Int64? {
        try AppendValidation.check(checkpoint: 0, of: subscriber)
        return state.withLock { $0.checkpoints[subscriber] }
    }

    public func saveCheckpoint(_ position: Int64, of subscriber: String) throws {
        try AppendValidation.check(checkpoint: position, of: subscriber)
        state.withLock { $0.checkpoints[subscriber] = position }
    }

    public func waitForAppend(after position: Int64) async throws {
        try await signal.wait(after: position)
    }
}
