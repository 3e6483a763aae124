import OTLP
import OTLPProto
import SwiftProtobuf
import Telemetry
import Testing
import Tracing

/// meshtop's spans exported as OTLP and received by a watch come back as they were.
@Suite("OTLP export and receive")
struct RoundTripTests {
    @Test("ids, parents, kinds, times, status, attributes, events and links survive the trip")
    func spans() throws {
        let clock = ManualClock()
        let time = TimeSource(clock: clock, originUnixNanoseconds: watchStart)
        let trace = TraceID(high: 0xA1, low: 0xB2)
        var attributes = SpanAttributes()
        attributes["http.route"] = "/api/orders"
        attributes["http.status_code"] = 502
        attributes["retry"] = true
        let spans = [
            FinishedSpan(traceID: trace, spanID: SpanID(1), parentSpanID: nil, service: "gateway", operation: "POST /api/orders", kind: .server,
                         startNanoseconds: 1_000, endNanoseconds: 9_000_000, status: SpanStatus(code: .error, message: "bad gateway"),
                         attributes: attributes, events: [.init(name: "retry", at: .nanoseconds(5_000))],
                         links: ["\(TraceID(high: 3, low: 4)):\(SpanID(5))"]),
            FinishedSpan(traceID: trace, spanID: SpanID(2), parentSpanID: SpanID(1), service: "order-service", operation: "create", kind: .server,
                         startNanoseconds: 2_000, endNanoseconds: 8_000_000),
        ]
        let request = OTLPExportRequests(time: time, resource: [("service.namespace", "storefront")]).traces(spans)
        #expect(request.resourceSpans.map { $0.resource.attributes.map(\.key) } == [["service.name", "service.namespace"], ["service.name", "service.namespace"]])
        // Through the wire format, as a receiver gets it.
        let received = try OTLPTraceRequest(serializedBytes: try request.serializedBytes() as [UInt8])
        let (system, _) = makeSystem()
        #expect(system.ingest(received).accepted == 2)
        let tree = try #require(system.traceTree(id: trace.description))
        #expect(tree.spans.map(\.spanId) == [SpanID(1).description, SpanID(2).description])
        #expect(tree.spans[1].parentSpanId == SpanID(1).description)
        #expect(tree.spans.map(\.service) == ["gateway", "order-service"])
        let root = tree.spans[0]
        #expect(root.kind == .server)
        #expect(root.status == SpanStatusRecord(code: .error, message: "bad gateway"))
        #expect(root.attributes["http.route"] == "/api/orders")
        #expect(root.attributes["http.status_code"] == "502")
        #expect(root.attributes["retry"] == "true")
        #expect(root.attributes["resource.service.namespace"] == "storefront")
        #expect(root.events.map(\.name) == ["retry"])
        #expect(root.links == ["\(TraceID(high: 3, low: 4)):\(SpanID(5))"])
        #expect(abs(root.durationMs - 8.999) < 1e-9)
    }

    @Test("every series goes as a metric of its kind, histograms with their buckets")
    func metrics() throws {
        let clock = ManualClock()
        let time = TimeSource(clock: clock, originUnixNanoseconds: watchStart)
        let store = MetricsStore(time: time)
        let factory = TelemetryMetricsFactory(store: store)
        factory.makeCounter(label: "requests_total", dimensions: [("service", "a")]).increment(by: 3)
        factory.makeMeter(label: "breaker_state", dimensions: [("breaker", "b"), ("state", "open")]).set(1.0)
        let timer = factory.makeTimer(label: "request_duration_seconds", dimensions: [])
        timer.recordNanoseconds(2_000_000)
        timer.recordNanoseconds(4_000_000)
        let request = OTLPExportRequests(time: time).metrics(store, service: "storefront")
        let metrics = request.resourceMetrics[0].scopeMetrics[0].metrics
        #expect(metrics.map(\.name) == ["breaker_state", "request_duration_seconds", "requests_total"])
        #expect(metrics[0].gauge.dataPoints[0].asDouble == 1)
        let histogram = metrics[1].histogram.dataPoints[0]
        #expect(histogram.count == 2)
        #expect(histogram.bucketCounts.count == histogram.explicitBounds.count + 1)
        #expect(histogram.bucketCounts.reduce(0, +) == 2)
        #expect(abs(histogram.sum - 0.006) < 1e-12)
        #expect(metrics[2].sum.isMonotonic && metrics[2].sum.aggregationTemporality == .cumulative && metrics[2].sum.dataPoints[0].asInt == 3)
    }
}
