/// How many terminal columns text takes, the way terminals draw it (wcwidth-like, locale-free).
///
/// East Asian wide and fullwidth characters and emoji with emoji presentation take two columns;
/// combining marks and format characters take none (they join the character before them);
/// everything else takes one. Ambiguous-width characters (`●`, `▲`, box drawing) count as one,
/// as in every UTF-8 terminal in its default configuration.
public enum DisplayWidth {
    /// Columns of one scalar: 0, 1 or 2. Control characters count 0 (callers replace them).
    @inlinable
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x7F { return v >= 0x20 ? 1 : 0 }
        if v < 0xA0 { return 0 }
        if v < 0x300 { return 1 }
        return nonASCIIWidth(scalar)
    }

    @usableFromInline
    static func nonASCIIWidth(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        // Zero width: combining marks, joiners, variation selectors, Hangul medial/final jamo.
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return 0
        default:
            break
        }
        if (0x1160...0x11FF).contains(v) || (0xFE00...0xFE0F).contains(v) { return 0 }
        if isWide(v) { return 2 }
        if v >= 0x1F000, scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    @usableFromInline
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
             0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA,
             0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
             0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C,
             0x2B50, 0x2B55, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x18CFF,
             0x1B000...0x1B2FF, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F2FF,
             0x1F900...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Columns of one grapheme cluster: its first scalar's width, or 2 for an emoji sequence
    /// (an emoji with U+FE0F, a ZWJ sequence, a flag).
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        var width = of(first)
        if scalars.count > 1, width < 2, first.properties.isEmoji {
            for s in scalars.dropFirst() where s.value == 0xFE0F || s.value == 0x200D || (0x1F1E6...0x1F1FF).contains(s.value) {
                width = 2
                break
            }
        }
        if width == 0, scalars.count > 1 {
            // A cluster that starts with a mark (a stray accent): drawn on a cell of its own.
            width = 1
        }
        return width
    }

    /// Columns of a whole string.
    public static func of(_ text: some StringProtocol) -> Int {
        var total = 0
        var allASCII = true
        for byte in text.utf8 {
            if byte >= 0x80 { allASCII = false; break }
            if byte >= 0x20 && byte < 0x7F { total += 1 }
        }
        if allASCII { return total }
        total = 0
        for character in text { total += of(character) }
        return total
    }

    /// The longest prefix of `text` that fits in `width` columns; with `ellipsis` (e.g. `…`), a
    /// text that does not fit ends with it so the cut shows.
    public static func truncate(_ text: String, to width: Int, ellipsis: String = "") -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        let ellipsisWidth = of(ellipsis)
        let budget = ellipsisWidth < width ? width - ellipsisWidth : width
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let w = of(text[index])
            if used + w > budget { break }
            used += w
            end = text.index(after: index)
        }
        return String(text[..<end]) + (ellipsisWidth < width ? ellipsis : "")
    }

    /// `text` padded with spaces (or truncated) to exactly `width` columns.
    public static func pad(_ text: String, to width: Int, alignment: Alignment = .left) -> String {
        let fitted = truncate(text, to: width)
        let missing = width - of(fitted)
        guard missing > 0 else { return fitted }
        switch alignment {
        case .left: return fitted + String(repeating: " ", count: missing)
        case .right: return String(repeating: " ", count: missing) + fitted
        case .center:
            let left = missing / 2
            return String(repeating: " ", count: left) + fitted + String(repeating: " ", count: missing - left)
        }
    }
}

/// Horizontal placement of text in a column.
public enum Alignment: Sendable, Hashable {
    case left, right, center
}
