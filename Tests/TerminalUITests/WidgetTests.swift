import Testing
@testable import TerminalUI

/// Widgets draw into a buffer pre-filled with "x": a cell a widget wrongly skips or overwrites shows.
@Suite("Widgets")
struct WidgetTests {
    @Test func tableDrawsHeaderRowsAlignmentAndSelection() {
        var buffer = Buffer(width: 16, height: 4, filledWith: "x")
        let table = Table(
            columns: [TableColumn("NAME", .length(6)), TableColumn("RPS", .length(4), .right), TableColumn("X", .fill)],
            rows: [["gateway", "412", "a"], ["order", "12", "b"]],
            selected: 1
        )
        buffer.render(table, in: Rect(x: 1, y: 0, width: 14, height: 3))
        #expect(buffer.lines() == [
            "xNAME    RPS X x",
            "xgatewa  412 a x",
            "xorder    12 b x",
            "xxxxxxxxxxxxxxxx",
        ])
        #expect(buffer[1, 2].style.modifiers.contains(.reverse))
        #expect(buffer[14, 2].style.modifiers.contains(.reverse))
        #expect(!buffer[1, 1].style.modifiers.contains(.reverse))
        #expect(buffer[1, 0].style == Style(.muted, .bold))
    }

    @Test func tableScrollsToKeepTheSelectionVisible() {
        var buffer = Buffer(width: 4, height: 3, filledWith: "x")
        let rows: [[Line]] = (0..<10).map { [Line("r\($0)")] }
        buffer.render(Table(columns: [TableColumn("H", .fill)], rows: rows, selected: 5, offset: 0), in: buffer.area)
        #expect(buffer.lines() == ["H", "r4", "r5"])
    }

    @Test(arguments: [
        // (selected, offset, visible, count) -> expected
        (5, 0, 2, 10, 4), (1, 4, 2, 10, 1), (3, 2, 3, 10, 2), (nil, 9, 3, 10, 7), (0, 0, 5, 3, 0), (12, 0, 3, 10, 7),
    ] as [(Int?, Int, Int, Int, Int)])
    func scrollOffset(selected: Int?, offset: Int, visible: Int, count: Int, expected: Int) {
        #expect(Table.scrollOffset(selected: selected, offset: offset, visibleRows: visible, rowCount: count) == expected)
    }

    @Test func sparklineScalesToItsMaximumAndKeepsTheNewestValues() {
        var buffer = Buffer(width: 10, height: 2, filledWith: "x")
        buffer.render(Sparkline(values: [0, 1, 2, 3, 4, 5, 6, 7, 8], glyphs: .unicode), in: Rect(x: 0, y: 0, width: 9, height: 1))
        buffer.render(Sparkline(values: [9, 0, 1, 8], glyphs: .ascii), in: Rect(x: 0, y: 1, width: 3, height: 1))
        #expect(buffer.lines() == [" ▁▂▃▄▅▆▇█x", " _#xxxxxxx"])
    }

    @Test func sparklineTextIsAtMostTheWidth() {
        #expect(Sparkline.text([1, 2, 3, 4], width: 2, glyphs: .unicode) == "▆█")
        #expect(Sparkline.text([], width: 5, glyphs: .unicode) == "")
        #expect(Sparkline.text([.nan, 2], width: 5, glyphs: .unicode) == " █")
    }

    @Test func tabsBracketTheSelectedOne() {
        var buffer = Buffer(width: 40, height: 1, filledWith: "x")
        buffer.render(Tabs(titles: ["1 Services", "2 Breakers", "3 Traces"], selected: 0), in: Rect(x: 1, y: 0, width: 36, height: 1))
        #expect(buffer.lines() == ["x[1 Services]  2 Breakers   3 Traces xxx"])
        #expect(buffer[1, 0].style == Style(.accent, .bold))
        #expect(buffer[15, 0].style == .muted)
    }

    @Test func keyHintsDropWhatDoesNotFitWhole() {
        var buffer = Buffer(width: 30, height: 1, filledWith: "x")
        buffer.render(KeyHints([.init("enter", "details"), .init("f", "fault"), .init("/", "filter")]), in: Rect(x: 0, y: 0, width: 26, height: 1))
        #expect(buffer.lines() == ["<enter> details  <f> faultxxxx"])
    }

    @Test func treeIndentsAndMarksNodes() {
        var buffer = Buffer(width: 22, height: 5, filledWith: "x")
        let items = [
            TreeItem(depth: 0, hasChildren: true, isExpanded: true, isLastSibling: true, label: "POST /api/orders"),
            TreeItem(depth: 1, hasChildren: true, isExpanded: false, isLastSibling: false, label: "create_order"),
            TreeItem(depth: 1, hasChildren: false, isExpanded: false, isLastSibling: false, label: "GET /users"),
            TreeItem(depth: 1, hasChildren: false, isExpanded: false, isLastSibling: true, label: "notify"),
        ]
        buffer.render(Tree(items: items, selected: 2, glyphs: .unicode), in: Rect(x: 0, y: 0, width: 20, height: 4))
        #expect(buffer.lines() == [
            "▾ POST /api/ordersxxxx",
            "  ▸ create_orderxxxxxx",
            "  ├ GET /usersxxxxxxxx",
            "  └ notifyxxxxxxxxxxxx",
            "xxxxxxxxxxxxxxxxxxxxxx",
        ])
        #expect(buffer[19, 2].style.modifiers.contains(.reverse))
        var ascii = Buffer(width: 12, height: 2)
        ascii.render(Tree(items: Array(items[1...2]), glyphs: .ascii), in: ascii.area)
        #expect(ascii.lines() == ["  + create_o", "  | GET /use"])
    }

    @Test func waterfallBarsHaveSubCellPrecision() {
        var buffer = Buffer(width: 12, height: 4, filledWith: "x")
        let area = Rect(x: 1, y: 0, width: 10, height: 1)
        buffer.render(Waterfall(startMs: 0, durationMs: 100, totalMs: 100, glyphs: .unicode), in: area)
        buffer.render(Waterfall(startMs: 25, durationMs: 31, totalMs: 100, glyphs: .unicode), in: area.row(0).offsetBy(dy: 1))
        buffer.render(Waterfall(startMs: 50, durationMs: 0.1, totalMs: 100, glyphs: .unicode), in: area.offsetBy(dy: 2))
        buffer.render(Waterfall(startMs: 25, durationMs: 31, totalMs: 100, glyphs: .ascii), in: area.offsetBy(dy: 3))
        #expect(buffer.lines() == [
            "x██████████x",
            "xxx███▋xxxxx",
            "xxxxxx▏xxxxx",
            "xxx####xxxxx",
        ])
    }

    @Test func brailleSparklinePacksTwoValuesPerCell() {
        // 0|4 levels, left column then right: (0,4) (1,2) (3,4) → ⢸ ⣠ ⣾ with maximum 4.
        #expect(Sparkline.brailleText([0, 4, 1, 2, 3, 4], width: 3, maximum: 4, glyphs: .unicode) == "\u{28B8}\u{28E0}\u{28FE}")
        // An odd count: the oldest value sits alone in the first cell's right column.
        #expect(Sparkline.brailleText([4, 4, 4], width: 5, maximum: 4, glyphs: .unicode) == "\u{28B8}\u{28FF}")
        // Only the newest 2 × width values are shown.
        #expect(Sparkline.brailleText([4, 4, 0, 0], width: 1, maximum: 4, glyphs: .unicode) == "\u{2800}")
        // ASCII: one value per cell, as the plain sparkline.
        #expect(Sparkline.brailleText([1, 2, 3, 4], width: 2, glyphs: .ascii) == Sparkline.text([1, 2, 3, 4], width: 2, glyphs: .ascii))
        #expect(Sparkline.brailleText([], width: 3, glyphs: .unicode) == "")
    }

    @Test func gaugeShowsTheRatio() {
        var buffer = Buffer(width: 14, height: 2, filledWith: "x")
        buffer.render(Gauge(ratio: 0.62, glyphs: .unicode), in: Rect(x: 0, y: 0, width: 13, height: 1))
        buffer.render(Gauge(ratio: 2, label: "full", glyphs: .ascii), in: Rect(x: 0, y: 1, width: 10, height: 1))
        #expect(buffer.lines() == ["█████░░░  62%x", "##### fullxxxx"])
    }

    @Test func textBlockWrapsAtWordsAndBreaksLongWords() {
        var buffer = Buffer(width: 12, height: 5, filledWith: "x")
        buffer.render(TextBlock(["status error · retry.attempts=2", "abcdefghijklmn"]), in: Rect(x: 0, y: 0, width: 10, height: 5))
        #expect(buffer.lines() == [
            "statusxxxxxx",
            "error ·xxxxx",
            "retry.attexx",
            "mpts=2xxxxxx",
            "abcdefghijxx",
        ])
    }

    @Test func wrapKeepsStyles() {
        let lines = TextBlock.wrap(Line([Span("ab ", .ok), Span("cd", .error)]), width: 3)
        #expect(lines == [Line([Span("ab", .ok)]), Line([Span("cd", .error)])])
    }
}

extension Rect {
    func offsetBy(dx: Int = 0, dy: Int = 0) -> Rect { Rect(x: x + dx, y: y + dy, width: width, height: height) }
}

