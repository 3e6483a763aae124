/// A row of tab titles with the selected one bracketed and highlighted:
/// ` [1 Services]  2 Breakers   3 Traces   4 Events`.
public struct Tabs: Widget, Sendable {
    public var titles: [String]
    public var selected: Int?
    public var style: Style
    public var selectedStyle: Style

    public init(titles: [String], selected: Int?, style: Style = .muted, selectedStyle: Style = Style(.accent, .bold)) {
        self.titles = titles
        self.selected = selected
        self.style = style
        self.selectedStyle = selectedStyle
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        var x = area.x
        for (index, title) in titles.enumerated() {
            if index > 0 { x = buffer.write(" ", x: x, y: area.y, style: style, clip: area) }
            if index == selected {
                x = buffer.write("[\(title)]", x: x, y: area.y, style: selectedStyle, clip: area)
            } else {
                x = buffer.write(" \(title) ", x: x, y: area.y, style: style, clip: area)
            }
        }
    }
}
