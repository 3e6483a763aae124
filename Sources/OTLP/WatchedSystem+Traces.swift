import OTLPProto
import Telemetry
import Tracing

extension WatchedSystem {
    /// Keeps the spans of an OTLP trace request: into the trace store, the derived request
    /// figures and the calls between services.
    ///
    /// A span is refused (and counted in the result, with why) when its trace id is not 16 bytes
    /// or all zero, its span id not 8 bytes or zero, its parent id neither empty nor 8 bytes, or
    /// its sender is beyond the service bounds. The others are kept.
    public func ingest(_ request: OTLPTraceRequest) -> IngestResult {
        let now = time.now()
        let origin = Int64(truncatingIfNeeded: time.originUnixNanoseconds)
        var spans: [FinishedSpan] = []
        var observations: [Observation] = []
        var refusals = Refusals()
        var senders: [(Sender, Range<Int>)] = []
        for resourceSpans in request.resourceSpans {
            let sender = Sender(resourceSpans.resource)
            let first = spans.count
            let instanceAttribute: SpanAttribute? = sender.resource["service.instance.id"].map { .string($0) }
            for scopeSpans in resourceSpans.scopeSpans {
                let scope = scopeSpans.scope.name
                for span in scopeSpans.spans {
                    switch Self.convert(span, service: sender.service, scope: scope, instance: instanceAttribute, origin: origin) {
                    case .success(let converted):
                        observations.append(Observation(converted, otlp: span))
                        spans.append(converted)
                    case .failure(let reason):
                        refusals.note(reason.reason)
                    }
                }
            }
            senders.append((sender, first..<spans.count))
        }

        // One lock for the request: senders, routes and calls.
        var recordings: [Recording] = []
        var refusedRanges: [Range<Int>] = []
        state.withLock { state in
            for (sender, range) in senders where !range.isEmpty {
                if !admit(sender, now: now, in: &state) {
                    refusedRanges.append(range)
                    refusals.note(refusedSenderMessage(sender), count: range.count)
                }
            }
            for (index, observation) in observations.enumerated() where !refusedRanges.contains(where: { $0.contains(index) }) {
                if observation.countsAsRequest {
                    let route = routeSeries(service: observation.service, route: observation.route, in: &state)
                    recordings.append(Recording(series: route, isError: observation.isError, nanoseconds: observation.nanoseconds))
                    if observation.isRoot {
                        let entry = entrySeries(in: &state)
                        recordings.append(Recording(series: entry, isError: observation.isError, nanoseconds: observation.nanoseconds))
                    }
                }
                for (edge, isError) in state.edges.observe(span: observation.spanID, parent: observation.parentID, service: observation.service,
                                                           isError: observation.isError, topic: observation.topic) {
                    let series = edgeSeries(edge, in: &state)
                    series.calls.increment(by: 1)
                    if isError { series.errors.increment(by: 1) }
                }
            }
            state.received.spans += spans.count - refusedRanges.reduce(0) { $0 + $1.count }
            state.received.spansRejected += refusals.count
        }

        for recording in recordings {
            recording.series.requests.increment(by: 1)
            if recording.isError { recording.series.errors.increment(by: 1) }
            recording.series.duration.recordNanoseconds(recording.nanoseconds)
        }
        var kept = 0
        for (index, span) in spans.enumerated() where !refusedRanges.contains(where: { $0.contains(index) }) {
            traces.add(span)
            kept += 1
        }
        if let message = refusals.message {
            _ = events.record(source: "otlp", kind: .info, message: "refused \(refusals.count) \(refusals.count == 1 ? "span" : "spans"): \(message)")
        }
        return IngestResult(accepted: kept, rejected: refusals.count, message: refusals.message)
    }

    /// What a request's spans add to the derived figures, read off each span before the lock.
    struct Observation {
        var spanID: SpanID
        var parentID: SpanID?
        var service: String
        var route: String
        var isError: Bool
        var isRoot: Bool
        var countsAsRequest: Bool
        var nanoseconds: Int64
        var topic: String?

        init(_ span: FinishedSpan, otlp: OTLPSpan) {
            spanID = span.spanID
            parentID = span.parentSpanID
            service = span.service
            let attributes = span.attributes
            route = Self.text(attributes.get("http.route")) ?? Self.text(attributes.get("messaging.destination.name")) ?? span.operation
            let httpStatus = Self.number(attributes.get("http.response.status_code")) ?? Self.number(attributes.get("http.status_code"))
            // OpenTelemetry's HTTP conventions: a server's 5xx is a failure, its 4xx the client's.
            isError = span.isError || (span.kind == .server && (httpStatus ?? 0) >= 500)
            isRoot = span.parentSpanID == nil
            countsAsRequest = span.kind == .server || span.kind == .consumer
            nanoseconds = span.durationNanoseconds
            topic = span.kind == .consumer ? Self.text(attributes.get("messaging.destination.name")) ?? "" : nil
        }

        private static func text(_ attribute: SpanAttribute?) -> String? {
            guard let attribute, case .string(let text) = attribute, !text.isEmpty else { return nil }
            return text
        }

        private static func number(_ attribute: SpanAttribute?) -> Int64? {
            switch attribute {
            case .int64(let value)?: value
            case .int32(let value)?: Int64(value)
            case .string(let text)?: Int64(text)
            default: nil
            }
        }
    }

    struct Recording {
        var series: RouteSeries
        var isError: Bool
        var nanoseconds: Int64
    }

    /// Why items were refused: the count and the first few distinct reasons.
    struct Refusals {
        var count = 0
        private var reasons: [String] = []

        mutating func note(_ reason: String, count: Int = 1) {
            self.count += count
            if reasons.count < 3, !reasons.contains(reason) { reasons.append(reason) }
        }

        var message: String? { reasons.isEmpty ? nil : reasons.joined(separator: "; ") }
    }

    /// An OTLP span as meshtop stores it, or why it cannot be kept.
    static func convert(_ span: OTLPSpan, service: String, scope: String, instance: SpanAttribute?, origin: Int64) -> Result<FinishedSpan, SpanRefusal> {
        guard let traceID = OTLPValues.traceID(span.traceID) else {
            return .failure(SpanRefusal(span.traceID.count == 16 ? "a trace id is all zero" : "a trace id is \(span.traceID.count) bytes, not 16"))
        }
        guard let spanID = OTLPValues.spanID(span.spanID) else {
            return .failure(SpanRefusal(span.spanID.count == 8 ? "a span id is all zero" : "a span id is \(span.spanID.count) bytes, not 8"))
        }
        let parent: SpanID?
        switch span.parentSpanID.count {
        case 0: parent = nil
        case 8: parent = OTLPValues.spanID(span.parentSpanID)
        default: return .failure(SpanRefusal("a parent span id is \(span.parentSpanID.count) bytes, not 8 or none"))
        }
        let start = Int64(truncatingIfNeeded: span.startTimeUnixNano) &- origin
        // An end before the start (a sender's clock stepped back) keeps the span, with no duration.
        let end = max(start, Int64(truncatingIfNeeded: span.endTimeUnixNano) &- origin)
        var attributes = SpanAttributes([String: SpanAttribute](minimumCapacity: span.attributes.count + 2))
        for attribute in span.attributes { attributes[attribute.key] = OTLPValues.attribute(attribute.value) }
        if !scope.isEmpty { attributes["otel.scope.name"] = SpanAttribute.string(scope) }
        if let instance { attributes["service.instance.id"] = instance }
        let status: SpanStatus? = switch span.status.code {
        case .ok: SpanStatus(code: .ok, message: span.status.message.isEmpty ? nil : span.status.message)
        case .error: SpanStatus(code: .error, message: span.status.message.isEmpty ? nil : span.status.message)
        default: nil
        }
        let events = span.events.map { event in
            var eventAttributes = SpanAttributes()
            for attribute in event.attributes { eventAttributes[attribute.key] = OTLPValues.attribute(attribute.value) }
            return FinishedSpan.Event(name: event.name, at: .nanoseconds(Int64(truncatingIfNeeded: event.timeUnixNano) &- origin), attributes: eventAttributes)
        }
        let links = span.links.compactMap { link -> String? in
            guard let trace = OTLPValues.traceID(link.traceID), let linked = OTLPValues.spanID(link.spanID) else { return nil }
            return "\(trace):\(linked)"
        }
        return .success(FinishedSpan(traceID: traceID, spanID: spanID, parentSpanID: parent, service: service, operation: span.name,
                                     kind: kind(span.kind), startNanoseconds: start, endNanoseconds: end, status: status,
                                     attributes: attributes, events: events, links: links))
    }

    struct SpanRefusal: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func kind(_ kind: OTLPSpan.SpanKind) -> SpanKind {
        switch kind {
        case .server: .server
        case .client: .client
        case .producer: .producer
        case .consumer: .consumer
        default: .internal
        }
    }

    // MARK: Series

    func routeSeries(service: String, route: String, in state: inout State) -> RouteSeries {
        var key = RouteKey(service: service, route: route)
        if let series = state.routes[key] { return series }
        if state.routeCounts[service, default: 0] >= configuration.maxRoutesPerService {
            key.route = Self.otherRoute
            if let series = state.routes[key] { return series }
        } else {
            state.routeCounts[service, default: 0] += 1
        }
        let dimensions = [("service", key.service), ("route", key.route)]
        let series = RouteSeries(requests: counter(Labels.requests, dimensions), errors: counter(Labels.errors, dimensions),
                                 duration: timer(Labels.duration, dimensions))
        state.routes[key] = series
        return series
    }

    func entrySeries(in state: inout State) -> RouteSeries {
        if let entry = state.entry { return entry }
        let entry = RouteSeries(requests: counter(Labels.entryRequests, []), errors: counter(Labels.entryErrors, []),
                                duration: timer(Labels.entryDuration, []))
        state.entry = entry
        return entry
    }

    func edgeSeries(_ edge: EdgeJoiner.Edge, in state: inout State) -> EdgeSeries {
        if let series = state.edgeSeries[edge] { return series }
        var dimensions = [("caller", edge.caller), ("target", edge.target)]
        let series: EdgeSeries
        if let topic = edge.topic {
            dimensions.append(("topic", topic))
            series = EdgeSeries(calls: counter(Labels.messages, dimensions), errors: counter(Labels.messageErrors, dimensions))
        } else {
            series = EdgeSeries(calls: counter(Labels.calls, dimensions), errors: counter(Labels.callErrors, dimensions))
        }
        state.edgeSeries[edge] = series
        return series
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> CounterSeries {
        factory.makeCounter(label: label, dimensions: dimensions) as! CounterSeries
    }

    func timer(_ label: String, _ dimensions: [(String, String)]) -> HistogramSeries {
        factory.makeTimer(label: label, dimensions: dimensions) as! HistogramSeries
    }
}
