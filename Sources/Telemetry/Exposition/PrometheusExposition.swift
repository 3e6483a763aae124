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
        var families: [String: Family] = [:]
        for series in store.allSeries() {
            let family = Family(series: series)
            var name = family.name
            // Two labels can sanitise to one name; keep the second apart rather than mix types.
            while let existing = families[name], existing.type != family.type {
                name += "_\(family.type)"
            }
            families[name, default: Family(name: name, type: family.type, help: family.help)].series.append(series)
        }
        var output = ""
        for name in families.keys.sorted() {
            families[name]!.write(to: &output)
        }
        return output
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

        func write(to output: inout String) {
            output += "# HELP \(name) \(escapeHelp(help))\n"
            output += "# TYPE \(name) \(type)\n"
            for series in series.sorted(by: { $0.key < $1.key }) {
                let labels = series.key.dimensions.map { (sanitizeLabelName($0.name), $0.value) }
                switch series {
                case .counter(let s):
                    output += sample(name, labels, Double(s.value))
                case .floatingCounter(let s):
                    output += sample(name, labels, s.value)
                case .gauge(let s):
                    output += sample(name, labels, s.value)
                case .histogram(let h):
                    let totals = h.totals()
                    // Divide (correctly rounded) rather than multiply by 1e-9, so 20043000000 ns prints as 20.043.
                    let divisor = h.unit == .nanoseconds ? 1e9 : 1
                    for (bound, count) in zip(h.bucketBounds, totals.cumulativeBuckets) {
                        output += sample(name + "_bucket", labels + [("le", formatValue(bound))], Double(count))
                    }
                    output += sample(name + "_bucket", labels + [("le", "+Inf")], Double(totals.count))
                    output += sample(name + "_sum", labels, Double(totals.sum) / divisor)
                    output += sample(name + "_count", labels, Double(totals.count))
                }
            }
        }

        private func sample(_ name: String, _ labels: [(String, String)], _ value: Double) -> String {
            guard !labels.isEmpty else { return "\(name) \(formatValue(value))\n" }
            let rendered = labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",")
            return "\(name){\(rendered)} \(formatValue(value))\n"
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
