import EventStore
import Foundation
import GRDBSQLite
import Synchronization

/// The event store on SQLite, each figure against raw SQLite doing the same work in the same run:
/// the same schema, pragmas and rows, inserted or read through the C API with one prepared
/// statement (the floor any store on SQLite pays). Files live in a fresh temporary directory.
///
/// - `eventstore.append-batch100-*`: ns per event, appends of 100 events (one transaction each)
///   to 1,000 streams in turn; targets ≥ 50,000 events/s and ≤ 2× the raw inserts.
/// - `eventstore.append-1-durable-p50/p99`: one event per append, synchronous = FULL.
/// - `eventstore.replay`: ns per event to read every event in pages of 1,000 into `RecordedEvent`s;
///   target ≥ 500,000 events/s.
/// - `eventstore.subscriber-lag-p99-*`: appends paced at 1,000 events/s while a subscription
///   follows; lag = from the append's return to the subscriber holding the event; target ≤ 50 ms.
func registerEventStoreBenchmarks(on runner: BenchmarkRunner) async {
    let names = (
        rawFull: "eventstore.baseline-raw-insert-batch100-full",
        rawNormal: "eventstore.baseline-raw-insert-batch100-normal",
        appendFull: "eventstore.append-batch100-full",
        appendNormal: "eventstore.append-batch100-normal",
        singleP50: "eventstore.append-1-durable-p50",
        singleP99: "eventstore.append-1-durable-p99",
        rawReplay: "eventstore.baseline-raw-replay",
        replay: "eventstore.replay",
        lagNormal: "eventstore.subscriber-lag-p99-1000eps-normal",
        lagFull: "eventstore.subscriber-lag-p99-1000eps-full-batch10"
    )
    let all = [names.rawFull, names.rawNormal, names.appendFull, names.appendNormal, names.singleP50, names.singleP99,
               names.rawReplay, names.replay, names.lagNormal, names.lagFull]
    guard all.contains(where: runner.shouldRun) else { return }
    runner.declareBaselines([names.rawFull, names.rawNormal, names.rawReplay])

    let directory = NSTemporaryDirectory() + "meshtop-bench-eventstore-\(getpid())"
    try? FileManager.default.removeItem(atPath: directory)
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
        fail("cannot make \(directory): \(error)")
    }
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let time = RecordingTime { Int64(Date().timeIntervalSince1970 * 1e9) }
    // A figure's body runs for n/10 events (warm-up), 5 × n (rounds), then n (allocations).
    let batchedEvents = 20_000
    let rows = BenchRows(count: max(220_000, batchedEvents * 62 / 10 / runner.scale + 1_000))

    // Batched appends, raw floor first (its figure is the baseline of the store's).
    for (durability, raw, store) in [(SQLiteEventStore.Durability.full, names.rawFull, names.appendFull),
                                     (.normal, names.rawNormal, names.appendNormal)] {
        let level = durability == .full ? "FULL" : "NORMAL"
        if runner.shouldRun(raw) || runner.shouldRun(store) {
            rows.rewind()
            let database = RawSQLite(path: "\(directory)/raw-\(level).sqlite", synchronous: level)
            runner.measure(raw, iterations: batchedEvents,
                           note: "raw sqlite3_step inserts of the same rows, 100 per transaction, synchronous = \(level)") { n in
                database.insert(rows.next(n), batch: 100)
            }
        }
        guard runner.shouldRun(store) else { continue }
        rows.rewind()
        let eventStore = openStore("\(directory)/store-\(level).sqlite", time: time, durability: durability)
        let synchronous = (try? eventStore.writerSynchronousLevel()) ?? -1
        runner.require(store, synchronous == (durability == .full ? 2 : 1), "the writer must run with synchronous = \(level); it has \(synchronous)")
        runner.measure(store, baseline: raw, iterations: batchedEvents,
                       note: "SQLiteEventStore.append of 100 events per call (one transaction), synchronous = \(level)") { n in
            append(rows.next(n), to: eventStore, batch: 100)
        }
        if let figure = runner.results.last, figure.name == store {
            let perSecond = 1e9 / figure.nsPerOp
            let ratio = figure.ratio.map { String(format: "%.2f×", $0) } ?? "?"
            runner.record(name: store + ".events-per-second", nsPerOp: figure.nsPerOp, baseline: raw,
                          note: String(format: "%.0f events/s (target ≥ 50,000: %@); %@ the raw inserts (target ≤ 2×: %@)",
                                       perSecond, perSecond >= 50_000 ? "met" : "not met", ratio,
                                       (figure.ratio ?? .infinity) <= 2 ? "met" : "not met"))
        }
    }

    // One durable append at a time: what a caller waits for.
    if runner.shouldRun(names.singleP50) || runner.shouldRun(names.singleP99) {
        let count = max(20, 400 / runner.scale)
        rows.rewind()
        let raw = RawSQLite(path: "\(directory)/raw-single.sqlite", synchronous: "FULL")
        let rawLatencies = (0..<count).map { _ in
            let start = ContinuousClock.now
            raw.insert(rows.next(1), batch: 1)
            return start.duration(to: .now)
        }.sorted()
        let eventStore = openStore("\(directory)/store-single.sqlite", time: time, durability: .full)
        rows.rewind()
        let latencies = (0..<count).map { _ in
            let start = ContinuousClock.now
            append(rows.next(1), to: eventStore, batch: 1)
            return start.duration(to: .now)
        }.sorted()
        let note = "\(count) appends of 1 event, synchronous = FULL; raw single-row commits in the same run: "
            + "p50 \(milliseconds(percentile(50, rawLatencies))), p99 \(milliseconds(percentile(99, rawLatencies)))"
        runner.record(name: names.singleP50, nsPerOp: nanoseconds(percentile(50, latencies)), note: note)
        runner.record(name: names.singleP99, nsPerOp: nanoseconds(percentile(99, latencies)), note: note)
    }

    // Replay: read all + decode into RecordedEvent, against raw stepping through the same rows.
    if runner.shouldRun(names.replay) || runner.shouldRun(names.rawReplay) {
        let count = max(10_000, 200_000 / runner.scale)
        let path = "\(directory)/replay.sqlite"
        let eventStore = openStore(path, time: time, durability: .normal)
        rows.rewind()
        append(rows.next(count), to: eventStore, batch: 1_000)
        let head = (try? eventStore.headPosition()) ?? 0
        runner.require(names.replay, head == Int64(count), "the replayed store must hold \(count) events; it holds \(head)")
        let raw = RawSQLite(path: path, synchronous: "NORMAL", createSchema: false)
        runner.measure(names.rawReplay, iterations: count,
                       note: "raw sqlite3_step over the same \(count) rows in pages of 1,000, every column read") { n in
            blackHole(raw.replay(limit: n))
        }
        runner.measure(names.replay, baseline: names.rawReplay, iterations: count,
                       note: "readAll(after:limit: 1,000) into RecordedEvent, \(count) events of 100-byte JSON with metadata") { n in
            var position: Int64 = 0, read = 0
            while read < n {
                let page = (try? eventStore.readAll(after: position, limit: min(1_000, n - read))) ?? []
                guard let last = page.last else { break }
                position = last.position
                read += page.count
            }
            blackHole(read)
        }
        if let figure = runner.results.last, figure.name == names.replay {
            let perSecond = 1e9 / figure.nsPerOp
            runner.record(name: names.replay + ".events-per-second", nsPerOp: figure.nsPerOp, baseline: names.rawReplay,
                          note: String(format: "%.0f events/s (target ≥ 500,000: %@)", perSecond, perSecond >= 500_000 ? "met" : "not met"))
        }
    }

    // A subscriber following appends at 1,000 events/s.
    for (name, durability, batch) in [(names.lagNormal, SQLiteEventStore.Durability.normal, 1), (names.lagFull, .full, 10)]
    where runner.shouldRun(name) {
        let seconds = runner.scale > 1 ? 1 : 5
        let eventStore = openStore("\(directory)/lag-\(batch).sqlite", time: time, durability: durability)
        rows.rewind()
        let lags = await subscriberLags(eventStore, rows: rows, events: 1_000 * seconds, batch: batch)
        runner.require(name, lags.count == 1_000 * seconds, "the subscriber must receive \(1_000 * seconds) events; it received \(lags.count)")
        let p99 = percentile(99, lags)
        let what = durability == .full ? "synchronous = FULL, 10 events per append every 10 ms" : "synchronous = NORMAL, 1 event per append every 1 ms"
        runner.record(name: name, nsPerOp: nanoseconds(p99),
                      note: "\(lags.count) events over \(seconds) s, \(what): p50 \(milliseconds(percentile(50, lags))), "
                          + "p99 \(milliseconds(p99)), max \(milliseconds(lags.last ?? .zero)) (target p99 ≤ 50 ms: \(p99 <= .milliseconds(50) ? "met" : "not met"))")
    }
}

/// Appends `events` paced at 1,000 a second (in appends of `batch`) while a subscription from the
/// head follows; returns each event's lag from its append's return to its delivery, sorted. An
/// event delivered before its append returned to the writer counts as 0.
private func subscriberLags(_ store: SQLiteEventStore, rows: BenchRows, events: Int, batch: Int) async -> [Duration] {
    let start = (try? store.headPosition()) ?? 0
    let returned = Instants(count: events), received = Instants(count: events)
    let clock = ContinuousClock()
    await withTaskGroup(of: Void.self) { group in
        group.addTask {
            var count = 0
            do {
                for try await event in store.subscribe(after: start) {
                    let now = clock.now
                    received.values.withLock { $0[Int(event.position - start - 1)] = now }
                    count += 1
                    if count == events { return }
                }
            } catch {
                fail("subscription failed: \(error)")
            }
        }
        group.addTask {
            let begin = clock.now
            for index in stride(from: 0, to: events, by: batch) {
                try? await clock.sleep(until: begin.advanced(by: .milliseconds(index)))
                let result = append(rows.next(batch), to: store, batch: batch)
                let now = clock.now
                returned.values.withLock { returned in
                    for position in result.firstPosition...result.lastPosition { returned[Int(position - start - 1)] = now }
                }
            }
        }
    }
    let sent = returned.values.withLock { $0 }, got = received.values.withLock { $0 }
    return zip(sent, got).compactMap { sent, got in
        guard let sent, let got else { return nil }
        return max(.zero, sent.duration(to: got))
    }.sorted()
}

/// An instant per event, filled in by the tasks of a lag run.
private final class Instants: Sendable {
    let values: Mutex<[ContinuousClock.Instant?]>
    init(count: Int) { values = Mutex(Array(repeating: nil, count: count)) }
}

/// Rows as an order service would write them: 1,000 streams, ~100 bytes of JSON, a traceparent
/// and a correlation id, made before the timing starts. A figure and its raw baseline take the
/// same rows in the same order (each writes its own file), so ids never repeat within a file.
private final class BenchRows: Sendable {
    struct Row: Sendable {
        var stream: String
        var event: NewEvent
    }

    private let rows: [Row]
    private let cursor = Mutex(0)

    init(count: Int) {
        let ids = EventIDGenerator(seed: 1)
        rows = (0..<count).map { index in
            let order = index / 100 % 1_000
            let data = Data(#"{"orderId":"order-\#(order)","customer":"customer-\#(index % 97)","amountCents":\#(index % 10_000),"items":3}"#.utf8)
            let metadata = EventMetadata(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                         correlationID: "order-\(order)")
            return Row(stream: "order-\(order)", event: NewEvent(id: ids.next(), type: "order.created", data: data, metadata: metadata))
        }
    }

    /// The next `count` rows; starts over at the first row after ``rewind()``.
    func next(_ count: Int) -> ArraySlice<Row> {
        let start = cursor.withLock { cursor in
            defer { cursor += count }
            return cursor
        }
        guard start + count <= rows.count else { fail("the benchmark needs more than the \(rows.count) rows it made") }
        return rows[start..<(start + count)]
    }

    func rewind() {
        cursor.withLock { $0 = 0 }
    }
}

@discardableResult
private func append(_ rows: ArraySlice<BenchRows.Row>, to store: SQLiteEventStore, batch: Int) -> AppendResult {
    var last: AppendResult?
    var index = rows.startIndex
    while index < rows.endIndex {
        let end = min(rows.endIndex, index + batch)
        do {
            last = try store.append(rows[index..<end].map(\.event), to: rows[index].stream, expectedVersion: .any)
        } catch {
            fail("append failed: \(error)")
        }
        index = end
    }
    guard let last else { fail("nothing to append") }
    return last
}

private func openStore(_ path: String, time: RecordingTime, durability: SQLiteEventStore.Durability) -> SQLiteEventStore {
    do {
        return try SQLiteEventStore(path: path, time: time, durability: durability)
    } catch {
        fail("cannot open \(path): \(error)")
    }
}

/// Raw SQLite through its C API: the same `events` table, pragmas and rows as the store.
private final class RawSQLite {
    private var db: OpaquePointer?
    private var insertStatement: OpaquePointer?
    private var versions: [String: Int64] = [:]

    init(path: String, synchronous: String, createSchema: Bool = true) {
        guard sqlite3_open(path, &db) == SQLITE_OK else { fail("sqlite3_open \(path) failed") }
        execute("PRAGMA journal_mode = WAL")
        execute("PRAGMA synchronous = \(synchronous)")
        guard createSchema else { return }
        execute("""
            CREATE TABLE events (
                position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
                version INTEGER NOT NULL, type TEXT NOT NULL, data BLOB NOT NULL, traceparent TEXT,
                tracestate TEXT, correlation_id TEXT, causation_id TEXT, attributes BLOB,
                recorded_at INTEGER NOT NULL, UNIQUE (stream, version))
            """)
        let sql = """
            INSERT INTO events (id, stream, version, type, data, traceparent, tracestate, correlation_id,
                                causation_id, attributes, recorded_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, ?)
            """
        guard sqlite3_prepare_v2(db, sql, -1, &insertStatement, nil) == SQLITE_OK else { fail("prepare: \(message)") }
    }

    deinit {
        sqlite3_finalize(insertStatement)
        sqlite3_close(db)
    }

    private var message: String { String(cString: sqlite3_errmsg(db)) }

    private func execute(_ sql: String) {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { fail("\(sql): \(message)") }
    }

    /// Inserts `rows`, `batch` per transaction, binding every column as the store does.
    func insert(_ rows: ArraySlice<BenchRows.Row>, batch: Int) {
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        for (offset, row) in rows.enumerated() {
            if offset % batch == 0 { execute("BEGIN IMMEDIATE") }
            let version = (versions[row.stream] ?? 0) + 1
            versions[row.stream] = version
            let statement = insertStatement
            sqlite3_bind_text(statement, 1, row.event.id.rawValue, -1, transient)
            sqlite3_bind_text(statement, 2, row.stream, -1, transient)
            sqlite3_bind_int64(statement, 3, version)
            sqlite3_bind_text(statement, 4, row.event.type, -1, transient)
            row.event.data.withUnsafeBytes { bytes in
                _ = sqlite3_bind_blob(statement, 5, bytes.baseAddress, Int32(bytes.count), transient)
            }
            sqlite3_bind_text(statement, 6, row.event.metadata.traceparent, -1, transient)
            sqlite3_bind_text(statement, 7, row.event.metadata.correlationID, -1, transient)
            sqlite3_bind_int64(statement, 8, now)
            guard sqlite3_step(statement) == SQLITE_DONE else { fail("insert: \(message)") }
            sqlite3_reset(statement)
            if offset % batch == batch - 1 || offset == rows.count - 1 { execute("COMMIT") }
        }
    }

    /// Steps through the first `limit` events in pages of 1,000, reading every column; returns a
    /// checksum so nothing is optimised away.
    func replay(limit: Int) -> Int {
        var statement: OpaquePointer?
        let sql = """
            SELECT position, id, stream, version, type, data, traceparent, tracestate, correlation_id,
                   causation_id, attributes, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT ?
            """
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else { fail("prepare: \(message)") }
        defer { sqlite3_finalize(statement) }
        var position: Int64 = 0, read = 0, checksum = 0
        while read < limit {
            sqlite3_bind_int64(statement, 1, position)
            sqlite3_bind_int64(statement, 2, Int64(min(1_000, limit - read)))
            var page = 0
            while sqlite3_step(statement) == SQLITE_ROW {
                position = sqlite3_column_int64(statement, 0)
                for column: Int32 in [1, 2, 4, 6, 7, 8, 9] {
                    checksum &+= Int(sqlite3_column_bytes(statement, column))
                    if let text = sqlite3_column_text(statement, column) { checksum &+= Int(text.pointee) }
                }
                checksum &+= Int(sqlite3_column_int64(statement, 3)) &+ Int(sqlite3_column_int64(statement, 11))
                if let blob = sqlite3_column_blob(statement, 5) { checksum &+= Int(blob.load(as: UInt8.self)) }
                checksum &+= Int(sqlite3_column_bytes(statement, 5)) &+ Int(sqlite3_column_bytes(statement, 10))
                page += 1
            }
            sqlite3_reset(statement)
            guard page > 0 else { break }
            read += page
        }
        return checksum &+ read
    }
}

private func percentile(_ p: Double, _ sorted: [Duration]) -> Duration {
    sorted[max(0, Int((p * Double(sorted.count) / 100).rounded(.up)) - 1)]
}

private func milliseconds(_ duration: Duration) -> String {
    String(format: "%.2f ms", nanoseconds(duration) / 1e6)
}

private func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

private func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("meshtop-bench: event store: \(message)\n".utf8))
    exit(1)
}
