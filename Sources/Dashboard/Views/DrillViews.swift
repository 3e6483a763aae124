import Telemetry
import TerminalUI

/// `Enter` on a route in a service's detail: the route's slowest stored traces, a page of the
/// trace store (``DashboardState/routeTraces``).
enum RouteTracesView {
    static func render(_ state: DashboardState, service: String, route: String, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let parts = area.split(.vertical, [.length(1), .fill])
        let page = state.routeTraces.flatMap { $0.query == state.routeTracesQuery ? $0 : nil }
        var title = Line([Span(route, Style(.plain, .bold)), Span(" on ", .muted), Span(service, .bold)])
        if let latency = state.snapshot?.routes.first(where: { $0.service == service && $0.route == route })?.latency {
            title.append("   p99 ", .muted)
            title.append(Format.ms(latency.p99Ms))
        }
        if let page { title.append("   \(Format.count(page.matching)) of \(Format.count(page.storedTraces)) stored traces", .muted) }
        buffer.write(title, x: parts[0].x, y: parts[0].y, clip: parts[0])
        let now = state.snapshot?.takenAt ?? 0
        let columns = [
            TableColumn("DURATION" + (glyphs.isUnicode ? " ▼" : " v"), .length(11), .right),
            TableColumn("TRACE", .length(8)),
            TableColumn("OPERATION", .fill),
            TableColumn("SPANS", .length(5), .right),
            TableColumn("AGE", .length(7), .right),
            TableColumn("", .length(8)),
        ]
        let rows: [[Line]] = (page?.rows ?? []).map { trace in
            [
                Line(Format.ms(trace.durationMs)),
                Line(String(trace.traceId.prefix(8)), .muted),
                Line(trace.rootOperation),
                Line(String(trace.spanCount)),
                Line(Format.age(now - trace.startedAt), .muted),
                trace.hasError ? Line("\(glyphs.errorMark) error", .error) : Line(""),
            ]
        }
        guard let page, !rows.isEmpty else {
            buffer.write(page == nil ? "loading traces" : "no stored trace went through this route", x: parts[1].x, y: parts[1].y, style: .muted, clip: parts[1])
            return
        }
        buffer.render(Table(columns: columns, rows: rows, selected: state.detailSelection - page.offset), in: parts[1])
    }
}

/// `C` in a trace with another of the same operation marked: the two side by side, span by span,
/// biggest difference first.
enum ComparisonView {
    static func render(_ state: DashboardState, marked: TraceTree, other: TraceTree, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        Document.render(lines(marked: marked, other: other, glyphs: glyphs, width: area.width), offset: state.detailOffset, area: area, into: &buffer)
    }

    static func lines(marked: TraceTree, other: TraceTree, glyphs: Glyphs, width: Int) -> [Line] {
        let rows = TraceAnalysis.compare(marked, other)
        let delta = other.durationMs - marked.durationMs
        var lines: [Line] = [
            Line([Span("A ", .muted), Span(String(marked.traceId.prefix(8)), Style(.accent, .bold)), Span(" (marked)  ", .muted),
                  Span(Format.ms(marked.durationMs)), Span("   B ", .muted), Span(String(other.traceId.prefix(8)), Style(.accent, .bold)),
                  Span("  "), Span(Format.ms(other.durationMs)), Span("   B-A ", .muted), Span(signed(delta), delta > 0 ? .error : .ok),
                  Span("   " + (marked.spans.first?.operation ?? ""), .bold)]),
            "",
            Document.heading("SPANS, BIGGEST DIFFERENCE FIRST"),
        ]
        let serviceWidth = Looks.serviceColumnWidth(rows.map(\.service))
        let spanWidth = max(16, min(40, width - serviceWidth - 44))
        lines.append(Document.row([(Span("SERVICE", .muted), serviceWidth, .left), (Span("SPAN", .muted), spanWidth, .left),
                                   (Span("A", .muted), 9, .right), (Span("B", .muted), 9, .right), (Span("B-A", .muted), 10, .right)]))
        for row in rows {
            let name = row.operation + (row.occurrence > 0 ? " #\(row.occurrence + 1)" : "")
            let change: Span
            if row.baseMs == nil { change = Span("only in B", .warn) } else if row.otherMs == nil { change = Span("only in A", .warn) } else {
                change = Span(signed(row.deltaMs), row.deltaMs > 0 ? .error : row.deltaMs < 0 ? .ok : .muted)
            }
            lines.append(Document.row([
                (Span(row.service), serviceWidth, .left), (Span(DisplayWidth.truncate(name, to: spanWidth, ellipsis: glyphs.ellipsis)), spanWidth, .left),
                (Span(row.baseMs.map(Format.preciseMs) ?? "-"), 9, .right), (Span(row.otherMs.map(Format.preciseMs) ?? "-"), 9, .right),
                (change, 10, .right),
            ]))
        }
        return lines
    }

    /// `+12.5ms`, `-3.0ms`.
    static func signed(_ ms: Double) -> String {
        (ms >= 0 ? "+" : "-") + Format.preciseMs(abs(ms))
    }
}

/// `Enter` on a span: everything it recorded, one item a line (the pane below the tree shows
/// the start of it).
enum SpanDetailsView {
    static func lines(_ span: SpanRecord, selfMs: Double?, isCritical: Bool, glyphs: Glyphs) -> [Line] {
        var lines: [Line] = [Line([Span(span.operation, Style(.plain, .bold)), Span("   " + span.service, .muted), Span("   " + span.kind.rawValue, .muted)])]
        var status = Line([Span("status    ", .muted)])
        switch span.status.code {
        case .error: status.append("error" + (span.status.message.map { ": \($0)" } ?? ""), Style(.error, .bold))
        case .ok: status.append("ok", .ok)
        case .unset: status.append("unset")
        }
        lines.append(status)
        var timing = Line([Span("start     ", .muted), Span(Format.preciseMs(span.startOffsetMs)), Span("   duration ", .muted), Span(Format.preciseMs(span.durationMs))])
        if let selfMs { timing.append("   self ", .muted); timing.append(Format.preciseMs(selfMs)) }
        if isCritical { timing.append("   on the critical path", .warn) }
        lines.append(timing)
        lines.append(Line([Span("span id   ", .muted), Span(span.spanId), Span("   parent ", .muted), Span(span.parentSpanId ?? "-")]))
        if span.isOrphan { lines.append(Line("orphan: its parent never arrived", .warn)) }
        lines.append("")
        lines.append(Document.heading("ATTRIBUTES (\(span.attributes.count))"))
        for key in span.attributes.keys.sorted() {
            lines.append(Line([Span("  " + key + " = ", .muted), Span(span.attributes[key] ?? "")]))
        }
        if span.attributes.isEmpty { lines.append(Line("  none", .muted)) }
        lines.append("")
        lines.append(Document.heading("EVENTS (\(span.events.count))"))
        for event in span.events {
            lines.append(Line([Span("  @ " + Format.preciseMs(event.offsetMs) + "  ", .muted), Span(event.name, .accent)]))
            for key in event.attributes.keys.sorted() {
                lines.append(Line([Span("      " + key + " = ", .muted), Span(event.attributes[key] ?? "")]))
            }
        }
        if span.events.isEmpty { lines.append(Line("  none", .muted)) }
        lines.append("")
        lines.append(Document.heading("LINKS (\(span.links.count))"))
        for link in span.links { lines.append(Line("  " + link)) }
        if span.links.isEmpty { lines.append(Line("  none", .muted)) }
        return lines
    }
}
