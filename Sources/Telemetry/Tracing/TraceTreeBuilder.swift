import Tracing

/// Turns a trace's spans into a ``TraceTree``: depth-first, parents before children, siblings by
/// start time; orphans (parent never arrived) under the root.
enum TraceTreeBuilder {
    static func build(traceID: TraceID, spans: [FinishedSpan], time: TimeSource) -> TraceTree? {
        guard !spans.isEmpty else { return nil }
        let ids = Set(spans.map(\.spanID))
        let byStart = spans.sorted { ($0.start, $0.spanID.value) < ($1.start, $1.spanID.value) }
        let root = byStart.first { $0.parentSpanID == nil } ?? byStart[0]
        var children: [SpanID: [FinishedSpan]] = [:]
        var orphans: [FinishedSpan] = []
        for span in byStart where span.spanID != root.spanID {
            if let parent = span.parentSpanID, ids.contains(parent) {
                children[parent, default: []].append(span)
            } else {
                orphans.append(span)
            }
        }
        let traceStart = byStart[0].start
        let traceEnd = spans.map(\.end).max()!
        var records: [SpanRecord] = []
        records.reserveCapacity(spans.count)

        func visit(_ span: FinishedSpan, depth: Int, isOrphan: Bool) {
            records.append(record(span, depth: depth, isOrphan: isOrphan, traceStart: traceStart))
            for child in children[span.spanID] ?? [] { visit(child, depth: depth + 1, isOrphan: false) }
        }
        visit(root, depth: 0, isOrphan: false)
        for orphan in orphans { visit(orphan, depth: 1, isOrphan: true) }

        return TraceTree(traceId: traceID.description, startedAt: Double(time.unixNanoseconds(at: traceStart)) / 1e9,
                         durationMs: (traceEnd - traceStart).milliseconds, spans: records)
    }

    private static func record(_ span: FinishedSpan, depth: Int, isOrphan: Bool, traceStart: Duration) -> SpanRecord {
        SpanRecord(
            spanId: span.spanID.description,
            parentSpanId: span.parentSpanID?.description,
            depth: depth,
            isOrphan: isOrphan,
            service: span.service,
            operation: span.operation,
            kind: SpanKindRecord(span.kind),
            startOffsetMs: (span.start - traceStart).milliseconds,
            durationMs: span.duration.milliseconds,
            status: SpanStatusRecord(span.status),
            attributes: text(span.attributes),
            events: span.events.map { SpanEventRecord(name: $0.name, offsetMs: ($0.at - traceStart).milliseconds, attributes: text($0.attributes)) },
            links: span.links
        )
    }

    static func text(_ attributes: SpanAttributes) -> [String: String] {
        var result: [String: String] = [:]
        attributes.forEach { key, value in result[key] = text(value) }
        return result
    }

    static func text(_ attribute: SpanAttribute) -> String {
        switch attribute {
        case .int32(let v): "\(v)"
        case .int64(let v): "\(v)"
        case .double(let v): "\(v)"
        case .bool(let v): "\(v)"
        case .string(let v): v
        case .int32Array(let v): "\(v)"
        case .int64Array(let v): "\(v)"
        case .doubleArray(let v): "\(v)"
        case .boolArray(let v): "\(v)"
        case .stringArray(let v): "\(v)"
        case .stringConvertible(let v): "\(v)"
        case .stringConvertibleArray(let v): "\(v.map { "\($0)" })"
        default: "\(attribute)"
        }
    }
}

extension SpanKindRecord {
    init(_ kind: SpanKind) {
        switch kind {
        case .server: self = .server
        case .client: self = .client
        case .producer: self = .producer
        case .consumer: self = .consumer
        default: self = .internal
        }
    }
}

extension SpanStatusRecord {
    init(_ status: SpanStatus?) {
        switch status?.code {
        case .ok: self.init(code: .ok, message: status?.message)
        case .error: self.init(code: .error, message: status?.message)
        default: self.init(code: .unset, message: status?.message)
        }
    }
}
