/// The meaning of a colour, not the colour itself: a backend maps each role to what the terminal
/// can show (256 colours, 8 colours, or attributes on a monochrome terminal).
public enum ColorRole: UInt8, Sendable, CaseIterable {
    /// The terminal's default foreground.
    case plain = 0
    /// Healthy, closed, passing.
    case ok
    /// Degraded, half-open, slow.
    case warn
    /// Down, open, failing.
    case error
    /// Secondary text: labels, units, borders.
    case muted
    /// Headings, the selected tab, the live mark.
    case accent
}

/// Text attributes. A backend that cannot show one (dim on some terminals) ignores it.
public struct TextModifiers: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextModifiers(rawValue: 1 << 0)
    public static let reverse = TextModifiers(rawValue: 1 << 1)
    public static let underline = TextModifiers(rawValue: 1 << 2)
    public static let dim = TextModifiers(rawValue: 1 << 3)
}

/// How a cell looks: a semantic foreground role plus attributes. Two bytes, trivially copyable.
public struct Style: Hashable, Sendable {
    public var foreground: ColorRole
    public var modifiers: TextModifiers

    public init(_ foreground: ColorRole = .plain, _ modifiers: TextModifiers = []) {
        self.foreground = foreground
        self.modifiers = modifiers
    }

    public static let plain = Style()
    public static let ok = Style(.ok)
    public static let warn = Style(.warn)
    public static let error = Style(.error)
    public static let muted = Style(.muted)
    public static let accent = Style(.accent)
    public static let bold = Style(.plain, .bold)

    /// This style with the given attributes added.
    public func adding(_ extra: TextModifiers) -> Style {
        Style(foreground, modifiers.union(extra))
    }

    /// This style with another laid over it: the other's role wins unless it is `.plain`,
    /// and attributes combine.
    public func patched(with other: Style) -> Style {
        Style(other.foreground == .plain ? foreground : other.foreground, modifiers.union(other.modifiers))
    }
}
