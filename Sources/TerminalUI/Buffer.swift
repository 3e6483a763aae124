/// A `width × height` grid of cells that widgets draw into; the frame a backend shows.
///
/// Writes are clipped to the buffer and to an optional `Rect`, so a widget can never draw
/// outside the area it was given. Wide characters take two cells (a lead and a continuation);
/// overwriting either half of one blanks the other half, so the grid never holds half a
/// character. Control characters in text are drawn as spaces.
///
/// A value type: copy it freely; it is `Sendable`.
public struct Buffer: Sendable, Equatable, CustomStringConvertible {
    public let width: Int
    public let height: Int
    /// Row-major: the cell at (x, y) is `cells[y * width + x]`.
    public private(set) var cells: [Cell]
    /// Graphemes of more than one scalar, referenced by index from cells with `isCluster`.
    @usableFromInline var clusters: [String]

    /// A buffer of spaces in `style`.
    public init(width: Int, height: Int, style: Style = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = [Cell](repeating: Cell(style: style), count: self.width * self.height)
        self.clusters = []
    }

    /// A buffer filled with one character, for tests that check what a widget leaves alone.
    public init(width: Int, height: Int, filledWith character: Character, style: Style = .plain) {
        self.init(width: width, height: height, style: style)
        fill(area, with: character, style: style)
    }

    /// The whole buffer as a rectangle at the origin.
    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at (x, y); a blank cell outside the buffer.
    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, y >= 0, x < width, y < height else { return .blank }
        return cells[y * width + x]
    }

    /// The text drawn at (x, y): one grapheme, or "" for the right half of a wide character.
    public func symbol(x: Int, y: Int) -> String {
        guard x >= 0, y >= 0, x < width, y < height else { return "" }
        return symbol(of: cells[y * width + x])
    }

    @inlinable
    func symbol(of cell: Cell) -> String {
        if cell.isContinuation { return "" }
        if cell.isCluster { return clusters[Int(cell.code)] }
        return String(Character(Unicode.Scalar(cell.code) ?? " "))
    }

    // MARK: Writing

    /// Draws `text` starting at (x, y) in `style`, clipped to `clip` (and the buffer).
    ///
    /// Returns the column after the last cell written, so spans can be chained. A wide character
    /// that would straddle the clip's right edge is replaced by a space.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let bounds = clip.map { $0.intersection(area) } ?? area
        guard y >= bounds.minY, y < bounds.maxY, x < bounds.maxX else { return x }
        let ascii: Int? = text.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte >= 0x80 { return -1 }
            return writeASCII(bytes, x: x, y: y, style: style, bounds: bounds)
        }
        if let column = ascii, column >= 0 { return column }
        return writeUnicode(text, x: x, y: y, style: style, bounds: bounds)
    }

    /// Draws styled spans one after another from (x, y); returns the column after the last.
    @discardableResult
    public mutating func write(_ line: Line, x: Int, y: Int, clip: Rect? = nil) -> Int {
        var column = x
        for span in line.spans {
            column = write(span.text, x: column, y: y, style: span.style, clip: clip)
        }
        return column
    }

    /// Draws one span; returns the column after it.
    @discardableResult
    public mutating func write(_ span: Span, x: Int, y: Int, clip: Rect? = nil) -> Int {
        write(span.text, x: x, y: y, style: span.style, clip: clip)
    }

    private mutating func writeASCII(_ bytes: UnsafeBufferPointer<UInt8>, x: Int, y: Int, style: Style, bounds: Rect) -> Int {
        var column = x
        let rowStart = y * width
        for byte in bytes {
            if column >= bounds.maxX { break }
            if column >= bounds.minX {
                let code: UInt32 = (byte < 0x20 || byte == 0x7F) ? 0x20 : UInt32(byte)
                place(Cell(code: code, width: 1, flags: 0, style: style), at: rowStart + column, column: column)
            }
            column += 1
        }
        return column
    }

    private mutating func writeUnicode(_ text: String, x: Int, y: Int, style: Style, bounds: Rect) -> Int {
        var column = x
        let rowStart = y * width
        for character in text {
            if column >= bounds.maxX { break }
            let scalars = character.unicodeScalars
            var cell: Cell
            if scalars.count == 1, let scalar = scalars.first {
                let w = DisplayWidth.of(scalar)
                if w == 0 {
                    // A control character keeps its column as a space; a lone zero-width one is dropped.
                    if scalar.properties.generalCategory == .control {
                        cell = Cell(code: 0x20, width: 1, flags: 0, style: style)
                    } else {
                        continue
                    }
                } else {
                    cell = Cell(code: scalar.value, width: UInt8(w), flags: 0, style: style)
                }
            } else {
                let w = DisplayWidth.of(character)
                if w == 0 { continue }
                cell = Cell(code: UInt32(clusters.count), width: UInt8(w), flags: Cell.clusterFlag, style: style)
                clusters.append(String(character))
            }
            let w = Int(cell.width)
            if column < bounds.minX {
                // Partly left of the clip: the visible half of a wide character becomes a space.
                if column + w > bounds.minX {
                    place(Cell(style: style), at: rowStart + bounds.minX, column: bounds.minX)
                }
                column += w
                continue
            }
            if column + w > bounds.maxX {
                place(Cell(style: style), at: rowStart + column, column: column)
                column += 1
                break
            }
            place(cell, at: rowStart + column, column: column)
            column += w
        }
        return column
    }

    /// Puts a cell (and, for a wide one, its continuation) at a checked position, blanking the
    /// other half of any wide character it overwrites.
    @inline(__always)
    private mutating func place(_ cell: Cell, at index: Int, column: Int) {
        let w = Int(cell.width)
        // Left edge: overwriting a continuation orphans its lead.
        if cells[index].isContinuation, column > 0 {
            cells[index - 1] = Cell(style: cells[index - 1].style)
        }
        // Right edge: overwriting a lead orphans its continuation.
        let last = index + w - 1
        if cells[last].width == 2, column + w < width {
            cells[last + 1] = Cell(style: cells[last + 1].style)
        }
        cells[index] = cell
        if w == 2 {
            cells[index + 1] = .continuation(style: cell.style)
        }
    }

    /// Sets one cell to `character`; out-of-bounds positions are ignored.
    public mutating func set(x: Int, y: Int, _ character: Character, style: Style = .plain) {
        guard y >= 0, y < height, x >= 0, x < width else { return }
        write(String(character), x: x, y: y, style: style)
    }

    /// Fills `rect` (clipped to the buffer) with `character` in `style`.
    public mutating func fill(_ rect: Rect, with character: Character = " ", style: Style = .plain) {
        let target = rect.intersection(area)
        guard !target.isEmpty else { return }
        let charWidth = DisplayWidth.of(character)
        if charWidth == 1, character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first {
            let cell = Cell(code: scalar.value, width: 1, flags: 0, style: style)
            for row in target.minY..<target.maxY {
                for column in target.minX..<target.maxX {
                    place(cell, at: row * width + column, column: column)
                }
            }
        } else {
            let line = String(repeating: String(character), count: target.width)
            for row in target.minY..<target.maxY {
                write(line, x: target.minX, y: row, style: style, clip: target)
            }
        }
    }

    /// Replaces the style of every cell in `rect`, keeping the characters.
    public mutating func setStyle(_ rect: Rect, _ style: Style) {
        let target = rect.intersection(area)
        guard !target.isEmpty else { return }
        for row in target.minY..<target.maxY {
            for column in target.minX..<target.maxX {
                cells[row * width + column].style = style
            }
        }
    }

    /// Lays `style` over every cell in `rect`: its role wins unless `.plain`, attributes add up.
    /// Used to highlight a selected row without losing the colours inside it.
    public mutating func patchStyle(_ rect: Rect, _ style: Style) {
        let target = rect.intersection(area)
        guard !target.isEmpty else { return }
        for row in target.minY..<target.maxY {
            for column in target.minX..<target.maxX {
                let index = row * width + column
                cells[index].style = cells[index].style.patched(with: style)
            }
        }
    }

    // MARK: Reading

    /// Row `y` as text: wide characters once, continuations skipped, trailing spaces trimmed.
    public func line(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var scalars = String.UnicodeScalarView()
        var keep = 0
        var count = 0
        let start = y * width
        for index in start..<(start + width) {
            let cell = cells[index]
            if cell.isContinuation { continue }
            if cell.isCluster {
                for scalar in clusters[Int(cell.code)].unicodeScalars {
                    scalars.append(scalar)
                    count += 1
                }
                keep = count
            } else {
                let scalar = Unicode.Scalar(cell.code) ?? " "
                scalars.append(scalar)
                count += 1
                if scalar != " " { keep = count }
            }
        }
        return String(String.UnicodeScalarView(scalars.prefix(keep)))
    }

    /// Every row as text (see ``line(_:)``).
    public func lines() -> [String] {
        (0..<height).map(line)
    }

    /// The whole buffer as plain text, one line per row, trailing spaces trimmed, joined by "\n".
    /// What `meshtop snapshot` prints and golden tests compare.
    public func plainText() -> String {
        lines().joined(separator: "\n")
    }

    public var description: String { plainText() }

    // MARK: Equality

    /// Equal when both have the same size and every cell shows the same character in the same style.
    public static func == (lhs: Buffer, rhs: Buffer) -> Bool {
        guard lhs.width == rhs.width, lhs.height == rhs.height else { return false }
        for index in lhs.cells.indices where !cellsMatch(lhs, index, rhs, index) {
            return false
        }
        return true
    }

    @inline(__always)
    static func cellsMatch(_ lhs: Buffer, _ li: Int, _ rhs: Buffer, _ ri: Int) -> Bool {
        let a = lhs.cells[li]
        let b = rhs.cells[ri]
        if a == b { return !a.isCluster || lhs.clusters[Int(a.code)] == rhs.clusters[Int(b.code)] }
        if a.isCluster, b.isCluster, a.width == b.width, a.style == b.style {
            return lhs.clusters[Int(a.code)] == rhs.clusters[Int(b.code)]
        }
        return false
    }
}
