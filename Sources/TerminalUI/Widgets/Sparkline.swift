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

    /// Twice the density in braille: each cell holds two values (left and right dot columns),
    /// each drawn with 0–4 dots from the bottom. With ASCII glyphs (a non-UTF-8 locale) it is
    /// ``text(_:width:maximum:glyphs:)``, one value per cell.
    public static func brailleText(_ values: [Double], width: Int, maximum: Double? = nil, glyphs: Glyphs) -> String {
        guard glyphs.isUnicode else { return text(values, width: width, maximum: maximum, glyphs: glyphs) }
        guard width > 0, !values.isEmpty else { return "" }
        let shown = Array(values.suffix(width * 2))
        let top = maximum ?? shown.lazy.filter(\.isFinite).max() ?? 0
        func dots(_ value: Double) -> Int {
            guard value > 0, top > 0, value.isFinite else { return 0 }
            return min(4, max(1, Int((min(value, top) / top * 4).rounded(.up))))
        }
        // Dots filled bottom-up: left column 7, 3, 2, 1; right column 8, 6, 5, 4 (Unicode's numbering).
        let left: [UInt32] = [0, 0x40, 0x44, 0x46, 0x47]
        let right: [UInt32] = [0, 0x80, 0xA0, 0xB0, 0xB8]
        var result = ""
        result.reserveCapacity((shown.count + 1) / 2 * 3)
        // An odd count leaves the oldest value alone in the first cell's right column.
        var index = shown.count % 2 == 1 ? -1 : 0
        while index < shown.count {
            let a = index >= 0 ? dots(shown[index]) : 0
            let b = dots(shown[index + 1])
            result.unicodeScalars.append(Unicode.Scalar(0x2800 + left[a] + right[b]) ?? " ")
            index += 2
        }
        return result
    }
}
