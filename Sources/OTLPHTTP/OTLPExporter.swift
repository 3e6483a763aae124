import AsyncHTTPClient
import CoreMetrics
import NIOCore
import OTLP
import Randomness
import ServiceLifecycle
import Telemetry

/// Sends meshtop's own spans and metrics to an OTLP/HTTP endpoint (a collector, Jaeger, Tempo,
/// or `meshtop watch`) as protobuf, as a `Service` beside the system it exports.
///
/// - Spans: the trace store copies every span it assembles into a bounded ``FinishedSpanQueue``
///   (``TraceStore/export(to:)``); every ``Configuration/interval`` the exporter sends what is
///   queued in batches of ``Configuration/batchSize``. A full queue drops and counts.
/// - Metrics: every ``Configuration/metricsInterval``, every series as cumulative points.
/// - Retries: 429, 502, 503, 504 and transport errors are retried up to
///   ``Configuration/maxAttempts`` times, after `Retry-After` when the answer has one, else after
///   an exponential backoff with full jitter; any other refusal is final. A batch that runs out
///   of attempts is counted as failed, never retried forever.
/// - Its own figures: `otlp_export_spans_total{outcome}` (`sent`, `rejected` by the receiver's
///   partial success, `failed`, `dropped` by the queue) and `otlp_export_requests_total{signal,status}`.
/// - On graceful shutdown it sends what is queued once more, then returns.
public struct OTLPExporter<C: Clock>: Service where C.Duration == Duration {
    public struct Configuration: Sendable {
        /// The endpoint's base URL: `http://127.0.0.1:4318` (paths `/v1/traces` and `/v1/metrics` are added).
        public var endpoint: String
        public var interval: Duration
        public var metricsInterval: Duration
        public var batchSize: Int
        public var maxAttempts: Int
        /// The first retry's backoff ceiling; it doubles with each attempt, up to ``maxBackoff``.
        public var initialBackoff: Duration
        public var maxBackoff: Duration

        public init(endpoint: String, interval: Duration = .seconds(1), metricsInterval: Duration = .seconds(10), batchSize: Int = 512,
                    maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(8)) {
            self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            self.interval = interval
            self.metricsInterval = metricsInterval
            self.batchSize = batchSize
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
    }

    public let configuration: Configuration
    public let queue: FinishedSpanQueue
    public let requests: OTLPExportRequests
    /// The series to export and the resource name they go under; nil exports spans only.
    public let metrics: (store: MetricsStore, service: String)?
    public let transport: any OTLPTransport
    public let clock: C
    private let figures: ExportFigures
    private let seed: UInt64

    /// - Parameters:
    ///   - reportingTo: where the exporter counts what it sent, failed and dropped (the exported
    ///     system's own factory, so the figures are exported and shown with the rest).
    ///   - seed: for the retries' jitter.
    public init(configuration: Configuration, queue: FinishedSpanQueue, requests: OTLPExportRequests,
                metrics: (store: MetricsStore, service: String)?, transport: any OTLPTransport, clock: C,
                reportingTo factory: any MetricsFactory, seed: UInt64) {
        self.configuration = configuration
        self.queue = queue
        self.requests = requests
        self.metrics = metrics
        self.transport = transport
        self.clock = clock
        self.figures = ExportFigures(factory: factory)
        self.seed = seed
    }

    public func run() async throws {
        var random = SeededRandom(seed: seed, component: "otlp-export")
        var sinceMetrics = Duration.zero
        var droppedSeen = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: configuration.interval) }
            } catch {
                break
            }
            droppedSeen = countDropped(since: droppedSeen)
            await exportQueuedSpans(random: &random)
            sinceMetrics += configuration.interval
            if sinceMetrics >= configuration.metricsInterval, let metrics {
                sinceMetrics = .zero
                _ = await send(.metrics, body: requests.metrics(metrics.store, service: metrics.service).encoded(as: .protobuf), random: &random)
            }
        }
        // Shutting down: what is queued goes once more, without waiting for retries.
        countDropped(since: droppedSeen)
        await exportQueuedSpans(random: &random, retrying: false)
        if let metrics {
            _ = await send(.metrics, body: requests.metrics(metrics.store, service: metrics.service).encoded(as: .protobuf), random: &random, retrying: false)
        }
        await transport.shutdown()
    }

    @discardableResult
    private func countDropped(since seen: Int) -> Int {
        let dropped = queue.dropped
        if dropped > seen { figures.spans(.dropped).increment(by: Int64(dropped - seen)) }
        return dropped
    }

    /// Sends every queued span, a batch at a time.
    func exportQueuedSpans(random: inout SeededRandom, retrying: Bool = true) async {
        while true {
            let batch = queue.take(upTo: configuration.batchSize)
            guard !batch.isEmpty else { return }
            let outcome = await send(.traces, body: requests.traces(batch).encoded(as: .protobuf), random: &random, retrying: retrying)
            switch outcome {
            case .accepted(let rejected):
                figures.spans(.sent).increment(by: Int64(batch.count - rejected))
                if rejected > 0 { figures.spans(.rejected).increment(by: Int64(rejected)) }
            case .failed:
                figures.spans(.failed).increment(by: Int64(batch.count))
            }
        }
    }

    enum Outcome: Equatable {
        /// 200: how many items the receiver refused in its partial success.
        case accepted(rejected: Int)
        case failed
    }

    /// Posts one body, retrying what OTLP calls retryable.
    func send(_ signal: OTLPSignal, body: [UInt8], random: inout SeededRandom, retrying: Bool = true) async -> Outcome {
        var attempt = 0
        while true {
            attempt += 1
            let wait: Duration?
            do {
                let answer = try await transport.post(url: configuration.endpoint + signal.path, body: body, contentType: OTLPEncoding.protobuf.contentType)
                figures.requests(signal, status: "\(answer.status)").increment(by: 1)
                switch answer.status {
                case 200..<300:
                    return .accepted(rejected: Self.rejectedCount(signal, answer.body))
                case 429, 502, 503, 504:
                    wait = answer.retryAfter.flatMap { Int($0) }.map { Duration.seconds(min(30, max(0, $0))) }
                default:
                    return .failed
                }
            } catch {
                figures.requests(signal, status: "error").increment(by: 1)
                wait = nil
            }
            guard retrying, attempt < configuration.maxAttempts else { return .failed }
            let delay = wait ?? backoff(attempt: attempt, random: &random)
            do {
                try await clock.sleep(for: delay)
            } catch {
                return .failed
            }
        }
    }

    /// Full jitter: uniform in [0, min(maxBackoff, initialBackoff · 2^(attempt-1))].
    func backoff(attempt: Int, random: inout SeededRandom) -> Duration {
        let ceiling = min(configuration.maxBackoff, configuration.initialBackoff * (1 << min(attempt - 1, 20)))
        return ceiling * random.nextUnitInterval()
    }

    static func rejectedCount(_ signal: OTLPSignal, _ body: [UInt8]) -> Int {
        switch signal {
        case .traces: Int((try? OTLPTraceResponse(serializedBytes: body))?.partialSuccess.rejectedSpans ?? 0)
        case .metrics: Int((try? OTLPMetricsResponse(serializedBytes: body))?.partialSuccess.rejectedDataPoints ?? 0)
        case .logs: Int((try? OTLPLogsResponse(serializedBytes: body))?.partialSuccess.rejectedLogRecords ?? 0)
        }
    }
}

/// The exporter's own counters.
struct ExportFigures: Sendable {
    enum SpanOutcome: String, CaseIterable {
        case sent, rejected, failed, dropped
    }

    let factory: any MetricsFactory

    func spans(_ outcome: SpanOutcome) -> Counter {
        Counter(label: "otlp_export_spans_total", dimensions: [("outcome", outcome.rawValue)], factory: factory)
    }

    func requests(_ signal: OTLPSignal, status: String) -> Counter {
        Counter(label: "otlp_export_requests_total", dimensions: [("signal", signal.rawValue), ("status", status)], factory: factory)
    }
}

/// How the exporter posts a body: AsyncHTTPClient in a program, a double in tests.
public protocol OTLPTransport: Sendable {
    /// Posts `body` and returns the answer's status, `Retry-After` and body; throws when no answer came.
    func post(url: String, body: [UInt8], contentType: String) async throws -> OTLPAnswer
    /// Releases connections; called once, when the exporter stops.
    func shutdown() async
}

public struct OTLPAnswer: Sendable, Equatable {
    public var status: Int
    public var retryAfter: String?
    public var body: [UInt8]

    public init(status: Int, retryAfter: String? = nil, body: [UInt8] = []) {
        self.status = status
        self.retryAfter = retryAfter
        self.body = body
    }
}

/// ``OTLPTransport`` over AsyncHTTPClient: kept-alive connections, a timeout per request.
public final class HTTPClientTransport: OTLPTransport {
    private let client: HTTPClient
    private let timeout: TimeAmount

    public init(timeout: Duration = .seconds(10)) {
        self.client = HTTPClient(eventLoopGroupProvider: .singleton)
        self.timeout = .nanoseconds(timeout.nanosecondsClamped)
    }

    public func post(url: String, body: [UInt8], contentType: String) async throws -> OTLPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
        let answer = try await response.body.collect(upTo: 1 << 20)
        return OTLPAnswer(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                          body: Array(answer.readableBytesView))
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        return seconds > Int64.max / 1_000_000_000 ? .max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
