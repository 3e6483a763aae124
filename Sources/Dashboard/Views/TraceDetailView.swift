import Telemetry
import TerminalUI

/// `Enter` on a trace: the span tree with a waterfall on the trace's time axis, and the
/// selected span's status, attributes and events in a pane below.
enum TraceDetailView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        guard case .trace(let id, let load) = state.detail else { return }
        let parts = DashboardLayout.traceAreas(body: area)
        let detail: LoadedTrace
        switch load {
        case .loaded(let loaded):
            detail = loaded
        case .loading where !id.isEmpty:
            buffer.write("loading trace \(id)", x: area.x, y: area.y, style: .muted, clip: area)
            return
        case .loading, .notStored:
            let text = id.isEmpty ? "no trace stored yet" : "trace \(id) is no longer stored (evicted from the trace store)"
            buffer.write(text, x: area.x, y: area.y, style: id.isEmpty ? .muted : .warn, clip: area)
            return
        }
        let tree = detail.tree
        let outline = TraceOutline(tree: tree)
        let selfTimes = TraceAnalysis.selfTimes(tree, outline: outline)
        let critical = state.showsCriticalPath ? Set(TraceAnalysis.criticalPath(tree, outline: outline)) : []
        var extra = Line([])
        if state.markedTrace?.traceId == tree.traceId { extra.append("   marked", Style(.accent, .bold)) }
        if state.showsCriticalPath { extra.append("   \(criticalMark(glyphs)) critical path: \(critical.count) spans", Style(.warn, .bold)) }
        renderTitle(tree, glyphs: glyphs, extra: extra, area: parts.title, into: &buffer)

        if detail.showsSpanDetails, let index = tree.spans.firstIndex(where: { $0.spanId == detail.selectedSpanID }) {
            let body = area.split(.vertical, [.length(1), .fill])[1]
            let lines = SpanDetailsView.lines(tree.spans[index], selfMs: selfTimes[index], isCritical: critical.contains(index), glyphs: glyphs)
            Document.render(lines, offset: state.detailOffset, area: body, into: &buffer)
            return
        }

        let visible = outline.visibleIndices(collapsed: detail.collapsed)
        // The critical path's mark column only while it is shown; self time where the waterfall
        // keeps room (narrower, the pane below says it).
        let showsMark = state.showsCriticalPath
        let showsSelf = parts.table.width >= 90
        var constraints: [Constraint] = [.length(max(20, parts.table.width * 30 / 100)), .length(Looks.serviceColumnWidth(tree.spans.map(\.service))), .length(9)]
        var columns = [TableColumn("SPAN", constraints[0]), TableColumn("SERVICE", constraints[1]), TableColumn("DURATION", constraints[2], .right)]
        if showsSelf {
            constraints.append(.length(9))
            columns.append(TableColumn("SELF", .length(9), .right))
        }
        if showsMark {
            constraints.insert(.length(1), at: 0)
            columns.insert(TableColumn("", .length(1)), at: 0)
        }
        constraints.append(.fill)
        let barWidth = max(0, (parts.table.split(.horizontal, constraints, spacing: 1).last?.width ?? 0) - 1)
        columns.append(TableColumn(" " + axis(totalMs: tree.durationMs, width: barWidth, glyphs: glyphs), .fill))
        let rowsShown = max(0, parts.table.height - 1)
        let selected = visible.firstIndex { tree.spans[$0].spanId == detail.selectedSpanID }
        let first = Table.scrollOffset(selected: selected, offset: detail.offset, visibleRows: rowsShown, rowCount: visible.count)
        let window = visible[first..<min(visible.count, first + rowsShown)]
        let rows: [[Line]] = window.map { index in
            let span = tree.spans[index]
            let item = TreeItem(depth: span.depth, hasChildren: outline.hasChildren[index], isExpanded: !detail.collapsed.contains(span.spanId), isLastSibling: outline.isLastSibling[index], label: "")
            let isError = span.status.isError
            let isCritical = critical.contains(index)
            let (column, bar) = Waterfall.bar(startMs: span.startOffsetMs, durationMs: span.durationMs, totalMs: tree.durationMs, width: barWidth, glyphs: glyphs)
            let barStyle: Style = isError ? .error : isCritical ? Style(.warn, .bold) : critical.isEmpty ? .accent : .muted
            var barLine = Line([Span(String(repeating: " ", count: column + 1)), Span(bar, barStyle)])
            if isError {
                barLine.append(" \(glyphs.errorMark)" + (errorCode(span).map { " " + $0 } ?? ""), Style(.error, .bold))
            }
            var cells = [
                Line([Span(Tree.prefix(for: item, glyphs: glyphs), .muted), Span(span.operation, isError ? .error : .plain)]),
                Line(span.service),
                Line(Format.preciseMs(span.durationMs)),
            ]
            if showsSelf { cells.append(Line(Format.preciseMs(selfTimes[index]), .muted)) }
            if showsMark { cells.insert(isCritical ? Line(criticalMark(glyphs), Style(.warn, .bold)) : Line(""), at: 0) }
            return cells + [barLine]
        }
        let table = Table(columns: columns, rows: rows, selected: selected.map { $0 - first })
        buffer.render(table, in: parts.table)

        let selectedSpan = detail.selectedSpanID.flatMap { id in tree.spans.firstIndex { $0.spanId == id } }
        if state.traceLogScope != nil {
            let lines = LogsView.pane(state, tree: tree, span: selectedSpan.map { tree.spans[$0] }, height: parts.pane.height, glyphs: glyphs)
            buffer.render(TextBlock(lines, wrap: false), in: parts.pane)
        } else if let index = selectedSpan {
            buffer.render(TextBlock(pane(for: tree.spans[index], selfMs: selfTimes[index], glyphs: glyphs)), in: parts.pane)
        }
    }

    /// The title line; `extra` (marked, the critical path) follows the status.
    static func renderTitle(_ tree: TraceTree, glyphs: Glyphs, extra: Line = Line([]), area: Rect, into buffer: inout Buffer) {
        let root = tree.spans.first
        let errors = tree.spans.filter(\.status.isError).count
        var line = Line([Span("trace ", .muted), Span(tree.traceId, Style(.accent, .bold))])
        if let root { line.append("   " + root.operation, .bold) }
        line.append("   " + Format.ms(tree.durationMs))
        line.append("   \(tree.spans.count) spans", .muted)
        if errors > 0 {
            line.append("   \(glyphs.errorMark) error" + (errors > 1 ? " (\(errors) spans)" : ""), Style(.error, .bold))
        } else {
            line.append("   ok", .ok)
        }
        for span in extra.spans { line.append(span.text, span.style) }
        buffer.write(line, x: area.x, y: area.y, clip: area)
    }

    /// Marks a span on the critical path.
    static func criticalMark(_ glyphs: Glyphs) -> String { glyphs.isUnicode ? "◆" : "*" }

    /// `|0ms      92ms      184ms|` exactly `width` columns (shorter forms when narrow).
    static func axis(totalMs: Double, width: Int, glyphs: Glyphs) -> String {
        guard width > 0 else { return "" }
        let left = "|0ms"
        let right = Format.ms(totalMs) + "|"
        let middle = Format.ms(totalMs / 2)
        let used = left.count + right.count
        if width >= used + middle.count + 2 {
            let space = width - used - middle.count
            return left + String(repeating: " ", count: space / 2) + middle + String(repeating: " ", count: space - space / 2) + right
        }
        if width >= used + 1 { return left + String(repeating: " ", count: width - used) + right }
        return DisplayWidth.truncate(right, to: width)
    }

    /// A short code for an error span's bar: the HTTP status when recorded, else nothing.
    static func errorCode(_ span: SpanRecord) -> String? {
        span.attributes["http.response.status_code"] ?? span.attributes["http.status_code"]
    }

    /// The selected span's pane: status, service, kind, attributes (sorted), events, links.
    static func pane(for span: SpanRecord, selfMs: Double? = nil, glyphs: Glyphs) -> [Line] {
        let rule = String(repeating: String(glyphs.rule), count: 2)
        let dot = " \(glyphs.dot) "
        var line = Line([Span("\(rule) ", .muted), Span(span.operation, .bold), Span(" \(rule) ", .muted)])
        line.append("status ", .muted)
        switch span.status.code {
        case .error: line.append("error" + (span.status.message.map { ": \($0)" } ?? ""), Style(.error, .bold))
        case .ok: line.append("ok", .ok)
        case .unset: line.append("unset", .plain)
        }
        line.append(dot + "service ", .muted); line.append(span.service)
        line.append(dot + "kind ", .muted); line.append(span.kind.rawValue)
        line.append(dot + "start ", .muted); line.append(Format.preciseMs(span.startOffsetMs))
        if let selfMs { line.append(dot + "self ", .muted); line.append(Format.preciseMs(selfMs)) }
        if span.isOrphan { line.append(dot + "orphan (parent never arrived)", .warn) }
        for key in span.attributes.keys.sorted() {
            line.append(dot, .muted)
            line.append(key + "=", .muted)
            line.append(span.attributes[key] ?? "")
        }
        var lines = [line]
        for event in span.events {
            var eventLine = Line([Span("  event ", .muted), Span(event.name, .accent), Span(" @ " + Format.preciseMs(event.offsetMs), .muted)])
            for key in event.attributes.keys.sorted() {
                eventLine.append("  \(key)=", .muted)
                eventLine.append(event.attributes[key] ?? "")
            }
            lines.append(eventLine)
        }
        if !span.links.isEmpty {
            lines.append(Line([Span("  links ", .muted), Span(span.links.joined(separator: ", "))]))
        }
        return lines
    }
}
