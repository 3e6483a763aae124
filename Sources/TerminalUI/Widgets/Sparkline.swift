/// A one-row chart of recent values: one cell per value, height by level (`▁▂▃▄▅▆▇█`, or
/// `_.,-=+*#` in ASCII). Shows the most recent values that fit, oldest on the left.
/// A value of zero (or below) is a blank cell, so "nothing happened" reads as nothing.
public struct Sparkline: Widget, Sendable {
    public var values: [Double]
    /// The value drawn as a full cell; nil scales to the largest value shown.
    public var maximum: Double?
    public var style: Style
    public var glyphs: Glyphs

    public init(values: [Double], maximum: Double? = nil, style: Style = .plain, glyphs: Glyphs) {
        self.values = values
        self.maximum = maximum
        self.style = style
        self.glyphs = glyphs
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let text = Sparkline.text(values, width: area.width, maximum: maximum, glyphs: glyphs)
        buffer.write(text, x: area.x, y: area.y, style: style, clip: area.row(0))
    }

    /// The sparkline as text of at most `width` columns, for embedding in a table cell.
    public static func text(_ values: [Double], width: Int, maximum: Double? = nil, glyphs: Glyphs) -> String {
        guard width > 0, !values.isEmpty else { return "" }
        let shown = values.suffix(width)
        let top = maximum ?? shown.lazy.filter(\.isFinite).max() ?? 0
        var result = ""
        result.reserveCapacity(shown.count * 3)
        let levels = glyphs.sparkLevels.count
        for value in shown {
            guard value > 0, top > 0, value.isFinite else {
                result.append(" ")
                continue
            }
            let level = Int((min(value, top) / top * Double(levels)).rounded(.up))
            result.append(glyphs.sparkLevels[min(max(level, 1), levels) - 1])
        }
        return result
    }
}
