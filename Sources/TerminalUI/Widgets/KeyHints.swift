/// The key-hint bar: `<enter> details  <f> fault  </> filter`. Hints that do not fit whole are
/// left out (from the end), never cut in half.
public struct KeyHints: Widget, Sendable {
    public struct Hint: Sendable, Hashable {
        public var key: String
        public var label: String
        public init(_ key: String, _ label: String) {
            self.key = key
            self.label = label
        }
    }

    public var hints: [Hint]
    public var keyStyle: Style
    public var labelStyle: Style

    public init(_ hints: [Hint], keyStyle: Style = Style(.accent, .bold), labelStyle: Style = .muted) {
        self.hints = hints
        self.keyStyle = keyStyle
        self.labelStyle = labelStyle
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        var x = area.x
        for (index, hint) in hints.enumerated() {
            let key = "<\(hint.key)>"
            let width = (index > 0 ? 2 : 0) + DisplayWidth.of(key) + 1 + DisplayWidth.of(hint.label)
            if x + width > area.maxX { break }
            if index > 0 { x = buffer.write("  ", x: x, y: area.y, style: labelStyle, clip: area) }
            x = buffer.write(key, x: x, y: area.y, style: keyStyle, clip: area)
            x = buffer.write(" " + hint.label, x: x, y: area.y, style: labelStyle, clip: area)
        }
    }
}
