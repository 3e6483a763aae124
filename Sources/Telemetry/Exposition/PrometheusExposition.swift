/// Renders a ``MetricsStore`` in the Prometheus text exposition format, version 0.0.4
/// (`Content-Type: text/plain; version=0.0.4`).
///
/// - Counters end in `_total`; gauges are `gauge`s.
/// - Timers and aggregating recorders are **histograms** (`_bucket{le=…}`, `_sum`, `_count`), not
///   summaries: bucket counts can be aggregated across instances and Prometheus computes any quantile
///   from them, while a summary's precomputed quantiles cannot be combined. Timers are in seconds and
///   their names end in `_seconds`.
/// - Names are sanitised to `[a-zA-Z_:][a-zA-Z0-9_:]*` (other characters become `_`), label names to
///   `[a-zA-Z_][a-zA-Z0-9_]*`; label values escape `\`, `"` and newlines.
/// - Families are sorted by name, series within a family by their labels, so the output is stable.
public enum PrometheusExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ store: MetricsStore) -> String {
        String(decoding: renderUTF8(store), as: UTF8.self)
    }

    /// ``render(_:)`` as the UTF-8 bytes of the response body, without the copy into a `String`.
    public static func renderUTF8(_ store: MetricsStore) -> [UInt8] {
        var families: [String: Family] = [:]
        // allSeries() is sorted by key, label first: a label's series come one after another, so
        // its family is named once, and each family's series stay in key order as appended.
        var previous: (label: String, kind: SeriesKind, name: String)?
        for series in store.allSeries() {
            let kind = SeriesKind(series)
            let name: String
            if let previous, previous.label == series.key.label, previous.kind == kind {
                name = previous.name
            } else {
                let family = Family(series: series)
                var resolved = family.name
                // Two labels can sanitise to one name; keep the second apart rather than mix types.
                while let existing = families[resolved], existing.type != family.type {
                    resolved += "_\(family.type)"
                }
                if families[resolved] == nil {
                    families[resolved] = Family(name: resolved, type: family.type, help: family.help)
                }
                name = resolved
                previous = (series.key.label, kind, resolved)
            }
            families[name]!.series.append(series)
        }
        var output = ExpositionWriter()
        for name in families.keys.sorted() {
            families[name]!.write(to: &output)
        }
        return output.bytes
    }

    // MARK: Names and values

    /// A valid metric name: invalid characters become `_`, a leading digit gets a `_` before it.
    public static func sanitizeMetricName(_ raw: String) -> String {
        sanitize(raw, allowColon: true)
    }

    /// A valid label name; names starting with `__` (reserved by Prometheus) get an `x` before them.
    public static func sanitizeLabelName(_ raw: String) -> String {
        let name = sanitize(raw, allowColon: false)
        return name.hasPrefix("__") ? "x" + name : name
    }

    public static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }

    /// A sample value as Prometheus reads it: integers without a fraction, `+Inf`/`-Inf`/`NaN`.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func sanitize(_ raw: String, allowColon: Bool) -> String {
        var result = ""
        for scalar in raw.unicodeScalars {
            let isLetter = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || scalar == "_"
            let isDigit = scalar >= "0" && scalar <= "9"
            if isLetter || isDigit || (allowColon && scalar == ":") {
                result.unicodeScalars.append(scalar)
            } else {
                result += "_"
            }
        }
        if result.isEmpty { return "_" }
        if let first = result.unicodeScalars.first, first >= "0" && first <= "9" { result = "_" + result }
        return result
    }

    // MARK: Families

    /// What decides a series' family besides its label: its type, and a histogram's unit.
    private enum SeriesKind: Equatable {
        case counter, gauge, histogram(nanoseconds: Bool)

        init(_ series: MetricsStore.Series) {
            switch series {
            case .counter, .floatingCounter: self = .counter
            case .gauge: self = .gauge
            case .histogram(let h): self = .histogram(nanoseconds: h.unit == .nanoseconds)
            }
        }
    }

    private struct Family {
        var name: String
        var type: String
        var help: String
        var series: [MetricsStore.Series] = []

        init(name: String, type: String, help: String) {
            self.name = name
            self.type = type
            self.help = help
        }

        init(series: MetricsStore.Series) {
            let label = series.key.label
            var name = sanitizeMetricName(label)
            switch series {
            case .counter, .floatingCounter:
                if !name.hasSuffix("_total") { name += "_total" }
                type = "counter"
            case .gauge:
                type = "gauge"
            case .histogram(let h):
                if h.unit == .nanoseconds, !name.hasSuffix("_seconds") { name += "_seconds" }
                type = "histogram"
            }
            self.name = name
            self.help = "meshtop series '\(label)'"
        }

        func write(to output: inout ExpositionWriter) {
            output.append("# HELP \(name) \(escapeHelp(help))\n")
            output.append("# TYPE \(name) \(type)\n")
            let bucketName = Array((name + "_bucket").utf8), sumName = Array((name + "_sum").utf8), countName = Array((name + "_count").utf8)
            let plainName = Array(name.utf8)
            // The `le` labels of the last bucket layout seen: every histogram of a unit shares one.
            var bounds: [Double] = []
            var leLabels: [[UInt8]] = []
            // Label names repeat across series (service, route, status): each sanitised once.
            var labelNames: [String: [UInt8]] = [:]
            var labels: [UInt8] = []
            for series in series {
                // The series' labels, rendered and escaped once for all its lines.
                labels.removeAll(keepingCapacity: true)
                for dimension in series.key.dimensions {
                    if !labels.isEmpty { labels.append(UInt8(ascii: ",")) }
                    if let name = labelNames[dimension.name] {
                        labels.append(contentsOf: name)
                    } else {
                        let name = Array(sanitizeLabelName(dimension.name).utf8)
                        labelNames[dimension.name] = name
                        labels.append(contentsOf: name)
                    }
                    labels.append(contentsOf: #"=""#.utf8)
                    output.appendEscaped(dimension.value, into: &labels)
                    labels.append(UInt8(ascii: "\""))
                }
                switch series {
                case .counter(let s):
                    output.sample(plainName, labels, Double(s.value))
                case .floatingCounter(let s):
                    output.sample(plainName, labels, s.value)
                case .gauge(let s):
                    output.sample(plainName, labels, s.value)
                case .histogram(let h):
                    let totals = h.totals()
                    // Divide (correctly rounded) rather than multiply by 1e-9, so 20043000000 ns prints as 20.043.
                    let divisor = h.unit == .nanoseconds ? 1e9 : 1
                    if h.bucketBounds != bounds {
                        bounds = h.bucketBounds
                        leLabels = bounds.map { Array(#"le=""#.utf8) + Array(formatValue($0).utf8) + [UInt8(ascii: "\"")] }
                    }
                    for (le, count) in zip(leLabels, totals.cumulativeBuckets) {
                        output.sample(bucketName, labels, extraLabel: le, Double(count))
                    }
                    output.sample(bucketName, labels, extraLabel: Array(#"le="+Inf""#.utf8), Double(totals.count))
                    output.sample(sumName, labels, Double(totals.sum) / divisor)
                    output.sample(countName, labels, Double(totals.count))
                }
            }
        }
    }

    /// The exposition's bytes as they are written: a sample line is its name, `{labels}`, a space,
    /// the value and a newline.
    struct ExpositionWriter {
        var bytes: [UInt8] = []

        init() {
            bytes.reserveCapacity(1 << 16)
        }

        mutating func append(_ text: String) {
            bytes.append(contentsOf: text.utf8)
        }

        mutating func sample(_ name: [UInt8], _ labels: [UInt8], _ value: Double) {
            sample(name, labels, extraLabel: [], value)
        }

        mutating func sample(_ name: [UInt8], _ labels: [UInt8], extraLabel: [UInt8], _ value: Double) {
            bytes.append(contentsOf: name)
            if !labels.isEmpty || !extraLabel.isEmpty {
                bytes.append(UInt8(ascii: "{"))
                bytes.append(contentsOf: labels)
                if !labels.isEmpty && !extraLabel.isEmpty { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: extraLabel)
                bytes.append(UInt8(ascii: "}"))
            }
            bytes.append(UInt8(ascii: " "))
            appendValue(value)
            bytes.append(UInt8(ascii: "\n"))
        }

        /// ``PrometheusExposition/formatValue(_:)``, with integers written digit by digit.
        mutating func appendValue(_ value: Double) {
            guard value == value.rounded(), abs(value) < 1e15 else {
                bytes.append(contentsOf: formatValue(value).utf8)
                return
            }
            var integer = Int64(value)
            if integer < 0 {
                bytes.append(UInt8(ascii: "-"))
                integer = -integer
            }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { buffer in
                repeat {
                    buffer[count] = UInt8(ascii: "0") + UInt8(integer % 10)
                    integer /= 10
                    count += 1
                } while integer > 0
                for index in stride(from: count - 1, through: 0, by: -1) {
                    bytes.append(buffer[index])
                }
            }
        }

        /// A label value escaped (`\`, `"`, newline) onto `target`; copied as is when it needs none.
        func appendEscaped(_ value: String, into target: inout [UInt8]) {
            let utf8 = value.utf8
            if !utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) {
                target.append(contentsOf: utf8)
            } else {
                target.append(contentsOf: escapeLabelValue(value).utf8)
            }
        }
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
