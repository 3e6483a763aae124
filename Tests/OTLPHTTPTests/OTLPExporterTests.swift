import CoreMetrics
import OTLP
@testable import OTLPHTTP
import OTLPProto
import Randomness
import Synchronization
import Telemetry
import Testing
import Tracing

/// A transport that answers from a script and keeps what it was sent.
final class ScriptedTransport: OTLPTransport {
    enum Step: Sendable {
        case answer(OTLPAnswer)
        case fail
    }

    private let state: Mutex<(steps: [Step], posts: [(url: String, body: [UInt8])])>

    init(_ steps: [Step]) {
        state = Mutex((steps, []))
    }

    struct Unreachable: Error {}

    func post(url: String, body: [UInt8], contentType: String) async throws -> OTLPAnswer {
        let step = state.withLock { state -> Step in
            state.posts.append((url, body))
            return state.steps.isEmpty ? .answer(OTLPAnswer(status: 200)) : state.steps.removeFirst()
        }
        switch step {
        case .answer(let answer): return answer
        case .fail: throw Unreachable()
        }
    }

    func shutdown() async {}

    var posts: [(url: String, body: [UInt8])] { state.withLock { $0.posts } }
}

@Suite("OTLP exporter")
struct OTLPExporterTests {
    let clock = ManualClock()
    let store: MetricsStore

    init() {
        store = MetricsStore(time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000))
    }

    private func exporter(_ transport: ScriptedTransport, queue: FinishedSpanQueue = FinishedSpanQueue()) -> OTLPExporter<ManualClock> {
        OTLPExporter(configuration: .init(endpoint: "http://collector:4318/", maxAttempts: 3), queue: queue,
                     requests: OTLPExportRequests(time: store.time), metrics: nil, transport: transport, clock: clock,
                     reportingTo: TelemetryMetricsFactory(store: store), seed: 1)
    }

    private func spans(_ count: Int) -> [FinishedSpan] {
        (1...count).map { index in
            FinishedSpan(traceID: TraceID(high: 1, low: UInt64(index)), spanID: SpanID(UInt64(index)), parentSpanID: nil, service: "svc",
                         operation: "op", kind: .server, startNanoseconds: 0, endNanoseconds: 1_000)
        }
    }

    private func count(_ outcome: String) -> Double {
        store.total(SeriesSelector(label: "otlp_export_spans_total", matching: ["outcome": outcome]))
    }

    @Test("queued spans go in batches to BASE/v1/traces, counted as sent")
    func batches() async {
        let transport = ScriptedTransport([])
        let queue = FinishedSpanQueue()
        queue.offer(spans(1_100))
        let exporter = exporter(transport, queue: queue)
        var random = SeededRandom(seed: 1)
        await exporter.exportQueuedSpans(random: &random)
        #expect(transport.posts.map(\.url) == Array(repeating: "http://collector:4318/v1/traces", count: 3))
        let sizes = transport.posts.map { (try? OTLPTraceRequest(serializedBytes: $0.body))?.resourceSpans.first?.scopeSpans.first?.spans.count ?? -1 }
        #expect(sizes == [512, 512, 76])
        #expect(count("sent") == 1_100)
    }

    @Test("503 with Retry-After waits that long on the clock, then sends again")
    func retryAfter() async {
        let transport = ScriptedTransport([.answer(OTLPAnswer(status: 503, retryAfter: "2")), .answer(OTLPAnswer(status: 200))])
        let exporter = exporter(transport)
        await withTaskGroup(of: OTLPExporter<ManualClock>.Outcome.self) { group in
            group.addTask {
                var random = SeededRandom(seed: 1)
                return await exporter.send(.traces, body: [1], random: &random)
            }
            while clock.sleeperCount == 0 { await Task.yield() }
            #expect(clock.nextDeadline == clock.now.advanced(by: .seconds(2)))
            clock.advance(by: .seconds(2))
            #expect(await group.next() == .accepted(rejected: 0))
        }
        #expect(transport.posts.count == 2)
    }

    @Test("a 400 is final: one attempt, counted as failed")
    func badRequestIsFinal() async {
        let transport = ScriptedTransport([.answer(OTLPAnswer(status: 400))])
        let queue = FinishedSpanQueue()
        queue.offer(spans(3))
        var random = SeededRandom(seed: 1)
        await exporter(transport, queue: queue).exportQueuedSpans(random: &random)
        #expect(transport.posts.count == 1)
        #expect(count("failed") == 3)
    }

    @Test("an unreachable endpoint is tried maxAttempts times with backoff, then the batch counts as failed")
    func givesUp() async {
        let transport = ScriptedTransport([.fail, .fail, .fail, .fail])
        let exporter = exporter(transport)
        await withTaskGroup(of: OTLPExporter<ManualClock>.Outcome.self) { group in
            group.addTask {
                var random = SeededRandom(seed: 1)
                return await exporter.send(.traces, body: [1], random: &random)
            }
            for _ in 1...2 {
                while clock.sleeperCount == 0 { await Task.yield() }
                clock.advance(by: .seconds(10))
            }
            #expect(await group.next() == .failed)
        }
        #expect(transport.posts.count == 3)
    }

    @Test("backoff has full jitter under a doubling ceiling")
    func backoff() {
        let exporter = exporter(ScriptedTransport([]))
        var random = SeededRandom(seed: 9)
        for attempt in 1...6 {
            let ceiling = min(Duration.seconds(8), .milliseconds(500) * (1 << (attempt - 1)))
            let delays = (0..<50).map { _ in exporter.backoff(attempt: attempt, random: &random) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
            #expect(delays.contains { $0 < ceiling / 2 } && delays.contains { $0 > ceiling / 2 })
        }
    }

    @Test("a partial success counts the refused spans apart")
    func partial() async {
        let body: [UInt8] = (try? OTLPTraceResponse.with { $0.partialSuccess.rejectedSpans = 2 }.serializedBytes()) ?? []
        let transport = ScriptedTransport([.answer(OTLPAnswer(status: 200, body: body))])
        let queue = FinishedSpanQueue()
        queue.offer(spans(5))
        var random = SeededRandom(seed: 1)
        await exporter(transport, queue: queue).exportQueuedSpans(random: &random)
        #expect(count("sent") == 3)
        #expect(count("rejected") == 2)
    }

    @Test("a full queue drops and counts what does not fit")
    func queueBound() {
        let queue = FinishedSpanQueue(capacity: 4)
        queue.offer(spans(6))
        #expect(queue.count == 4)
        #expect(queue.dropped == 2)
        #expect(queue.take(upTo: 3).map(\.spanID.value) == [1, 2, 3])
    }
}
