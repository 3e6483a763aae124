import Foundation
import Logging
import Telemetry
import Testing
import Tracing

@Suite("Log store and the swift-log handler")
struct LogStoreTests {
    let clock = ManualClock()
    let time: TimeSource

    init() {
        time = TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000)
    }

    @Test func keepsTheNewestAndCountsWhatItDropped() {
        let store = LogStore(time: time, capacity: 3)
        for index in 1...5 { store.append(level: .info, service: "order-service", message: "record \(index)") }
        #expect(store.count == 3)
        #expect(store.dropped == 2)
        #expect(store.recent(limit: 10).map(\.message) == ["record 5", "record 4", "record 3"])
        // Ids keep rising across drops, so a reader sees the gap.
        #expect(store.recent(limit: 10).map(\.id) == [5, 4, 3])
    }

    @Test func recentFiltersByLevelAndTextAndLimit() {
        let store = LogStore(time: time)
        store.append(level: .debug, service: "gateway", message: "noise")
        store.append(level: .warning, service: "order-service", message: "POST payment-service answered 503")
        store.append(level: .error, service: "payment-service", message: "card declined", metadata: ["order": "o-42"])
        store.append(level: .info, service: "gateway", message: "hello")
        #expect(store.recent(minimumLevel: .warning).map(\.service) == ["payment-service", "order-service"])
        #expect(store.recent(text: "PAYMENT").map(\.message) == ["card declined", "POST payment-service answered 503"])
        #expect(store.recent(text: "o-42").map(\.message) == ["card declined"], "metadata values match too")
        #expect(store.recent(limit: 1).map(\.message) == ["hello"])
        #expect(store.recent(limit: 0).isEmpty)
    }

    @Test func timesComeFromTheStoresClock() async {
        let store = LogStore(time: time)
        store.append(level: .info, service: "a", message: "at start")
        clock.advance(by: .milliseconds(2_500))
        let later = store.append(level: .info, service: "a", message: "later")
        #expect(later.at == 2.5)
        // A record from elsewhere keeps its own time, as seconds since the same origin.
        let received = store.append(level: .info, service: "b", message: "received", unixNanoseconds: time.originUnixNanoseconds - 1_000_000_000)
        #expect(received.at == -1)
    }

    @Test func recordsOfATraceAndOfASpanOldestFirst() {
        let store = LogStore(time: time)
        let trace = TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736)
        store.append(level: .info, service: "a", message: "first", traceID: trace, spanID: SpanID(1))
        store.append(level: .info, service: "b", message: "elsewhere", traceID: TraceID(high: 1, low: 2), spanID: SpanID(9))
        store.append(level: .warning, service: "a", message: "second", traceID: trace, spanID: SpanID(2))
        store.append(level: .info, service: "a", message: "no trace", traceID: TraceID(high: 0, low: 0), spanID: SpanID(0))
        #expect(store.records(traceId: "4bf92f3577b34da6a3ce929d0e0e4736").map(\.message) == ["first", "second"])
        #expect(store.records(spanId: "0000000000000002").map(\.message) == ["second"])
        let untraced = store.recent(limit: 1)[0]
        #expect(untraced.traceId == nil && untraced.spanId == nil, "all-zero ids are no ids")
    }

    @Test func theHandlerRecordsTheTraceAndSpanOfTheCurrentContext() async throws {
        let store = LogStore(time: time)
        let traces = TraceStore(time: time)
        let tracer = TelemetryTracer(service: "order-service", store: traces, time: time, ids: IDGenerator(seed: 7))
        let logger = Logger(label: "order-service") { _ in TelemetryLogHandler(store: store, service: "order-service") }
        logger.info("outside any span")
        var ids: (trace: String, span: String)?
        tracer.withSpan("create_order") { span in
            ids = (span.context.traceContext!.traceID.description, span.context.traceContext!.spanID.description)
            logger.warning("inside the span")
        }
        let records = store.recent().reversed().map { $0 }
        #expect(records.count == 2)
        #expect(records[0].traceId == nil && records[0].spanId == nil)
        let inside = records[1]
        #expect(inside.level == .warning)
        #expect(inside.service == "order-service")
        #expect(inside.traceId == ids?.trace)
        #expect(inside.spanId == ids?.span)
        #expect(store.records(spanId: try #require(ids?.span)).map(\.message) == ["inside the span"])
    }

    @Test func aParentFromAnotherProcessIsTheRecordsTrace() {
        let store = LogStore(time: time)
        let logger = Logger(label: "x") { _ in TelemetryLogHandler(store: store, service: "x") }
        var context = ServiceContext.topLevel
        context.traceContext = TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        ServiceContext.withValue(context) { logger.error("remote parent") }
        let record = store.recent()[0]
        #expect(record.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(record.spanId == "00f067aa0ba902b7")
    }

    @Test func metadataMergesProviderThenHandlerThenCallAndTheError() {
        struct Declined: Error, CustomStringConvertible { var description: String { "card declined" } }
        let store = LogStore(time: time)
        let provider = Logger.MetadataProvider { ["region": "eu", "tier": "provider"] }
        var logger = Logger(label: "payment-service") { _ in TelemetryLogHandler(store: store, service: "payment-service", metadataProvider: provider) }
        logger[metadataKey: "tier"] = "handler"
        logger[metadataKey: "instance"] = "payment-service-1"
        logger.error("charge failed", error: Declined(), metadata: ["instance": "call", "amount": .stringConvertible(129.99)])
        let record = store.recent()[0]
        #expect(record.metadata == ["region": "eu", "tier": "handler", "instance": "call", "amount": "129.99", "error": "card declined"])
    }

    @Test func theLoggersLevelFiltersAndIsAValue() {
        let store = LogStore(time: time)
        var quiet = Logger(label: "a") { _ in TelemetryLogHandler(store: store, service: "a") }
        quiet.logLevel = .warning
        var chatty = quiet
        chatty.logLevel = .debug
        quiet.info("dropped by the level")
        chatty.debug("kept")
        #expect(store.recent().map(\.message) == ["kept"])
        #expect(store.dropped == 0, "a record below the level is not stored, so it is not dropped either")
    }

    @Test func aRecordEncodesWithItsSchemaNames() throws {
        let record = LogRecord(id: 3, at: 1.5, level: .warning, service: "order-service", message: "slow", metadata: ["k": "v"],
                               traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        #expect(json == #"{"at":1.5,"id":3,"level":"warning","message":"slow","metadata":{"k":"v"},"service":"order-service","spanId":"00f067aa0ba902b7","traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}"#)
        #expect(try JSONDecoder().decode(LogRecord.self, from: Data(json.utf8)) == record)
    }

    @Test func aSnapshotFromBeforeLogsDecodesWithNone() throws {
        let snapshot = SystemSnapshot(system: "storefront", takenAt: 1, uptimeSeconds: 1, windowSeconds: 10,
                                      dropped: DroppedCounts(spans: 1, logs: 4),
                                      logs: [LogRecord(id: 1, at: 0.5, level: .error, service: "a", message: "m")])
        let data = try JSONEncoder().encode(snapshot)
        #expect(try JSONDecoder().decode(SystemSnapshot.self, from: data) == snapshot)
        var old = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        old.removeValue(forKey: "logs")
        var dropped = old["dropped"] as! [String: Any]
        dropped.removeValue(forKey: "logs")
        old["dropped"] = dropped
        let decoded = try JSONDecoder().decode(SystemSnapshot.self, from: try JSONSerialization.data(withJSONObject: old))
        #expect(decoded.logs == [])
        #expect(decoded.dropped.logs == 0)
        #expect(decoded.dropped.spans == 1)
    }

    @Test func aPageAnswersAQueryWithTheStoresCounts() {
        let store = LogStore(time: time, capacity: 3)
        let trace = TraceID(high: 1, low: 2)
        store.append(level: .error, service: "a", message: "dropped first")
        store.append(level: .error, service: "a", message: "in the trace", traceID: trace)
        store.append(level: .info, service: "a", message: "info in the trace", traceID: trace)
        store.append(level: .warning, service: "b", message: "elsewhere")
        let page = store.page(LogQuery(minimumLevel: .warning, traceId: trace.description, limit: 10))
        #expect(page.records.map(\.message) == ["in the trace"])
        #expect(page.stored == 3)
        #expect(page.dropped == 1)
        #expect(store.page(LogQuery(limit: 2)).records.map(\.message) == ["elsewhere", "info in the trace"])
    }

    @Test func levelsOrderFromTraceToCritical() {
        #expect(LogLevel.allCases.sorted() == [.trace, .debug, .info, .notice, .warning, .error, .critical])
        #expect(LogLevel(Logger.Level.warning) == .warning)
    }
}
