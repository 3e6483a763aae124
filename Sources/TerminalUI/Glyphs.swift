/// The characters widgets draw with, in two sets: Unicode line art, and plain ASCII for a
/// terminal whose locale is not UTF-8. Widgets take a `Glyphs` instead of hard-coding characters,
/// so every screen has an ASCII form. Every glyph is one column wide unless noted.
public struct Glyphs: Sendable, Hashable {
    /// True for the Unicode set.
    public var isUnicode: Bool
    /// Sparkline levels, lowest first (a zero value draws a space).
    public var sparkLevels: [Character]
    /// Partial cells for bars, 1/8 to 8/8 filled (ASCII: each a `#`).
    public var eighths: [Character]
    public var barFull: Character
    public var gaugeEmpty: Character
    public var treeExpanded: Character
    public var treeCollapsed: Character
    public var treeBranch: Character
    public var treeLast: Character
    public var healthUp: Character
    public var healthDegraded: Character
    public var healthDown: Character
    public var breakerMark: Character
    public var errorMark: Character
    public var live: Character
    public var paused: Character
    /// Separates items in a line of text: `·`.
    public var dot: Character
    /// Horizontal rule.
    public var rule: Character
    public var verticalRule: Character
    /// `→` (ASCII: `->`, two columns).
    public var arrow: String
    /// Marks truncated text: `…` (ASCII: `~`).
    public var ellipsis: String
    public var selectedMark: Character
    public var sortDescending: Character

    public static let unicode = Glyphs(
        isUnicode: true,
        sparkLevels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        eighths: ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
        barFull: "█",
        gaugeEmpty: "░",
        treeExpanded: "▾",
        treeCollapsed: "▸",
        treeBranch: "├",
        treeLast: "└",
        healthUp: "●",
        healthDegraded: "▲",
        healthDown: "○",
        breakerMark: "■",
        errorMark: "✖",
        live: "●",
        paused: "‖",
        dot: "·",
        rule: "─",
        verticalRule: "│",
        arrow: "→",
        ellipsis: "…",
        selectedMark: "›",
        sortDescending: "▼"
    )

    public static let ascii = Glyphs(
        isUnicode: false,
        sparkLevels: ["_", ".", ",", "-", "=", "+", "*", "#"],
        eighths: ["#", "#", "#", "#", "#", "#", "#", "#"],
        barFull: "#",
        gaugeEmpty: ".",
        treeExpanded: "-",
        treeCollapsed: "+",
        treeBranch: "|",
        treeLast: "`",
        healthUp: "*",
        healthDegraded: "!",
        healthDown: "o",
        breakerMark: "#",
        errorMark: "x",
        live: "*",
        paused: "=",
        dot: "-",
        rule: "-",
        verticalRule: "|",
        arrow: "->",
        ellipsis: "~",
        selectedMark: ">",
        sortDescending: "v"
    )

    /// The Unicode set when the terminal speaks UTF-8, ASCII otherwise.
    public static func forTerminal(utf8: Bool) -> Glyphs { utf8 ? .unicode : .ascii }
}
