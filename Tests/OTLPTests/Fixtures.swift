@testable import OTLP
import OTLPProto
import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The watch began at this Unix time in every test: spans are stamped relative to it.
let watchStart: UInt64 = 1_700_000_000_000_000_000

func makeSystem(_ configuration: WatchedSystem.Configuration = .init()) -> (WatchedSystem, ManualClock) {
    let clock = ManualClock()
    return (WatchedSystem(time: TimeSource(clock: clock, originUnixNanoseconds: watchStart), configuration: configuration), clock)
}

func traceID(_ value: UInt8) -> Data { Data([UInt8](repeating: 0, count: 15) + [value]) }
func spanID(_ value: UInt8) -> Data { Data([UInt8](repeating: 0, count: 7) + [value]) }

/// A span of `service`, `milliseconds` long, starting `offset` ms after the watch began.
func span(_ trace: UInt8, _ id: UInt8, parent: UInt8? = nil, name: String, kind: Opentelemetry_Proto_Trace_V1_Span.SpanKind = .server,
          offset: UInt64 = 0, milliseconds: UInt64 = 10, error: Bool = false, attributes: [(String, String)] = []) -> Opentelemetry_Proto_Trace_V1_Span {
    .with {
        $0.traceID = traceID(trace)
        $0.spanID = spanID(id)
        if let parent { $0.parentSpanID = spanID(parent) }
        $0.name = name
        $0.kind = kind
        $0.startTimeUnixNano = watchStart + offset * 1_000_000
        $0.endTimeUnixNano = watchStart + (offset + milliseconds) * 1_000_000
        if error { $0.status.code = .error }
        $0.attributes = attributes.map { pair in .with { $0.key = pair.0; $0.value.stringValue = pair.1 } }
    }
}

func resource(_ service: String, instance: String? = nil, extra: [(String, String)] = []) -> Opentelemetry_Proto_Resource_V1_Resource {
    .with {
        var pairs = [("service.name", service)] + extra
        if let instance { pairs.append(("service.instance.id", instance)) }
        $0.attributes = pairs.map { pair in .with { $0.key = pair.0; $0.value.stringValue = pair.1 } }
    }
}

func traceRequest(_ groups: [(Opentelemetry_Proto_Resource_V1_Resource, [Opentelemetry_Proto_Trace_V1_Span])]) -> OTLPTraceRequest {
    .with {
        $0.resourceSpans = groups.map { group in
            .with {
                $0.resource = group.0
                $0.scopeSpans = [.with { $0.scope.name = "test"; $0.spans = group.1 }]
            }
        }
    }
}

/// `bytes` as a gzip body.
func gzipped(_ bytes: [UInt8]) -> [UInt8] { Gzip.deflate(bytes) }
