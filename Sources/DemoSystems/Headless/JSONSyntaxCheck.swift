/// Finds where a JSON text stops being valid, as a line and column a person can go to.
///
/// The decoder only says "not valid JSON"; this walks the RFC 8259 grammar once and reports the
/// first place it breaks and what was expected there. Used only after decoding failed, so its
/// speed does not matter; nesting deeper than 512 levels is reported as an error, not recursed into.
enum JSONSyntaxCheck {
    struct Problem: Error, Equatable, CustomStringConvertible {
        var line: Int
        var column: Int
        var expected: String

        var description: String { "line \(line), column \(column): expected \(expected)" }
    }

    /// The first syntax error in `bytes`, or nil when they are one valid JSON value.
    static func firstProblem(in bytes: [UInt8]) -> Problem? {
        var scanner = Scanner(bytes: bytes)
        do throws(Problem) {
            scanner.skipSpace()
            try scanner.value(depth: 0)
            scanner.skipSpace()
            if scanner.index < bytes.count { throw scanner.problem("the end of the file after the top-level value") }
            return nil
        } catch {
            return error
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        func problem(_ expected: String) -> Problem {
            var line = 1
            var column = 1
            for byte in bytes[..<min(index, bytes.count)] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1 // count characters, not UTF-8 continuation bytes
                }
            }
            let found = current.map { " (found '\(Character(Unicode.Scalar($0)))')" } ?? " (found the end of the file)"
            return Problem(line: line, column: column, expected: expected + found)
        }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func expect(_ literal: String) throws(Problem) {
            for byte in literal.utf8 {
                guard current == byte else { throw problem("'\(literal)'") }
                index += 1
            }
        }

        mutating func value(depth: Int) throws(Problem) {
            guard depth < 512 else { throw problem("less deeply nested values") }
            guard let byte = current else { throw problem("a value (an object, list, string, number, true, false or null)") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try expect("true")
            case UInt8(ascii: "f"): try expect("false")
            case UInt8(ascii: "n"): try expect("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw problem("a value (an object, list, string, number, true, false or null)")
            }
        }

        mutating func object(depth: Int) throws(Problem) {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "}") { index += 1; return }
            while true {
                guard current == UInt8(ascii: "\"") else { throw problem("a field name in double quotes") }
                try string()
                skipSpace()
                guard current == UInt8(ascii: ":") else { throw problem("':' after the field name") }
                index += 1
                skipSpace()
                try value(depth: depth + 1)
                skipSpace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    skipSpace()
                    continue
                }
                guard current == UInt8(ascii: "}") else { throw problem("',' or '}' after a field's value") }
                index += 1
                return
            }
        }

        mutating func array(depth: Int) throws(Problem) {
            index += 1
            skipSpace()
            if current == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                skipSpace()
                if current == UInt8(ascii: ",") {
                    index += 1
                    skipSpace()
                    continue
                }
                guard current == UInt8(ascii: "]") else { throw problem("',' or ']' after a list element") }
                index += 1
                return
            }
        }

        mutating func string() throws(Problem) {
            index += 1
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { throw problem("an escaped character") }
                    if escaped == UInt8(ascii: "u") {
                        index += 1
                        for _ in 0..<4 {
                            guard let hex = current, isHexDigit(hex) else { throw problem("four hex digits after \\u") }
                            index += 1
                        }
                    } else {
                        guard "\"\\/bfnrt".utf8.contains(escaped) else { throw problem("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u") }
                        index += 1
                    }
                case 0..<0x20:
                    throw problem("no control characters (a line break) inside a string")
                default:
                    index += 1
                }
            }
            throw problem("'\"' to end the string")
        }

        mutating func number() throws(Problem) {
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { throw problem("a digit") }
            index += 1
            if first != UInt8(ascii: "0") { while let byte = current, isDigit(byte) { index += 1 } }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let byte = current, isDigit(byte) else { throw problem("a digit after the decimal point") }
                while let byte = current, isDigit(byte) { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let byte = current, isDigit(byte) else { throw problem("a digit in the exponent") }
                while let byte = current, isDigit(byte) { index += 1 }
            }
        }

        private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

        private func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }
    }
}
