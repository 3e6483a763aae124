import CNcurses
import TerminalUI
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the terminal could not be opened.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// The dashboard's terminal over ncursesw: the only type that talks to curses.
///
/// Opening it sets the locale from the environment, installs SIGINT/SIGTERM handlers (they set
/// ``interruptRequested``; the loop quits) and fatal-signal and `atexit` hooks that restore the
/// terminal, then starts curses in cbreak mode with no echo, keypad keys, a hidden cursor and a
/// 25 ms Esc delay. ``restore()`` (also run on deinit) gives the terminal back as it was.
///
/// Not thread-safe, like curses itself: create it, use it and drop it on one task.
public final class NcursesTerminal: TerminalBackend {
    public private(set) var colorCapability: ColorCapability = .monochrome
    public let supportsUnicode: Bool
    private var screen: OpaquePointer?
    private var window: UnsafeMutablePointer<WINDOW>?
    /// Curses attributes for each style, indexed by `role << 4 | modifiers`.
    private var attributeTable: [attr_t] = []
    private var currentTimeoutMs: Int32 = -2

    /// Opens the terminal on stdin/stdout.
    ///
    /// - Throws: ``TerminalError`` when stdin or stdout is not a terminal, or curses does not know
    ///   the terminal named by `TERM`.
    public init() throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw TerminalError(description: "the dashboard needs a terminal: stdin and stdout must be a TTY (use `meshtop snapshot` for plain text output)")
        }
        setlocale(LC_ALL, "")
        let codeset = meshtop_codeset().map { String(cString: $0) } ?? ""
        supportsUnicode = NcursesTerminal.isUTF8(codeset: codeset)
        installSignalHandlers()
        interruptRequestedFlag.store(false, ordering: .relaxed)

        guard let screen = newterm(nil, meshtop_stdout(), meshtop_stdin()) else {
            let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw TerminalError(description: "cannot start curses for TERM=\(term): unknown terminal type (try TERM=xterm-256color)")
        }
        self.screen = screen
        terminalActive.store(true, ordering: .releasing)
        set_term(screen)
        window = meshtop_stdscr()
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        set_escdelay(25)
        curs_set(0)
        leaveok(window, true)
        setUpColors()
    }

    deinit {
        restore()
    }

    private func setUpColors() {
        var capability = ColorCapability.monochrome
        if has_colors() {
            start_color()
            let hasDefault = use_default_colors() == OK
            let colors = meshtop_colors()
            capability = colors >= 256 ? .extended : (colors >= 8 ? .basic : .monochrome)
            if capability != .monochrome, meshtop_color_pairs() > ColorRole.allCases.count {
                for role in ColorRole.allCases where role != .plain {
                    var foreground = capability == .extended ? Palette.extendedColor(role) : Palette.basicColor(role)
                    if foreground < 0 && !hasDefault { foreground = 7 }
                    init_pair(Int16(role.rawValue), foreground, hasDefault ? -1 : 0)
                }
            } else {
                capability = .monochrome
            }
        }
        colorCapability = capability
        attributeTable = (0..<(8 << 4)).map { index in
            let role = ColorRole(rawValue: UInt8(index >> 4)) ?? .plain
            let modifiers = TextModifiers(rawValue: UInt8(index & 0xF))
            return attributes(role: role, modifiers: modifiers)
        }
    }

    private func attributes(role: ColorRole, modifiers: TextModifiers) -> attr_t {
        let all = modifiers.union(Palette.substituteModifiers(role, capability: colorCapability))
        var result = meshtop_a_normal()
        if colorCapability != .monochrome, role != .plain {
            result |= meshtop_color_pair(Int32(role.rawValue))
        }
        if all.contains(.bold) { result |= meshtop_a_bold() }
        if all.contains(.reverse) { result |= meshtop_a_reverse() }
        if all.contains(.underline) { result |= meshtop_a_underline() }
        if all.contains(.dim) { result |= meshtop_a_dim() }
        return result
    }

    public var size: (width: Int, height: Int) {
        guard let window else { return (0, 0) }
        return (Int(meshtop_getmaxx(window)), Int(meshtop_getmaxy(window)))
    }

    public var interruptRequested: Bool {
        interruptRequestedFlag.load(ordering: .relaxed)
    }

    public func draw(_ runs: [CellRun]) {
        guard let window else { return }
        for run in runs {
            let index = Int(run.style.foreground.rawValue) << 4 | Int(run.style.modifiers.rawValue & 0xF)
            meshtop_attrset(window, attributeTable[index])
            // Errors are expected at the bottom-right cell (the cursor cannot advance); the cell is drawn.
            if supportsUnicode {
                _ = mvwaddstr(window, Int32(run.y), Int32(run.x), run.text)
            } else {
                _ = mvwaddstr(window, Int32(run.y), Int32(run.x), NcursesTerminal.asciiOnly(run.text))
            }
        }
        meshtop_attrset(window, meshtop_a_normal())
    }

    /// Text safe for a non-UTF-8 terminal: each non-ASCII character becomes `?` per column it takes,
    /// so the layout (measured in columns) stays aligned.
    static func asciiOnly(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var result = ""
        for character in text {
            if character.isASCII {
                result.append(character)
            } else {
                result.append(String(repeating: "?", count: max(1, DisplayWidth.of(character))))
            }
        }
        return result
    }

    public func flush() {
        guard let window else { return }
        wnoutrefresh(window)
        doupdate()
    }

    public func readKey(timeout: Duration) -> Key? {
        guard let window else { return nil }
        let ms = Int32(clamping: max(0, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        if ms != currentTimeoutMs {
            wtimeout(window, ms)
            currentTimeoutMs = ms
        }
        // Unknown codes (mouse, unmapped function keys) are skipped, not returned as nil, so a
        // caller draining the queue is not stopped by them.
        while true {
            var value: wint_t = 0
            let result = wget_wch(window, &value)
            if result == ERR { return nil }
            if let key = KeyDecoding.decode(UInt32(value), isKeyCode: result == meshtop_key_code_yes()) {
                return key
            }
        }
    }

    public func invalidate() {
        guard let window else { return }
        werase(window)
        clearok(window, true)
    }

    public func restore() {
        guard let screen else { return }
        if let window {
            meshtop_attrset(window, meshtop_a_normal())
            // Without an alternate screen (vt100) the last frame stays on the terminal and curses
            // leaves the cursor on its bottom line: blank that line so the shell goes on cleanly.
            let bottom = meshtop_getmaxy(window) - 1
            if bottom >= 0 {
                wmove(window, bottom, 0)
                wclrtoeol(window)
                wrefresh(window)
            }
        }
        curs_set(1)
        endCursesIfActive()
        delscreen(screen)
        self.screen = nil
        self.window = nil
    }
}

extension NcursesTerminal {
    /// True for the names a C library gives the UTF-8 character set (`UTF-8`, `utf8`).
    static func isUTF8(codeset: String) -> Bool {
        String(codeset.uppercased().filter { $0 != "-" && $0 != "_" }) == "UTF8"
    }
}
