extension Duration {
    /// Short and readable, for reasons and policy summaries: `250ms`, `1.5s`, `30s`, `2m`, `1h30m`.
    public var compact: String {
        let milliseconds = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if milliseconds < 1 { return "\(Int((milliseconds * 1000).rounded()))µs" }
        if milliseconds < 1000 { return "\(trimmed(milliseconds))ms" }
        let seconds = milliseconds / 1000
        if seconds < 60 { return "\(trimmed(seconds))s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return whole % 60 == 0 ? "\(whole / 60)m" : "\(whole / 60)m\(whole % 60)s" }
        return whole % 3600 == 0 ? "\(whole / 3600)h" : "\(whole / 3600)h\(whole % 3600 / 60)m"
    }

    private func trimmed(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)"
    }
}
