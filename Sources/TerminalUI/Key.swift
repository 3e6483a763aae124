/// A key press, as a backend reports it.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    /// A printable character (`q`, `/`, `?`, `é`).
    case char(Character)
    /// A control chord: `.ctrl("c")` is Ctrl-C (when the terminal delivers it as a key).
    case ctrl(Character)
    case up, down, left, right
    case enter, escape, backspace, tab, backTab, delete
    case pageUp, pageDown, home, end
    case function(Int)
    /// The terminal changed size; read the new size from the backend.
    case resize

    /// How help screens and hint bars name the key: `q`, `Enter`, `↑`, `Ctrl-C`.
    public var description: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "Ctrl-\(String(c).uppercased())"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .enter: "Enter"
        case .escape: "Esc"
        case .backspace: "Backspace"
        case .tab: "Tab"
        case .backTab: "Shift-Tab"
        case .delete: "Del"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .function(let n): "F\(n)"
        case .resize: "resize"
        }
    }

    /// The name in ASCII (arrows spelled out), for terminals without UTF-8.
    public var asciiDescription: String {
        switch self {
        case .up: "Up"
        case .down: "Down"
        case .left: "Left"
        case .right: "Right"
        default: description
        }
    }
}
