import CNcurses
import TerminalUI

/// Turns what `wget_wch` returns into a ``Key``. Pure, so it is tested without a terminal.
enum KeyDecoding {
    /// - Parameters:
    ///   - code: the value `wget_wch` stored.
    ///   - isKeyCode: true when `wget_wch` returned `KEY_CODE_YES` (a function key, not a character).
    /// - Returns: nil for codes the dashboard has no use for (mouse, unknown function keys).
    static func decode(_ code: UInt32, isKeyCode: Bool) -> Key? {
        if isKeyCode {
            switch Int32(truncatingIfNeeded: code) {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_HOME, KEY_A1: return .home
            case KEY_END, KEY_C1: return .end
            case KEY_PPAGE, KEY_A3: return .pageUp
            case KEY_NPAGE, KEY_C3: return .pageDown
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_BTAB: return .backTab
            case KEY_RESIZE: return .resize
            case let c where c > KEY_F0 && c <= KEY_F0 + 63: return .function(Int(c - KEY_F0))
            default: return nil
            }
        }
        switch code {
        case 0x0A, 0x0D: return .enter
        case 0x09: return .tab
        case 0x1B: return .escape
        case 0x08, 0x7F: return .backspace
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(code + 0x60)!))
        case 0x00, 0x1C...0x1F: return nil
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .char(Character(scalar))
        }
    }
}
