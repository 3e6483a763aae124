/// Reads and writes the durations people type on the command line and in scenario files:
/// a decimal number followed by a unit — `500ms`, `10s`, `1.5s`, `2m`, `1h`.
///
/// Parsing is exact (decimal digits, no binary floating point): `0.1s` is exactly 100 ms.
/// Negative numbers, exponents, missing units and values too large for `Duration` are rejected
/// with a ``DurationParseError`` that names the text and the accepted forms.
public enum DurationParser {
    /// The accepted units, longest first so `ms` is tried before `m` and `s`.
    private static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
    ]

    /// What every error message lists as accepted.
    public static let acceptedForms = "a number followed by ms, s, m or h (for example 500ms, 10s, 1.5s, 2m, 1h)"

    /// Parses `text` into a duration; surrounding spaces are ignored, zero is allowed.
    public static func parse(_ text: String) throws(DurationParseError) -> Duration {
        let trimmed = text.trimmingSpaces
        guard let unit = units.first(where: { trimmed.hasSuffix($0.suffix) }) else {
            throw DurationParseError(text: text, problem: trimmed.isEmpty ? "it is empty" : "it has no unit")
        }
        let number = String(trimmed.dropLast(unit.suffix.count))
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let wholeDigits = parts[0]
        let fractionDigits = parts.count > 1 ? parts[1] : ""
        guard !number.isEmpty, !(wholeDigits.isEmpty && fractionDigits.isEmpty),
              wholeDigits.allSatisfy(\.isASCIIDigit), fractionDigits.allSatisfy(\.isASCIIDigit),
              parts.count == 1 || !fractionDigits.isEmpty
        else {
            throw DurationParseError(text: text, problem: "\"\(number)\" is not a plain decimal number")
        }
        guard let nanoseconds = exactNanoseconds(whole: wholeDigits, fraction: fractionDigits, unit: unit.nanoseconds) else {
            throw DurationParseError(text: text, problem: "it is too long")
        }
        return .nanoseconds(nanoseconds)
    }

    /// The shortest exact text ``parse(_:)`` reads back as `duration`: `1h`, `2m`, `90s`, `1500ms`, `0.25ms`.
    public static func format(_ duration: Duration) -> String {
        let nanoseconds = duration.nanoseconds
        for (suffix, size) in [("h", Int64(3_600_000_000_000)), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000)]
        where nanoseconds % size == 0 && (nanoseconds != 0 || suffix == "s") {
            return "\(nanoseconds / size)\(suffix)"
        }
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(magnitude / 1_000_000).\(fraction)ms"
    }

    /// whole.fraction × unit in nanoseconds, rounded to the nearest nanosecond; nil on overflow.
    private static func exactNanoseconds(whole: Substring, fraction: Substring, unit: Int64) -> Int64? {
        var total: Int64 = 0
        for digit in whole {
            let (times10, overflow1) = total.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(digit.asciiValue! - 48))
            if overflow1 || overflow2 { return nil }
            total = sum
        }
        let (wholeNanoseconds, overflow) = total.multipliedReportingOverflow(by: unit)
        if overflow { return nil }
        // The fraction is less than one unit; 15 digits are finer than a nanosecond for every unit.
        var numerator: Int64 = 0
        var denominator: Int64 = 1
        for digit in fraction.prefix(15) {
            numerator = numerator * 10 + Int64(digit.asciiValue! - 48)
            denominator *= 10
        }
        // unit × numerator can exceed Int64 (3.6e12 × 1e15), so multiply at full width.
        let (quotient, remainder) = denominator.dividingFullWidth(unit.multipliedFullWidth(by: numerator))
        let fractionNanoseconds = quotient + (remainder * 2 >= denominator ? 1 : 0)
        let (result, overflowSum) = wholeNanoseconds.addingReportingOverflow(fractionNanoseconds)
        return overflowSum ? nil : result
    }
}

/// A duration that could not be read; its description names the text and what is accepted.
public struct DurationParseError: Error, Equatable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    /// What is wrong with it, in words.
    public var problem: String

    public init(text: String, problem: String) {
        self.text = text
        self.problem = problem
    }

    public var description: String {
        "invalid duration \"\(text)\": \(problem); expected \(DurationParser.acceptedForms)"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
