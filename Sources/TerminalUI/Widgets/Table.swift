/// A column of a ``Table``: its title, how wide it is, and how its cells align.
public struct TableColumn: Sendable, Hashable {
    public var title: String
    public var width: Constraint
    public var alignment: Alignment

    public init(_ title: String, _ width: Constraint, _ alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// Rows and columns with a header, a highlighted selected row and vertical scrolling.
///
/// Cells are styled ``Line``s, clipped to their column. ``offset`` is the first row shown; when
/// a row is selected the table scrolls just enough to show it (see ``scrollOffset(selected:offset:visibleRows:rowCount:)``),
/// so callers keep the returned offset between frames for stable scrolling. The table clears its
/// whole area before drawing.
public struct Table: Widget, Sendable {
    public var columns: [TableColumn]
    public var rows: [[Line]]
    public var selected: Int?
    public var offset: Int
    public var columnSpacing: Int
    public var showHeader: Bool
    public var headerStyle: Style
    /// Laid over the selected row (its colours stay, reverse video is added by default).
    public var selectedStyle: Style

    public init(
        columns: [TableColumn],
        rows: [[Line]],
        selected: Int? = nil,
        offset: Int = 0,
        columnSpacing: Int = 1,
        showHeader: Bool = true,
        headerStyle: Style = Style(.muted, .bold),
        selectedStyle: Style = Style(.plain, .reverse)
    ) {
        self.columns = columns
        self.rows = rows
        self.selected = selected
        self.offset = offset
        self.columnSpacing = columnSpacing
        self.showHeader = showHeader
        self.headerStyle = headerStyle
        self.selectedStyle = selectedStyle
    }

    /// Rows of data that fit in an area of `height` rows.
    public func visibleRows(height: Int) -> Int {
        max(0, height - (showHeader ? 1 : 0))
    }

    /// The first row to show so that `selected` is visible, moving as little as possible from
    /// `offset`, and never leaving empty rows at the bottom when there are rows to fill them.
    public static func scrollOffset(selected: Int?, offset: Int, visibleRows: Int, rowCount: Int) -> Int {
        guard visibleRows > 0, rowCount > 0 else { return 0 }
        var result = min(max(0, offset), max(0, rowCount - visibleRows))
        if let selected {
            let s = min(max(0, selected), rowCount - 1)
            if s < result { result = s }
            if s >= result + visibleRows { result = s - visibleRows + 1 }
        }
        return result
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        // The table owns its area: gaps between columns and rows past the end are blank.
        buffer.fill(area)
        let columnAreas = area.split(.horizontal, columns.map(\.width), spacing: columnSpacing)
        var y = area.y
        if showHeader {
            buffer.setStyle(area.row(0), headerStyle)
            for (column, rect) in zip(columns, columnAreas) {
                Table.draw(Line(column.title, headerStyle), alignment: column.alignment, in: Rect(x: rect.x, y: y, width: rect.width, height: 1), buffer: &buffer)
            }
            y += 1
        }
        let visible = visibleRows(height: area.height)
        let first = Table.scrollOffset(selected: selected, offset: offset, visibleRows: visible, rowCount: rows.count)
        var index = first
        while index < rows.count, y < area.maxY {
            let row = rows[index]
            for (cellIndex, rect) in columnAreas.enumerated() where cellIndex < row.count {
                Table.draw(row[cellIndex], alignment: columns[cellIndex].alignment, in: Rect(x: rect.x, y: y, width: rect.width, height: 1), buffer: &buffer)
            }
            if index == selected {
                buffer.patchStyle(Rect(x: area.x, y: y, width: area.width, height: 1), selectedStyle)
            }
            index += 1
            y += 1
        }
    }

    /// Draws one line aligned in a one-row cell area, clipped to it.
    static func draw(_ line: Line, alignment: Alignment, in cell: Rect, buffer: inout Buffer) {
        guard !cell.isEmpty else { return }
        var x = cell.x
        if alignment != .left {
            let width = line.width
            if width < cell.width {
                x += alignment == .right ? cell.width - width : (cell.width - width) / 2
            }
        }
        buffer.write(line, x: x, y: cell.y, clip: cell)
    }
}
