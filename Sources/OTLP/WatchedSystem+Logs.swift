import OTLPProto
import Telemetry

typealias OTLPLogRecord = Opentelemetry_Proto_Logs_V1_LogRecord

extension WatchedSystem {
    /// Keeps the records of an OTLP logs request in ``logs``, each under its sender's service and
    /// with its trace and span ids, so a trace's log pane shows what its services logged.
    ///
    /// - The level comes from the severity number (OpenTelemetry's ranges: 1–4 trace, 5–8 debug,
    ///   9–12 info, 13–16 warning, 17–20 error, 21–24 critical), else from the severity text,
    ///   else info.
    /// - The message is the body as text; the record's attributes, its scope and the sender's
    ///   instance are its metadata.
    /// - The time is the record's `time_unix_nano`, else its `observed_time_unix_nano`, else now.
    ///
    /// A record is refused (and counted in the result, with why) when a trace id is present but
    /// not 16 bytes, a span id present but not 8, or its sender is beyond the service bounds.
    /// All-zero ids are kept as "no trace", as the specification allows.
    public func ingest(_ request: OTLPLogsRequest) -> IngestResult {
        let now = time.now()
        var refusals = Refusals()
        var admitted: [(Sender, [OTLPLogRecord], scope: String)] = []
        state.withLock { state in
            for resourceLogs in request.resourceLogs {
                let sender = Sender(resourceLogs.resource)
                let count = resourceLogs.scopeLogs.reduce(0) { $0 + $1.logRecords.count }
                guard count > 0 else { continue }
                guard admit(sender, now: now, in: &state) else {
                    refusals.note(refusedSenderMessage(sender), count: count)
                    continue
                }
                for scopeLogs in resourceLogs.scopeLogs where !scopeLogs.logRecords.isEmpty {
                    admitted.append((sender, scopeLogs.logRecords, scopeLogs.scope.name))
                }
            }
        }
        var accepted = 0
        for (sender, records, scope) in admitted {
            for record in records {
                if let reason = Self.idRefusal(record) {
                    refusals.note(reason)
                    continue
                }
                var metadata = OTLPValues.texts(record.attributes)
                if !scope.isEmpty { metadata["otel.scope.name"] = scope }
                if sender.instance != sender.service { metadata["service.instance.id"] = sender.instance }
                let time = record.timeUnixNano != 0 ? record.timeUnixNano : record.observedTimeUnixNano
                logs.append(level: Self.level(record), service: sender.service, message: OTLPValues.text(record.body), metadata: metadata,
                            traceID: OTLPValues.traceID(record.traceID), spanID: OTLPValues.spanID(record.spanID),
                            unixNanoseconds: time == 0 ? nil : time)
                accepted += 1
            }
        }
        state.withLock { state in
            state.received.logs += accepted
            state.received.logsRejected += refusals.count
        }
        if let message = refusals.message {
            _ = events.record(source: "otlp", kind: .info, message: "refused \(refusals.count) log records: \(message)")
        }
        return IngestResult(accepted: accepted, rejected: refusals.count, message: refusals.message)
    }

    /// Why a record's ids cannot be read, or nil when they can (absent ids are fine).
    private static func idRefusal(_ record: OTLPLogRecord) -> String? {
        if !record.traceID.isEmpty, record.traceID.count != 16 { return "a log record's trace id is \(record.traceID.count) bytes, not 16 or none" }
        if !record.spanID.isEmpty, record.spanID.count != 8 { return "a log record's span id is \(record.spanID.count) bytes, not 8 or none" }
        return nil
    }

    /// A record's level by OpenTelemetry's severity ranges, or its text when the number is unset.
    static func level(_ record: OTLPLogRecord) -> LogLevel {
        switch record.severityNumber.rawValue {
        case 1...4: return .trace
        case 5...8: return .debug
        case 9...12: return .info
        case 13...16: return .warning
        case 17...20: return .error
        case 21...24: return .critical
        default: break
        }
        switch record.severityText.lowercased() {
        case "trace": return .trace
        case "debug": return .debug
        case "notice": return .notice
        case "warn", "warning": return .warning
        case "error": return .error
        case "fatal", "critical": return .critical
        default: return .info
        }
    }
}
