@testable import OTLP
import OTLPProto
import Telemetry
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("WatchedSystem logs")
struct LogsIngestTests {
    private func request(_ service: String, instance: String? = nil, _ records: [Opentelemetry_Proto_Logs_V1_LogRecord]) -> OTLPLogsRequest {
        .with {
            $0.resourceLogs = [.with {
                $0.resource = resource(service, instance: instance)
                $0.scopeLogs = [.with {
                    $0.scope.name = "app"
                    $0.logRecords = records
                }]
            }]
        }
    }

    private func record(_ message: String, severity: Int = 0, text: String = "", trace: UInt8? = nil, span: UInt8? = nil,
                        atMillisecond: UInt64? = nil, attributes: [(String, String)] = []) -> Opentelemetry_Proto_Logs_V1_LogRecord {
        .with {
            $0.body.stringValue = message
            $0.severityNumber = Opentelemetry_Proto_Logs_V1_SeverityNumber(rawValue: severity) ?? .unspecified
            $0.severityText = text
            if let trace { $0.traceID = traceID(trace) }
            if let span { $0.spanID = spanID(span) }
            if let atMillisecond { $0.timeUnixNano = watchStart + atMillisecond * 1_000_000 }
            $0.attributes = attributes.map { pair in .with { $0.key = pair.0; $0.value.stringValue = pair.1 } }
        }
    }

    @Test("a record keeps its service, trace and span, time, attributes, scope and instance")
    func keepsARecord() throws {
        let (system, _) = makeSystem()
        let result = system.ingest(request("payments", instance: "payments-1", [
            record("card declined", severity: 17, trace: 9, span: 5, atMillisecond: 1_500, attributes: [("order", "42")]),
        ]))
        #expect(result == WatchedSystem.IngestResult(accepted: 1, rejected: 0, message: nil))
        let stored = try #require(system.logs.records(traceId: "00000000000000000000000000000009").first)
        #expect(stored.service == "payments")
        #expect(stored.message == "card declined")
        #expect(stored.level == .error)
        #expect(stored.spanId == "0000000000000005")
        #expect(stored.at == 1.5)
        #expect(stored.metadata == ["order": "42", "otel.scope.name": "app", "service.instance.id": "payments-1"])
        #expect(system.snapshot().logs.map(\.message) == ["card declined"])
        #expect(system.snapshot().services.map(\.name) == ["payments"], "a service that only logs is still a service")
    }

    @Test("levels follow OpenTelemetry's severity ranges, then the severity text, else info", arguments: [
        (1, "", LogLevel.trace), (4, "", .trace), (5, "", .debug), (9, "", .info), (12, "", .info), (13, "", .warning),
        (17, "", .error), (21, "", .critical), (24, "", .critical), (0, "WARN", .warning), (0, "fatal", .critical),
        (0, "Notice", .notice), (0, "", .info), (0, "loud", .info),
    ] as [(Int, String, LogLevel)])
    func levels(severity: Int, text: String, level: LogLevel) {
        #expect(WatchedSystem.level(record("x", severity: severity, text: text)) == level)
    }

    @Test("ids of the wrong length are refused and named; all-zero ids are no trace; the rest of the request is kept")
    func badIDs() {
        let (system, _) = makeSystem()
        var wrongTrace = record("a")
        wrongTrace.traceID = Data([1, 2, 3])
        var wrongSpan = record("b")
        wrongSpan.spanID = Data([1])
        var zero = record("c")
        zero.traceID = Data(count: 16)
        let result = system.ingest(request("svc", [wrongTrace, wrongSpan, zero, record("d")]))
        #expect(result.accepted == 2 && result.rejected == 2)
        #expect(result.message == "a log record's trace id is 3 bytes, not 16 or none; a log record's span id is 1 bytes, not 8 or none")
        #expect(system.logs.recent().map(\.message) == ["d", "c"])
        #expect(system.logs.recent().allSatisfy { $0.traceId == nil })
        #expect(system.snapshot().dropped.logs == 2)
    }

    @Test("a sender beyond the service bound is refused whole; the store's bound drops the oldest and counts them")
    func bounds() {
        let (system, _) = makeSystem(.init(maxServices: 1, logCapacity: 3))
        _ = system.ingest(request("one", (1...5).map { record("m\($0)") }))
        let refused = system.ingest(request("two", [record("x"), record("y")]))
        #expect(refused.accepted == 0 && refused.rejected == 2)
        #expect(system.logs.recent().map(\.message) == ["m5", "m4", "m3"])
        #expect(system.snapshot().dropped.logs == 2 + 2)
    }
}
