import Telemetry
import TerminalUI

/// `7` Logs: what the services logged, newest first: time, level (errors red, warnings yellow),
/// service, message, and the trace it was logged in (`Enter` opens it).
enum LogsView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let records = Rows.logs(state)
        let sort = state.sortOrder(.logs)
        let serviceWidth = min(24, max(10, (records.prefix(200).map { DisplayWidth.of($0.service) }.max() ?? 10) + 1))
        // Wide enough, the trace has a column of its own; narrower, it follows the message.
        let traceColumn = area.width >= 100
        var columns = [
            TableColumn(Looks.title("TIME", sortedBy: sort == .oldest, glyphs), .length(14)),
            TableColumn("LEVEL", .length(6)),
            TableColumn("SERVICE", .length(serviceWidth)),
        ]
        if traceColumn { columns.append(TableColumn("TRACE", .length(8))) }
        columns.append(TableColumn("MESSAGE", .fill))
        let list = state.list(.logs)
        let visible = Table(columns: columns, rows: []).visibleRows(height: area.height)
        let first = Table.scrollOffset(selected: records.isEmpty ? nil : list.selectedIndex, offset: list.offset, visibleRows: visible, rowCount: records.count)
        let shown = records.isEmpty ? [] : Array(records[first..<min(records.count, first + visible)])
        let rows: [[Line]] = shown.map { record in
            var row = [
                Line("+" + Format.clockMillis(record.at), .muted),
                Line([Looks.logLevel(record.level)]),
                Line(record.service),
            ]
            if traceColumn { row.append(Line(record.traceId.map { String($0.prefix(8)) } ?? "", .muted)) }
            row.append(message(record, withTrace: !traceColumn))
            return row
        }
        var windowed = state
        windowed.lists[.logs]?.selectedIndex = list.selectedIndex - first
        windowed.lists[.logs]?.offset = 0
        let empty = state.logsMinimumLevel == .trace ? "nothing logged yet"
            : "nothing logged at \(state.logsMinimumLevel.rawValue) or above (l shows more)"
        ListTable.render(windowed, tab: .logs, columns: columns, rows: rows, empty: empty, area: area, into: &buffer)
    }

    /// The message, then (`withTrace`) where it was logged (`trace 4bf92f35`) when in a trace.
    static func message(_ record: LogRecord, withTrace: Bool) -> Line {
        Line([Span(record.message, record.level >= .error ? .error : .plain)]
            + (withTrace ? record.traceId.map { [Span("  trace " + $0.prefix(8), .muted)] } ?? [] : []))
    }

    /// For the tab line: `level ≥ warning  200 shown · 1,204 dropped`.
    static func counts(_ state: DashboardState, glyphs: Glyphs) -> Line {
        var line = Line([])
        if state.logsMinimumLevel != .trace {
            line.append("level \(glyphs.isUnicode ? "≥" : ">=") \(state.logsMinimumLevel.rawValue)", .warn)
            line.append("  ")
        }
        let snapshot = state.snapshot
        var parts = ["\(Format.count(snapshot?.logs.count ?? 0)) recent"]
        if let dropped = snapshot?.dropped.logs, dropped > 0 { parts.append("\(Format.count(dropped)) dropped") }
        line.append(parts.joined(separator: " \(glyphs.dot) "), .muted)
        return line
    }

    /// The trace detail's pane with `L`: the logs of the selected span (or of the whole trace),
    /// oldest first, the newest that fit.
    static func pane(_ state: DashboardState, tree: TraceTree, span: SpanRecord?, height: Int, glyphs: Glyphs) -> [Line] {
        let scope = state.traceLogScope ?? .span
        let spanId = scope == .span ? span?.spanId : nil
        let records = Rows.traceLogs(state, traceId: tree.traceId, spanId: spanId)
        let rule = String(repeating: String(glyphs.rule), count: 2)
        let what = scope == .span ? "logs of span \(span?.operation ?? "")" : "logs of the trace"
        var lines = [Line([Span("\(rule) ", .muted), Span(what, .bold), Span(" \(rule) ", .muted),
                           Span(records.isEmpty ? (state.traceLogRecords?.traceId == tree.traceId ? "none" : "none in the recent logs")
                                    : "\(records.count) record\(records.count == 1 ? "" : "s")", .muted),
                           Span("  (L: \(scope == .span ? "the whole trace" : "attributes"))", .muted)])]
        let shown = records.suffix(max(0, height - 1))
        let serviceWidth = shown.map { DisplayWidth.of($0.service) }.max() ?? 0
        for record in shown {
            var line = Line([Span("+" + Format.clockMillis(record.at) + " ", .muted), Looks.logLevel(record.level), Span(" ")])
            if scope == .trace { line.append(record.service.padding(to: serviceWidth) + " ", .muted) }
            line.append(record.message, record.level >= .error ? .error : .plain)
            lines.append(line)
        }
        return lines
    }
}
