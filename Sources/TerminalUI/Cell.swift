/// One terminal cell: what is drawn there, how wide it is, and its style.
///
/// A cell is eight trivially copyable bytes so a 200×60 frame can be built and diffed without a
/// heap allocation per cell. The character is kept as a single `Unicode.Scalar` — nearly every
/// grapheme a dashboard draws is one — and a grapheme made of several scalars (a letter with a
/// combining accent, an emoji sequence) is kept in its ``Buffer``'s side table, which is why the
/// text of a cell is read through ``Buffer/symbol(x:y:)``.
///
/// A wide character (CJK, most emoji) occupies two cells: the leading cell has ``width`` 2 and the
/// cell to its right is a *continuation* (``width`` 0) that draws nothing of its own.
public struct Cell: Hashable, Sendable {
    /// The scalar's value, or an index into the buffer's cluster table when `isCluster`.
    @usableFromInline var code: UInt32
    /// Columns the character takes: 1, 2, or 0 for the right half of a wide character.
    public internal(set) var width: UInt8
    @usableFromInline var flags: UInt8
    public var style: Style

    @usableFromInline static let clusterFlag: UInt8 = 1

    /// A space in the given style.
    public init(style: Style = .plain) {
        self.code = 0x20
        self.width = 1
        self.flags = 0
        self.style = style
    }

    /// A narrow or wide single-scalar character. The width is measured, not assumed; a zero-width
    /// or control scalar becomes a space so the grid stays aligned.
    public init(_ scalar: Unicode.Scalar, style: Style = .plain) {
        let measured = DisplayWidth.of(scalar)
        if measured == 0 {
            self.init(style: style)
        } else {
            self.init(code: scalar.value, width: UInt8(measured), flags: 0, style: style)
        }
    }

    @usableFromInline init(code: UInt32, width: UInt8, flags: UInt8, style: Style) {
        self.code = code
        self.width = width
        self.flags = flags
        self.style = style
    }

    /// A space in the default style.
    public static let blank = Cell()

    /// The right half of a wide character: draws nothing itself.
    public var isContinuation: Bool { width == 0 }

    /// True when the character is made of several scalars and lives in the buffer's cluster table.
    public var isCluster: Bool { flags & Cell.clusterFlag != 0 }

    /// The character when it is a single scalar; nil for a cluster or a continuation.
    public var scalar: Unicode.Scalar? {
        (isCluster || isContinuation) ? nil : Unicode.Scalar(code)
    }

    @usableFromInline static func continuation(style: Style) -> Cell {
        Cell(code: 0, width: 0, flags: 0, style: style)
    }
}
