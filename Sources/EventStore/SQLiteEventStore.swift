import Foundation
import GRDB

/// An ``EventStore`` in one SQLite file, through GRDB: one file per owning service.
///
/// - **WAL** (a `DatabasePool`): reads run on their own connections and never wait for an append,
///   and an append never waits for a read.
/// - **Durable appends.** With ``Durability/full`` (the default) the writer runs with
///   `synchronous = FULL`: every commit syncs the WAL to disk before the append returns, so an
///   append that returned survives a crash of the process *and* of the machine. `NORMAL` in WAL
///   mode (GRDB's default) syncs only at checkpoints: a commit survives the process dying but can
///   be lost with the last few others on power loss, which an outbox that has already told
///   someone "done" cannot accept. ``Durability/normal`` is offered for stores that can be rebuilt.
/// - **Schema**: `events` (position = rowid, so positions follow commit order; the unique
///   `id`; unique `(stream, version)`; the metadata as columns, so reading needs no JSON unless
///   an event has extra attributes) and `checkpoints`. Events are never deleted.
///
/// Calls use GRDB's synchronous `read`/`write`: they block the caller for the disk, and schedule
/// nothing on another queue. Appends made through this instance wake its subscriptions; another
/// process writing the same file does not (one process owns a service's store).
public final class SQLiteEventStore: EventStore {
    /// How far an append is on disk when it returns.
    public enum Durability: Sendable, Hashable {
        /// `synchronous = FULL`: synced on every commit; survives power loss.
        case full
        /// `synchronous = NORMAL` (WAL): survives the process crashing, not the machine.
        case normal
    }

    public let path: String
    public let durability: Durability
    private let pool: DatabasePool
    private let time: RecordingTime
    private let signal: AppendSignal

    /// Opens (creating if needed) the store in the file at `path`.
    public init(path: String, time: RecordingTime, durability: Durability = .full) throws {
        self.path = path
        self.durability = durability
        self.time = time
        var configuration = Configuration()
        configuration.label = "event-store"
        let pool = try DatabasePool(path: path, configuration: configuration)
        // After opening: GRDB sets NORMAL when it turns WAL on. The writer is one connection, so
        // this holds for every append.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        try Self.migrator.migrate(pool)
        let head = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") ?? 0 }
        self.pool = pool
        signal = AppendSignal(head: head)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("events and checkpoints") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    position INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    stream TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    type TEXT NOT NULL,
                    data BLOB NOT NULL,
                    traceparent TEXT,
                    tracestate TEXT,
                    correlation_id TEXT,
                    causation_id TEXT,
                    attributes BLOB,
                    recorded_at INTEGER NOT NULL,
                    UNIQUE (stream, version)
                );
                CREATE TABLE checkpoints (
                    subscriber TEXT PRIMARY KEY,
                    position INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    /// The `synchronous` level the writer runs with (2: FULL, 1: NORMAL), read back from SQLite.
    public func writerSynchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The journal mode SQLite reports (`wal`).
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: - Appending

    /// Thrown inside the write transaction to roll it back when the append turns out to repeat
    /// an earlier one; carries the earlier result out.
    private struct RepeatedAppend: Error {
        var result: AppendResult
    }

    @discardableResult
    public func append(_ events: [NewEvent], to stream: String, expectedVersion: ExpectedVersion) throws -> AppendResult {
        try AppendValidation.check(events, to: stream)
        let recordedAt = time.unixNanoseconds()
        let encodedAttributes = try events.map { try Self.encode(attributes: $0.metadata.attributes) }
        let result: AppendResult
        do {
            result = try pool.write { db -> AppendResult in
                let actual = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT MAX(version) FROM events WHERE stream = ?"), arguments: [stream]) ?? 0
                guard expectedVersion.admits(actual) else {
                    // A retried append is idempotent even when the stream has moved on since.
                    if let repeated = try Self.repeatedAppend(events, to: stream, db) { throw RepeatedAppend(result: repeated) }
                    throw VersionConflict(stream: stream, expected: expectedVersion, actual: actual)
                }
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO events (id, stream, version, type, data, traceparent, tracestate,
                                        correlation_id, causation_id, attributes, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                var firstPosition: Int64 = 0
                for (offset, event) in events.enumerated() {
                    insert.setUncheckedArguments([
                        event.id.rawValue, stream, actual + Int64(offset) + 1, event.type, event.data,
                        event.metadata.traceparent, event.metadata.tracestate,
                        event.metadata.correlationID, event.metadata.causationID,
                        encodedAttributes[offset], recordedAt,
                    ])
                    do {
                        try insert.execute()
                    } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                        if let repeated = try Self.repeatedAppend(events, to: stream, db) { throw RepeatedAppend(result: repeated) }
                        throw error
                    }
                    if offset == 0 { firstPosition = db.lastInsertedRowID }
                }
                return AppendResult(stream: stream, lastVersion: actual + Int64(events.count),
                                    firstPosition: firstPosition, lastPosition: db.lastInsertedRowID, alreadyStored: false)
            }
        } catch let repeated as RepeatedAppend {
            return repeated.result
        }
        signal.advance(to: result.lastPosition)
        return result
    }

    /// The earlier result when some of `events` are stored already (or the error saying why that
    /// is not a repeat); nil when none is.
    private static func repeatedAppend(_ events: [NewEvent], to stream: String, _ db: Database) throws -> AppendResult? {
        let lookup = try db.cachedStatement(sql: "SELECT stream, version, position FROM events WHERE id = ?")
        let stored = try events.map { event -> (id: EventID, stream: String, version: Int64, position: Int64)? in
            guard let row = try Row.fetchOne(lookup, arguments: [event.id.rawValue]) else { return nil }
            return (id: event.id, stream: row[0], version: row[1], position: row[2])
        }
        guard stored.contains(where: { $0 != nil }) else { return nil }
        return try AppendValidation.duplicateOutcome(events, to: stream, stored: stored)
    }

    private static let attributesEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    private static func encode(attributes: [String: String]) throws -> Data? {
        attributes.isEmpty ? nil : try attributesEncoder.encode(attributes)
    }

    // MARK: - Reading

    private static let columns = """
        position, id, stream, version, type, data, traceparent, tracestate,
        correlation_id, causation_id, attributes, recorded_at
        """

    public func read(stream: String, after version: Int64, limit: Int) throws -> [RecordedEvent] {
        try AppendValidation.check(stream: stream)
        try AppendValidation.check(after: version, limit: limit, what: "version")
        return try pool.read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT \(Self.columns) FROM events WHERE stream = ? AND version > ? ORDER BY version LIMIT ?
                """)
            return try Self.events(statement, arguments: [stream, version, limit])
        }
    }

    public func readAll(after position: Int64, limit: Int) throws -> [RecordedEvent] {
        try AppendValidation.check(after: position, limit: limit, what: "position")
        return try pool.read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT \(Self.columns) FROM events WHERE position > ? ORDER BY position LIMIT ?
                """)
            return try Self.events(statement, arguments: [position, limit])
        }
    }

    private static func events(_ statement: Statement, arguments: StatementArguments) throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try rows.next() {
            var metadata = EventMetadata(traceparent: row[6], tracestate: row[7], correlationID: row[8], causationID: row[9])
            if let attributes = row[10] as Data? {
                do {
                    metadata.attributes = try JSONDecoder().decode([String: String].self, from: attributes)
                } catch {
                    let position: Int64 = row[0]
                    throw EventStoreError(.unreadableRecord, "event at position \(position): its attributes are not a JSON object of strings: \(error)")
                }
            }
            events.append(RecordedEvent(
                id: EventID(row[1]), stream: row[2], version: row[3], position: row[0], type: row[4],
                data: row[5], metadata: metadata, recordedAtUnixNanoseconds: row[11]))
        }
        return events
    }

    public func version(of stream: String) throws -> Int64 {
        try AppendValidation.check(stream: stream)
        return try pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(version) FROM events WHERE stream = ?"), arguments: [stream]) ?? 0
        }
    }

    public func headPosition() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(position) FROM events") ?? 0 }
    }

    // MARK: - Checkpoints and waiting

    public func checkpoint(of subscriber: String) throws -> Int64? {
        try AppendValidation.check(checkpoint: 0, of: subscriber)
        return try pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT position FROM checkpoints WHERE subscriber = ?"), arguments: [subscriber])
        }
    }

    public func saveCheckpoint(_ position: Int64, of subscriber: String) throws {
        try AppendValidation.check(checkpoint: position, of: subscriber)
        try pool.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO checkpoints (subscriber, position) VALUES (?, ?)
                ON CONFLICT (subscriber) DO UPDATE SET position = excluded.position
                """).execute(arguments: [subscriber, position])
        }
    }

    public func waitForAppend(after position: Int64) async throws {
        try await signal.wait(after: position)
    }
}
