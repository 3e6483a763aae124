import Testing
@testable import TerminalUI

@Suite("Buffer diff")
struct DiffTests {
    @Test func identicalBuffersHaveNoChanges() {
        var a = Buffer(width: 10, height: 3)
        a.write("hello", x: 1, y: 1, style: .ok)
        #expect(Buffer.diff(from: a, to: a).isEmpty)
    }

    @Test func firstFrameAndResizeDrawEverything() {
        var b = Buffer(width: 3, height: 2)
        b.write("ab", x: 0, y: 0, style: .error)
        let runs = Buffer.diff(from: nil, to: b)
        #expect(runs == [
            CellRun(x: 0, y: 0, text: "ab", style: .error, width: 2),
            CellRun(x: 2, y: 0, text: " ", style: .plain, width: 1),
            CellRun(x: 0, y: 1, text: "   ", style: .plain, width: 3),
        ])
        #expect(Buffer.diff(from: Buffer(width: 4, height: 2), to: b).count == 3)
    }

    @Test func changedCellsMergeIntoRunsPerStyle() {
        let a = Buffer(width: 10, height: 1)
        var b = a
        b.write("ab", x: 1, y: 0)
        b.write("cd", x: 3, y: 0, style: .warn)
        b.write("z", x: 8, y: 0)
        #expect(Buffer.diff(from: a, to: b) == [
            CellRun(x: 1, y: 0, text: "ab", style: .plain, width: 2),
            CellRun(x: 3, y: 0, text: "cd", style: .warn, width: 2),
            CellRun(x: 8, y: 0, text: "z", style: .plain, width: 1),
        ])
    }

    @Test func aStyleChangeAloneIsAChange() {
        var a = Buffer(width: 3, height: 1)
        a.write("abc", x: 0, y: 0)
        var b = a
        b.patchStyle(Rect(x: 1, y: 0, width: 1, height: 1), Style(.plain, .reverse))
        #expect(Buffer.diff(from: a, to: b) == [CellRun(x: 1, y: 0, text: "b", style: Style(.plain, .reverse), width: 1)])
    }

    @Test func wideCharactersAreEmittedWholeAtTheirLead() {
        let a = Buffer(width: 6, height: 1)
        var b = a
        b.write("日x", x: 2, y: 0)
        #expect(Buffer.diff(from: a, to: b) == [CellRun(x: 2, y: 0, text: "日x", style: .plain, width: 3)])
    }

    @Test func replacingAWideCharacterRedrawsBothColumns() {
        var a = Buffer(width: 4, height: 1)
        a.write("日", x: 1, y: 0)
        var b = Buffer(width: 4, height: 1)
        b.write("a", x: 1, y: 0)
        // Column 2 was the right half of 日 and is now a space: it must be drawn too.
        #expect(Buffer.diff(from: a, to: b) == [CellRun(x: 1, y: 0, text: "a ", style: .plain, width: 2)])
    }

    @Test func aWideCharacterReplacingTwoNarrowOnesIsOneCell() {
        var a = Buffer(width: 4, height: 1)
        a.write("abcd", x: 0, y: 0)
        var b = a
        b.write("本", x: 1, y: 0)
        #expect(Buffer.diff(from: a, to: b) == [CellRun(x: 1, y: 0, text: "本", style: .plain, width: 2)])
    }

    @Test func unchangedWideCharacterIsSkippedWhole() {
        var a = Buffer(width: 5, height: 1)
        a.write("a日b", x: 0, y: 0)
        var b = a
        b.write("c", x: 3, y: 0)
        b.write("z", x: 0, y: 0)
        #expect(Buffer.diff(from: a, to: b) == [
            CellRun(x: 0, y: 0, text: "z", style: .plain, width: 1),
            CellRun(x: 3, y: 0, text: "c", style: .plain, width: 1),
        ])
    }

    @Test func clustersCompareByText() {
        var a = Buffer(width: 4, height: 1)
        a.write("e\u{301}", x: 0, y: 0)
        var b = Buffer(width: 4, height: 1)
        b.write("a\u{301}", x: 0, y: 0)
        #expect(Buffer.diff(from: a, to: b) == [CellRun(x: 0, y: 0, text: "a\u{301}", style: .plain, width: 1)])
        var c = Buffer(width: 4, height: 1)
        c.write("e\u{301}", x: 0, y: 0)
        #expect(Buffer.diff(from: a, to: c).isEmpty)
    }

    @Test func applyingTheDiffReproducesTheNewBuffer() {
        // A screen model that applies runs the way a terminal does.
        var old = Buffer(width: 12, height: 3)
        old.write("日本 abc ●", x: 0, y: 0, style: .ok)
        old.write("wide 語", x: 3, y: 1)
        var new = Buffer(width: 12, height: 3)
        new.write("x日 本bc ▲", x: 0, y: 0, style: .warn)
        new.write("語 wide", x: 2, y: 1)
        new.write("e\u{301}tat", x: 5, y: 2, style: .error)
        var screen = old
        for run in Buffer.diff(from: old, to: new) {
            screen.write(run.text, x: run.x, y: run.y, style: run.style)
        }
        #expect(screen == new)
    }
}
