/// A horizontal ratio bar with its percentage: `█████░░░░░  62%` (ASCII: `#####.....  62%`).
public struct Gauge: Widget, Sendable {
    /// 0…1; values outside are clamped, NaN counts as 0.
    public var ratio: Double
    /// Shown after the bar; nil shows the percentage.
    public var label: String?
    public var style: Style
    public var glyphs: Glyphs

    public init(ratio: Double, label: String? = nil, style: Style = .accent, glyphs: Glyphs) {
        self.ratio = ratio
        self.label = label
        self.style = style
        self.glyphs = glyphs
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let clamped = ratio.isNaN ? 0 : min(max(ratio, 0), 1)
        let text = label ?? Gauge.percent(clamped)
        let labelWidth = DisplayWidth.of(text)
        let barWidth = max(0, area.width - labelWidth - 1)
        let filled = Int((clamped * Double(barWidth)).rounded())
        let row = area.row(0)
        var x = buffer.write(String(repeating: String(glyphs.barFull), count: filled), x: area.x, y: area.y, style: style, clip: row)
        x = buffer.write(String(repeating: String(glyphs.gaugeEmpty), count: barWidth - filled), x: x, y: area.y, style: .muted, clip: row)
        if barWidth > 0 { x = buffer.write(" ", x: x, y: area.y, clip: row) }
        buffer.write(text, x: x, y: area.y, clip: row)
    }

    /// `62%`, right-aligned in four columns.
    static func percent(_ ratio: Double) -> String {
        DisplayWidth.pad("\(Int((ratio * 100).rounded()))%", to: 4, alignment: .right)
    }
}
