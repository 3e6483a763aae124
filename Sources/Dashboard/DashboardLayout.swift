import TerminalUI

/// The screen's fixed layout, shared by the views and by `update` (which must know how many
/// rows a page is): header, tab line, body, hint bar.
public enum DashboardLayout {
    public static let minimumWidth = 60
    public static let minimumHeight = 15

    struct Areas {
        var header: Rect
        var tabs: Rect
        var body: Rect
        var hints: Rect
    }

    static func areas(width: Int, height: Int) -> Areas {
        let parts = Rect(x: 0, y: 0, width: width, height: height).split(.vertical, [.length(1), .length(1), .fill, .length(1)])
        return Areas(header: parts[0], tabs: parts[1], body: parts[2], hints: parts[3])
    }

    /// Data rows visible in a list view (the body minus the table header).
    static func listRows(height: Int) -> Int {
        max(1, height - 4)
    }

    /// The trace detail's parts: title line, span table (header + rows), selected-span pane.
    static func traceAreas(body: Rect) -> (title: Rect, table: Rect, pane: Rect) {
        let paneHeight = min(8, max(3, body.height / 4))
        let parts = body.split(.vertical, [.length(1), .fill, .length(paneHeight)])
        return (parts[0], parts[1], parts[2])
    }

    /// Span rows visible in the trace detail.
    static func traceRows(height: Int) -> Int {
        max(1, traceAreas(body: areas(width: 1, height: height).body).table.height - 1)
    }

    /// Lines visible in a scrolling document (service and breaker detail, help).
    static func documentRows(height: Int) -> Int {
        max(1, areas(width: 1, height: height).body.height)
    }
}
