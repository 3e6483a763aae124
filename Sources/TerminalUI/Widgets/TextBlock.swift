/// Styled lines of text in a rectangle, wrapped at word boundaries (a word longer than the width
/// is broken), then clipped to the rectangle's height.
public struct TextBlock: Widget, Sendable {
    public var lines: [Line]
    public var wrap: Bool

    public init(_ lines: [Line], wrap: Bool = true) {
        self.lines = lines
        self.wrap = wrap
    }

    public func render(in area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        var y = area.y
        for line in lines {
            let pieces = wrap ? TextBlock.wrap(line, width: area.width) : [line]
            for piece in pieces {
                if y >= area.maxY { return }
                buffer.write(piece, x: area.x, y: y, clip: area.row(y - area.y))
                y += 1
            }
        }
    }

    /// How many rows `lines` take at `width` when wrapped.
    public static func height(of lines: [Line], width: Int) -> Int {
        lines.reduce(0) { $0 + wrap($1, width: width).count }
    }

    /// Splits a line into lines of at most `width` columns, breaking at spaces when it can.
    /// Spaces at a break are dropped; an empty line stays one empty line.
    public static func wrap(_ line: Line, width: Int) -> [Line] {
        guard width > 0 else { return [] }
        if line.width <= width { return [line] }
        // Tokens: runs of spaces and runs of non-spaces, each in its span's style.
        var tokens: [(text: String, style: Style, isSpace: Bool)] = []
        for span in line.spans {
            var current = ""
            var currentIsSpace = false
            for character in span.text {
                let isSpace = character == " "
                if !current.isEmpty && isSpace != currentIsSpace {
                    tokens.append((current, span.style, currentIsSpace))
                    current = ""
                }
                current.append(character)
                currentIsSpace = isSpace
            }
            if !current.isEmpty { tokens.append((current, span.style, currentIsSpace)) }
        }
        var result: [Line] = []
        var current = Line([])
        var used = 0
        func breakLine() {
            result.append(current)
            current = Line([])
            used = 0
        }
        for token in tokens {
            let tokenWidth = DisplayWidth.of(token.text)
            if token.isSpace {
                if used == 0 { continue }
                if used + tokenWidth >= width {
                    breakLine()
                    continue
                }
                current.append(token.text, token.style)
                used += tokenWidth
                continue
            }
            if used + tokenWidth <= width {
                current.append(token.text, token.style)
                used += tokenWidth
                continue
            }
            if used > 0 {
                // Drop the trailing space before the break.
                if let last = current.spans.last, last.text.allSatisfy({ $0 == " " }) {
                    current.spans.removeLast()
                }
                breakLine()
            }
            // A word longer than a line is cut into pieces.
            var piece = ""
            var pieceWidth = 0
            for character in token.text {
                let w = DisplayWidth.of(character)
                if pieceWidth + w > width {
                    current.append(piece, token.style)
                    breakLine()
                    piece = ""
                    pieceWidth = 0
                }
                piece.append(character)
                pieceWidth += w
            }
            if !piece.isEmpty {
                current.append(piece, token.style)
                used = pieceWidth
            }
        }
        if !current.spans.isEmpty || result.isEmpty { result.append(current) }
        return result
    }
}
