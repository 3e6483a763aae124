/// Number and time formatting for the views: fixed widths, no Foundation, no locale, so the
/// same snapshot always renders the same text (golden tests depend on it).
enum Format {
    /// `value` with `decimals` digits after the point, rounded half away from zero.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return value < 0 ? "-huge" : "huge" }
        let whole = Int(scaled)
        let sign = value < 0 && whole != 0 ? "-" : ""
        let unit = Int(scale)
        if decimals == 0 { return sign + String(whole) }
        let fraction = String(whole % unit)
        return sign + String(whole / unit) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// Elapsed time as `00:03:12` (hours grow past two digits when they must).
    static func clock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds)) : 0
        return twoDigits(total / 3600) + ":" + twoDigits(total / 60 % 60) + ":" + twoDigits(total % 60)
    }

    /// Elapsed time to the millisecond, `00:03:12.045`, for log records (several a second).
    static func clockMillis(_ seconds: Double) -> String {
        let millis = seconds.isFinite ? max(0, Int((seconds * 1000).rounded(.down))) : 0
        let fraction = String(millis % 1000)
        return clock(Double(millis / 1000)) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// Short elapsed time as `00:12` (minutes:seconds), or `1:02:03` past an hour.
    static func shortClock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds)) : 0
        if total >= 3600 { return String(total / 3600) + ":" + twoDigits(total / 60 % 60) + ":" + twoDigits(total % 60) }
        return twoDigits(total / 60) + ":" + twoDigits(total % 60)
    }

    /// A coarse age: `4s`, `2m05s`, `1h02m`.
    static func age(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds.rounded())) : 0
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m" + twoDigits(total % 60) + "s" }
        return "\(total / 3600)h" + twoDigits(total / 60 % 60) + "m"
    }

    static func twoDigits(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }

    /// Requests per second: `412`, `4.2`, `12.3k`.
    static func rate(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return "0" }
        if value < 10 { return fixed(value, 1) }
        if value < 10_000 { return fixed(value, 0) }
        return fixed(value / 1000, 1) + "k"
    }

    /// A ratio as a percentage: `1.8%` (or `62%` with no decimals).
    static func percent(_ ratio: Double, decimals: Int = 1) -> String {
        fixed(ratio * 100, decimals) + "%"
    }

    /// Milliseconds for tables: `2.1ms`, `84ms`, `1.2s`.
    static func ms(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value < 10 { return fixed(value, 1) + "ms" }
        if value < 1000 { return fixed(value, 0) + "ms" }
        return fixed(value / 1000, value < 10_000 ? 2 : 1) + "s"
    }

    /// Milliseconds with one decimal, for the trace detail: `184.0ms`, `1200.5ms`.
    static func preciseMs(_ value: Double) -> String {
        fixed(value, 1) + "ms"
    }

    /// An integer with thousands separators: `1,204`.
    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }
}
