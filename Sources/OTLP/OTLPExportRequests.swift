import OTLPProto
import Telemetry
import Tracing

/// meshtop's own telemetry as OTLP requests: finished spans grouped by service (one resource
/// each), and the metrics store's series as of now.
public struct OTLPExportRequests: Sendable {
    /// Resource attributes every request carries besides `service.name` (`service.namespace`,
    /// `service.instance.id`, …), sorted by key.
    public var resource: [(String, String)]
    public let time: TimeSource
    /// The instrumentation scope of every span and metric.
    public var scopeName = "meshtop"

    public init(time: TimeSource, resource: [(String, String)] = []) {
        self.time = time
        self.resource = resource.sorted { $0.0 < $1.0 }
    }

    /// `spans` as one request: a `ResourceSpans` per service, in the order services first appear.
    public func traces(_ spans: [FinishedSpan]) -> OTLPTraceRequest {
        let origin = time.originUnixNanoseconds
        var order: [String] = []
        var byService: [String: [OTLPSpan]] = [:]
        for span in spans {
            if byService[span.service] == nil { order.append(span.service) }
            byService[span.service, default: []].append(otlpSpan(span, origin: origin))
        }
        return OTLPTraceRequest.with { request in
            request.resourceSpans = order.map { service in
                Opentelemetry_Proto_Trace_V1_ResourceSpans.with {
                    $0.resource = otlpResource(service: service)
                    $0.scopeSpans = [Opentelemetry_Proto_Trace_V1_ScopeSpans.with {
                        $0.scope.name = scopeName
                        $0.spans = byService[service]!
                    }]
                }
            }
        }
    }

    private func otlpSpan(_ span: FinishedSpan, origin: UInt64) -> OTLPSpan {
        func unix(_ nanoseconds: Int64) -> UInt64 { UInt64(clamping: Int64(clamping: origin) &+ nanoseconds) }
        return OTLPSpan.with {
            $0.traceID = OTLPValues.bytes(span.traceID)
            $0.spanID = OTLPValues.bytes(span.spanID)
            if let parent = span.parentSpanID { $0.parentSpanID = OTLPValues.bytes(parent) }
            $0.name = span.operation
            $0.kind = Self.kind(span.kind)
            $0.startTimeUnixNano = unix(span.startNanoseconds)
            $0.endTimeUnixNano = unix(span.endNanoseconds)
            $0.attributes = OTLPValues.keyValues(span.attributes)
            $0.events = span.events.map { event in
                OTLPSpan.Event.with {
                    $0.name = event.name
                    $0.timeUnixNano = unix(event.at.nanoseconds)
                    $0.attributes = OTLPValues.keyValues(event.attributes)
                }
            }
            $0.links = span.links.compactMap { text in
                let parts = text.split(separator: ":")
                guard parts.count == 2, let trace = TraceID(hex: parts[0]), let linked = SpanID(hex: parts[1]) else { return nil }
                return OTLPSpan.Link.with {
                    $0.traceID = OTLPValues.bytes(trace)
                    $0.spanID = OTLPValues.bytes(linked)
                }
            }
            if let code = span.statusCode {
                $0.status.code = code == .error ? .error : .ok
                if let message = span.statusMessage { $0.status.message = message }
            }
        }
    }

    static func kind(_ kind: SpanKind) -> OTLPSpan.SpanKind {
        switch kind {
        case .server: .server
        case .client: .client
        case .producer: .producer
        case .consumer: .consumer
        default: .internal
        }
    }

    private func otlpResource(service: String) -> OTLPResource {
        OTLPResource.with {
            $0.attributes = OTLPValues.keyValues([("service.name", service)] + resource.filter { $0.0 != "service.name" })
        }
    }

    /// Every series of `store` as one request: counters as cumulative monotonic sums, gauges as
    /// gauges, histograms as cumulative histograms with their buckets, under a resource named
    /// `service` (the system: its series carry their service as a dimension).
    public func metrics(_ store: MetricsStore, service: String) -> OTLPMetricsRequest {
        let now = time.unixNanoseconds()
        let start = time.originUnixNanoseconds
        let metrics = store.allSeries().map { series -> OTLPMetric in
            let key = series.key
            let attributes = OTLPValues.keyValues(key.pairs)
            return OTLPMetric.with { metric in
                metric.name = key.label
                switch series {
                case .counter(let counter):
                    metric.sum = Self.sum(attributes, start: start, now: now) { $0.asInt = counter.value }
                case .floatingCounter(let counter):
                    metric.sum = Self.sum(attributes, start: start, now: now) { $0.asDouble = counter.value }
                case .gauge(let gauge):
                    metric.gauge.dataPoints = [OTLPNumberPoint.with {
                        $0.attributes = attributes
                        $0.timeUnixNano = now
                        $0.asDouble = gauge.value
                    }]
                case .histogram(let histogram):
                    let totals = histogram.exportTotals()
                    let scale = histogram.unit == .nanoseconds ? 1e-9 : 1
                    metric.unit = histogram.unit == .nanoseconds ? "s" : ""
                    metric.histogram.aggregationTemporality = .cumulative
                    metric.histogram.dataPoints = [Opentelemetry_Proto_Metrics_V1_HistogramDataPoint.with {
                        $0.attributes = attributes
                        $0.startTimeUnixNano = start
                        $0.timeUnixNano = now
                        $0.count = totals.count
                        $0.sum = Double(totals.sum) * scale
                        $0.explicitBounds = histogram.bucketBounds
                        // OTLP counts each bucket apart (the last above every bound); ours are cumulative.
                        var previous: UInt64 = 0
                        $0.bucketCounts = totals.cumulativeBuckets.map { cumulative in
                            defer { previous = cumulative }
                            return cumulative - previous
                        }
                    }]
                }
            }
        }
        return OTLPMetricsRequest.with { request in
            request.resourceMetrics = [Opentelemetry_Proto_Metrics_V1_ResourceMetrics.with {
                $0.resource = otlpResource(service: service)
                $0.scopeMetrics = [Opentelemetry_Proto_Metrics_V1_ScopeMetrics.with {
                    $0.scope.name = scopeName
                    $0.metrics = metrics
                }]
            }]
        }
    }

    private static func sum(_ attributes: [OTLPKeyValue], start: UInt64, now: UInt64, value: (inout OTLPNumberPoint) -> Void) -> Opentelemetry_Proto_Metrics_V1_Sum {
        Opentelemetry_Proto_Metrics_V1_Sum.with {
            $0.aggregationTemporality = .cumulative
            $0.isMonotonic = true
            $0.dataPoints = [OTLPNumberPoint.with {
                $0.attributes = attributes
                $0.startTimeUnixNano = start
                $0.timeUnixNano = now
                value(&$0)
            }]
        }
    }
}
