/// One span's bar on a trace's time axis: where it starts and how long it lasts, with
/// eighth-of-a-cell precision at its end (`▏▎▍▌▋▊▉█`; `#` per cell in ASCII).
///
/// The bar starts at the cell its start time falls in and is at least one eighth of a cell long,
/// so even a very short span stays visible.
public struct Waterfall: Widget, Sendable {
    public var startMs: Double
    public var durationMs: Double
    /// The axis: 0 to `totalMs` spans the area's width.
    public var totalMs: Double
    public var style: Style
    public var glyphs: Glyphs

    public init(startMs: Double, durationMs: Double, totalMs: Double, style: Style = .accent, glyphs: Glyphs) {
        self.startMs = startMs
        self.durationMs = durationMs
        self.totalMs = totalMs
        self.style = style
        self.glyphs = glyphs
    }

    /// The bar as (first column, text) relative to an area `width` columns wide.
    public static func bar(startMs: Double, durationMs: Double, totalMs: Double, width: Int, glyphs: Glyphs) -> (column: Int, text: String) {
        guard width > 0 else { return (0, "") }
        let total = totalMs > 0 && totalMs.isFinite ? totalMs : 1
        let start = startMs.isFinite ? min(max(0, startMs), total) : 0
        let duration = durationMs.isFinite ? max(0, durationMs) : 0
        let scale = Double(width) / total
        let firstColumn = min(Int((start * scale).rounded(.down)), width - 1)
        let endPosition = min((start + duration) * scale, Double(width))
        var eighths = Int(((endPosition - Double(firstColumn)) * 8).rounded())
        eighths = min(max(eighths, 1), (width - firstColumn) * 8)
        var text = ""
        if glyphs.isUnicode {
            text.append(contentsOf: String(repeating: String(glyphs.barFull), count: eighths / 8))
            if eighths % 8 > 0 { text.append(glyphs.eighths[eighths % 8 - 1]) }
        } else {
            // Whole cells only: a cell at least half covered counts; never less than one.
            let cells = max(1, (eighths + 4) / 8)
            text = String(repeating: String(glyphs.barFull), count: cells)
        }
        return (firstColumn, text)
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let (column, text) = Waterfall.bar(startMs: startMs, durationMs: durationMs, totalMs: totalMs, width: area.width, glyphs: glyphs)
        buffer.write(text, x: area.x + column, y: area.y, style: style, clip: area.row(0))
    }
}
