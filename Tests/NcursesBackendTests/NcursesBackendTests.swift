import Testing
@testable import NcursesBackend
import TerminalUI

/// The parts of the backend that need no terminal: key decoding, the palette, text for ASCII terminals.
@Suite("NcursesBackend")
struct NcursesBackendTests {
    @Test(arguments: [
        (0o403, true, Key.up), (0o402, true, .down), (0o404, true, .left), (0o405, true, .right),
        (0o523, true, .pageUp), (0o522, true, .pageDown), (0o406, true, .home), (0o550, true, .end),
        (0o527, true, .enter), (0o407, true, .backspace), (0o632, true, .resize), (0o411, true, .function(1)),
        (0x0D, false, .enter), (0x0A, false, .enter), (0x1B, false, .escape), (0x7F, false, .backspace),
        (0x03, false, .ctrl("c")), (0x71, false, .char("q")), (0x2F, false, .char("/")), (0xE9, false, .char("é")),
    ] as [(Int, Bool, Key)])
    func decodesKeys(code: Int, isKeyCode: Bool, key: Key) {
        #expect(KeyDecoding.decode(UInt32(code), isKeyCode: isKeyCode) == key)
    }

    @Test func unknownCodesAreNil() {
        #expect(KeyDecoding.decode(0o631, isKeyCode: true) == nil) // KEY_MOUSE
        #expect(KeyDecoding.decode(0, isKeyCode: false) == nil)
    }

    @Test func monochromeShowsRolesWithAttributes() {
        #expect(Palette.substituteModifiers(.error, capability: .monochrome) == [.bold, .underline])
        #expect(Palette.substituteModifiers(.warn, capability: .monochrome) == .bold)
        #expect(Palette.substituteModifiers(.muted, capability: .basic) == .dim)
        #expect(Palette.substituteModifiers(.error, capability: .extended) == [])
    }

    @Test func rolesHaveDistinctColours() {
        let roles = ColorRole.allCases.filter { $0 != .plain }
        #expect(Set(roles.map(Palette.extendedColor)).count == roles.count)
    }

    @Test func asciiTerminalsGetOneQuestionMarkPerColumn() {
        #expect(NcursesTerminal.asciiOnly("a●b日") == "a?b??")
        #expect(NcursesTerminal.asciiOnly("plain") == "plain")
    }

    @Test(arguments: [("UTF-8", true), ("utf8", true), ("ANSI_X3.4-1968", false), ("ISO-8859-1", false), ("", false)])
    func recognisesUTF8(codeset: String, expected: Bool) {
        #expect(NcursesTerminal.isUTF8(codeset: codeset) == expected)
    }
}
