// What a TraceQuery means, in one place: the TraceStore's indexes and the plain-array reference
// below both answer with these rules.

extension TraceQuery {
    /// The first row of the window for `matching` rows: `offset` kept from leaving empty rows at
    /// the end, then moved as little as possible to include the anchor's row.
    public static func windowStart(offset: Int, limit: Int, matching: Int, anchorIndex: Int?) -> Int {
        guard limit > 0, matching > 0 else { return 0 }
        var first = min(max(0, offset), max(0, matching - limit))
        if let anchorIndex {
            if anchorIndex < first { first = anchorIndex }
            if anchorIndex >= first + limit { first = anchorIndex - limit + 1 }
        }
        return first
    }

    /// The query's filters, prepared once for many traces.
    struct Matcher {
        let errorsOnly: Bool
        /// The text, ASCII letters lowered.
        let text: [UInt8]
        /// The text as hex digits (nibbles) when it is all hex digits, for the id prefix.
        let idPrefix: [UInt8]?
        let services: [String]
        let span: SpanName?

        init(_ query: TraceQuery) {
            errorsOnly = query.errorsOnly
            text = query.text.utf8.map(asciiLowered)
            idPrefix = text.count <= 32 ? hexNibbles(text) : nil
            services = query.services
            span = query.span
        }

        /// True when every filter passes nothing: all traces match.
        var matchesAll: Bool { !errorsOnly && text.isEmpty && services.isEmpty && span == nil }

        /// Whether the spans, as (service, operation) pairs, pass the span filter.
        func matchesSpan(in spans: some Sequence<(service: String, operation: String)>) -> Bool {
            guard let span else { return true }
            return spans.contains { $0.service == span.service && $0.operation == span.operation }
        }

        func matches(id: TraceID, rootService: String, rootOperation: String, services traceServices: some Collection<String>, hasError: Bool) -> Bool {
            if errorsOnly && !hasError { return false }
            for service in services where !traceServices.contains(service) { return false }
            if text.isEmpty { return true }
            if let idPrefix, id.hasHexPrefix(idPrefix) { return true }
            return contains(rootOperation) || contains(rootService) || traceServices.contains { contains($0) }
        }

        /// Whether `haystack` contains the text, ASCII letters in either case; no allocation.
        func contains(_ haystack: String) -> Bool {
            var haystack = haystack
            return haystack.withUTF8 { bytes in
                guard bytes.count >= text.count else { return false }
                return text.withUnsafeBufferPointer { needle in
                    for start in 0...(bytes.count - needle.count) {
                        var index = 0
                        while index < needle.count && asciiLowered(bytes[start + index]) == needle[index] { index += 1 }
                        if index == needle.count { return true }
                    }
                    return false
                }
            }
        }
    }

    /// Whether `a` comes before `b` in this query's order: newest (latest start) first, or
    /// slowest first and equal durations newest first; equal keys latest arrival first.
    static func precedes(order: Order, start a: Int64, duration da: Int64, arrival qa: UInt64,
                         start b: Int64, duration db: Int64, arrival qb: UInt64) -> Bool {
        if order == .slowest && da != db { return da > db }
        if a != b { return a > b }
        return qa > qb
    }

    /// The page this query gives over `summaries`, by filtering and sorting the whole array: the
    /// plain reference for ``TraceStore/page(_:)``, and a source for any list of summaries at hand.
    /// Traces with equal keys keep the order given (the store puts the latest arrival first).
    /// `spans` gives a trace's spans for the ``span`` filter (a summary does not list them): by
    /// default none, so a query with a span filter matches nothing.
    public func page(of summaries: [TraceSummary], spans: (TraceSummary) -> [SpanRecord] = { _ in [] },
                     storedTraces: Int? = nil, droppedTraces: Int = 0) -> TracePage {
        let matcher = Matcher(self)
        let ids = summaries.map { TraceID(hex: $0.traceId) ?? TraceID(high: 0, low: 0) }
        var order = summaries.indices.filter { index in
            let summary = summaries[index]
            return matcher.matches(id: ids[index], rootService: summary.rootService, rootOperation: summary.rootOperation,
                                   services: summary.services, hasError: summary.hasError)
                && (span == nil || matcher.matchesSpan(in: spans(summary).lazy.map { ($0.service, $0.operation) }))
        }
        order.sort { a, b in
            let x = summaries[a], y = summaries[b]
            if self.order == .slowest && x.durationMs != y.durationMs { return x.durationMs > y.durationMs }
            if x.startedAt != y.startedAt { return x.startedAt > y.startedAt }
            return a < b
        }
        let anchorIndex = anchor.flatMap { anchor in order.firstIndex { summaries[$0].traceId == anchor } }
        let first = Self.windowStart(offset: offset, limit: limit, matching: order.count, anchorIndex: anchorIndex)
        let rows = order.dropFirst(first).prefix(max(0, limit)).map { summaries[$0] }
        return TracePage(query: self, offset: first, rows: rows, matching: order.count, anchorIndex: anchorIndex,
                         storedTraces: storedTraces ?? summaries.count, droppedTraces: droppedTraces)
    }
}

extension TraceID {
    /// Whether the id's hex starts with these nibbles (at most 32).
    func hasHexPrefix(_ nibbles: [UInt8]) -> Bool {
        for (position, nibble) in nibbles.enumerated() {
            let word = position < 16 ? high : low
            let shift = UInt64(60 - 4 * (position % 16))
            if UInt8(truncatingIfNeeded: (word >> shift) & 0xF) != nibble { return false }
        }
        return true
    }
}

@inline(__always)
private func asciiLowered(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
}

/// The values of hex digits (lowercase, as lowered text is), or nil when one is not a hex digit.
private func hexNibbles(_ bytes: [UInt8]) -> [UInt8]? {
    var nibbles: [UInt8] = []
    nibbles.reserveCapacity(bytes.count)
    for byte in bytes {
        switch byte {
        case 0x30...0x39: nibbles.append(byte - 0x30)
        case 0x61...0x66: nibbles.append(byte - 0x61 + 10)
        default: return nil
        }
    }
    return nibbles
}
