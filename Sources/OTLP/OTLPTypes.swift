import OTLPProto

// Short names for the generated messages this module reads and writes.
public typealias OTLPTraceRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
public typealias OTLPTraceResponse = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse
public typealias OTLPMetricsRequest = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest
public typealias OTLPMetricsResponse = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceResponse
public typealias OTLPLogsRequest = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest
public typealias OTLPLogsResponse = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse
typealias OTLPSpan = Opentelemetry_Proto_Trace_V1_Span
typealias OTLPKeyValue = Opentelemetry_Proto_Common_V1_KeyValue
typealias OTLPAnyValue = Opentelemetry_Proto_Common_V1_AnyValue
typealias OTLPResource = Opentelemetry_Proto_Resource_V1_Resource
typealias OTLPMetric = Opentelemetry_Proto_Metrics_V1_Metric
typealias OTLPNumberPoint = Opentelemetry_Proto_Metrics_V1_NumberDataPoint

/// The three signals OTLP/HTTP carries, each on its own path.
public enum OTLPSignal: String, Sendable, CaseIterable {
    case traces, metrics, logs

    /// The default URL path: `/v1/traces`, `/v1/metrics`, `/v1/logs`.
    public var path: String { "/v1/\(rawValue)" }

    /// What one item of the signal is called, for messages: span, data point, log record.
    var itemName: String {
        switch self {
        case .traces: "span"
        case .metrics: "data point"
        case .logs: "log record"
        }
    }
}
