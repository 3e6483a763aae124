import Testing
@testable import TerminalUI

@Suite("Buffer")
struct BufferTests {
    @Test func writesAreClippedToTheRectAndTheBuffer() {
        var buffer = Buffer(width: 8, height: 2, filledWith: "x")
        let end = buffer.write("hello world", x: 2, y: 0, clip: Rect(x: 2, y: 0, width: 4, height: 1))
        buffer.write("abc", x: 6, y: 1)
        #expect(buffer.lines() == ["xxhellxx", "xxxxxxab"])
        #expect(end == 6)
    }

    @Test func writesOutsideTheBufferAreIgnored() {
        var buffer = Buffer(width: 4, height: 1, filledWith: "x")
        buffer.write("ab", x: -1, y: 0)
        buffer.write("zz", x: 0, y: 3)
        buffer.write("zz", x: 9, y: 0)
        #expect(buffer.lines() == ["bxxx"])
    }

    @Test func wideCharactersTakeTwoCells() {
        var buffer = Buffer(width: 6, height: 1, filledWith: "x")
        let end = buffer.write("日本", x: 1, y: 0)
        #expect(end == 5)
        #expect(buffer[1, 0].width == 2)
        #expect(buffer[2, 0].isContinuation)
        #expect(buffer.symbol(x: 2, y: 0) == "")
        #expect(buffer.lines() == ["x日本x"])
    }

    @Test func aWideCharacterThatWouldStraddleTheEdgeBecomesASpace() {
        var buffer = Buffer(width: 4, height: 1, filledWith: "x")
        buffer.write("a日本", x: 0, y: 0, clip: Rect(x: 0, y: 0, width: 4, height: 1))
        #expect(buffer.lines() == ["a日"])
        #expect(buffer.symbol(x: 3, y: 0) == " ")
        #expect(!buffer[3, 0].isContinuation)
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var buffer = Buffer(width: 6, height: 1, filledWith: "x")
        buffer.write("日本", x: 0, y: 0)
        buffer.write("a", x: 1, y: 0) // the right half of 日
        #expect(buffer.lines() == [" a本xx"])
        buffer.write("b", x: 2, y: 0) // the left half of 本
        #expect(buffer.lines() == [" ab xx"])
        #expect(!buffer[3, 0].isContinuation)
    }

    @Test func multiScalarGraphemesStayWhole() {
        var buffer = Buffer(width: 5, height: 1, filledWith: "x")
        let decomposed = "e\u{301}"
        buffer.write(decomposed + "!", x: 0, y: 0)
        #expect(buffer[0, 0].isCluster)
        #expect(buffer.symbol(x: 0, y: 0) == decomposed)
        #expect(buffer.lines() == [decomposed + "!xxx"])
        buffer.write("👍🏽", x: 2, y: 0)
        #expect(buffer[2, 0].width == 2)
        #expect(buffer.lines() == [decomposed + "!👍🏽x"])
    }

    @Test func controlCharactersBecomeSpaces() {
        var buffer = Buffer(width: 6, height: 1, filledWith: "x")
        buffer.write("a\tb\nc", x: 0, y: 0)
        #expect(buffer.lines() == ["a b cx"])
        buffer.write("é\u{7}", x: 0, y: 0)
        #expect(buffer.lines() == ["é b cx"])
    }

    @Test func plainTextTrimsTrailingSpaces() {
        var buffer = Buffer(width: 6, height: 2)
        buffer.write("ab", x: 1, y: 0)
        #expect(buffer.plainText() == " ab\n")
    }

    @Test func patchStyleKeepsRolesAndAddsAttributes() {
        var buffer = Buffer(width: 3, height: 1)
        buffer.write("a", x: 0, y: 0, style: .error)
        buffer.patchStyle(buffer.area, Style(.plain, .reverse))
        #expect(buffer[0, 0].style == Style(.error, .reverse))
        #expect(buffer[1, 0].style == Style(.plain, .reverse))
    }

    @Test func cellsAreEightBytes() {
        #expect(MemoryLayout<Cell>.size == 8)
        #expect(_isPOD(Cell.self))
    }

    @Test func equalityResolvesClusters() {
        var a = Buffer(width: 3, height: 1)
        var b = Buffer(width: 3, height: 1)
        b.write("zz", x: 0, y: 0) // not clusters; then overwrite
        a.write("e\u{301}", x: 1, y: 0)
        b.write("  ", x: 0, y: 0)
        b.write("x\u{301}", x: 2, y: 0) // cluster index 0 in b
        b.write("e\u{301}", x: 1, y: 0) // cluster index 1 in b
        b.write(" ", x: 2, y: 0)
        #expect(a == b)
    }
}

@Suite("DisplayWidth")
struct DisplayWidthTests {
    @Test(arguments: [
        ("abc", 3), ("日本語", 6), ("●▲○■✖", 5), ("e\u{301}", 1), ("👍", 2), ("❤️", 2), ("a\u{200B}b", 2), ("", 0),
    ])
    func widths(text: String, width: Int) {
        #expect(DisplayWidth.of(text) == width)
    }

    @Test func truncateAndPad() {
        #expect(DisplayWidth.truncate("payment-service", to: 8, ellipsis: "…") == "payment…")
        #expect(DisplayWidth.truncate("日本語", to: 5) == "日本")
        #expect(DisplayWidth.pad("ab", to: 5, alignment: .right) == "   ab")
        #expect(DisplayWidth.pad("ab", to: 5, alignment: .center) == " ab  ")
        #expect(DisplayWidth.pad("abcdef", to: 3) == "abc")
    }
}

@Suite("Layout")
struct LayoutTests {
    @Test func verticalSplitWithFixedAndFill() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 10).split(.vertical, [.length(1), .fill, .length(2)])
        #expect(parts == [
            Rect(x: 0, y: 0, width: 10, height: 1),
            Rect(x: 0, y: 1, width: 10, height: 7),
            Rect(x: 0, y: 8, width: 10, height: 2),
        ])
    }

    @Test func horizontalSplitWithPercentWeightsAndSpacing() {
        let parts = Rect(x: 2, y: 1, width: 21, height: 3).split(.horizontal, [.percent(50), .fill(1), .fill(2)], spacing: 1)
        // 21 - 2 gaps = 19; 50% of 21 = 10; 9 left: 3 and 6.
        #expect(parts.map(\.width) == [10, 3, 6])
        #expect(parts.map(\.x) == [2, 13, 17])
    }

    @Test func splitNeverLeavesTheRect() {
        let parts = Rect(x: 0, y: 0, width: 5, height: 1).split(.horizontal, [.length(4), .length(4), .fill])
        #expect(parts.map(\.width) == [4, 1, 0])
        #expect(parts.allSatisfy { $0.maxX <= 5 })
    }

    @Test func fillRemainderGoesToEarlierFills() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 1).split(.horizontal, [.fill, .fill, .fill])
        #expect(parts.map(\.width) == [4, 3, 3])
    }
}
