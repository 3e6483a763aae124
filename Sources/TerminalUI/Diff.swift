/// Consecutive changed cells on one row in one style: what a backend draws in one call.
public struct CellRun: Hashable, Sendable {
    /// Column of the first cell.
    public var x: Int
    public var y: Int
    /// The characters, wide ones once (their continuation cells are covered by them).
    public var text: String
    public var style: Style
    /// Columns the text covers.
    public var width: Int

    public init(x: Int, y: Int, text: String, style: Style, width: Int) {
        self.x = x
        self.y = y
        self.text = text
        self.style = style
        self.width = width
    }
}

extension Buffer {
    /// What must be drawn to turn a screen showing `old` into one showing `new`.
    ///
    /// Runs are left to right, top to bottom, and never split a wide character: a changed wide
    /// character is emitted whole at its lead cell and its continuation is not emitted on its
    /// own. When `old` is nil or has another size (a resize), every cell of `new` is emitted.
    public static func diff(from old: Buffer?, to new: Buffer) -> [CellRun] {
        let full = old == nil || old!.width != new.width || old!.height != new.height
        var runs: [CellRun] = []
        var text = String.UnicodeScalarView()
        var runX = 0
        var runWidth = 0
        var runStyle = Style.plain
        var open = false

        func close(_ y: Int) {
            guard open else { return }
            runs.append(CellRun(x: runX, y: y, text: String(text), style: runStyle, width: runWidth))
            text = String.UnicodeScalarView()
            open = false
        }

        for y in 0..<new.height {
            let start = y * new.width
            var leadChanged = false
            for x in 0..<new.width {
                let index = start + x
                let cell = new.cells[index]
                if cell.isContinuation {
                    // Drawn by its lead; a continuation never starts or breaks a run.
                    if open && leadChanged { runWidth += 1 }
                    continue
                }
                let changed = full || !cellsMatch(old!, index, new, index)
                leadChanged = changed
                if !changed {
                    close(y)
                    continue
                }
                if open && cell.style != runStyle { close(y) }
                if !open {
                    open = true
                    runX = x
                    runWidth = 0
                    runStyle = cell.style
                }
                if cell.isCluster {
                    text.append(contentsOf: new.clusters[Int(cell.code)].unicodeScalars)
                } else {
                    text.append(Unicode.Scalar(cell.code) ?? " ")
                }
                runWidth += 1
            }
            close(y)
        }
        return runs
    }
}
