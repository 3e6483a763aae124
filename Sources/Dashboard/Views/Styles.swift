import Telemetry
import TerminalUI

/// How snapshot values look: the one place that decides colours and marks.
enum Looks {
    /// A SERVICE column wide enough for the longest name given (`notification-service`), at least
    /// 16 and at most 22 columns; longer names are cut.
    static func serviceColumnWidth(_ names: some Sequence<String>) -> Int {
        min(22, max(16, names.reduce(0) { max($0, DisplayWidth.of($1)) }))
    }

    static func health(_ health: Health, _ glyphs: Glyphs) -> Span {
        switch health.state {
        case .up: Span("\(glyphs.healthUp) up", .ok)
        case .degraded: Span("\(glyphs.healthDegraded) degraded", .warn)
        case .down: Span("\(glyphs.healthDown) down", .error)
        }
    }

    static func breakerStyle(_ state: BreakerState) -> Style {
        switch state {
        case .closed: .ok
        case .open, .forcedOpen: .error
        case .halfOpen, .forcedClosed: .warn
        case .disabled, .metricsOnly: .muted
        }
    }

    static func breakerState(_ state: BreakerState, _ glyphs: Glyphs) -> Span {
        Span("\(glyphs.breakerMark) \(state.label)", breakerStyle(state))
    }

    /// `order-service → payment-service` for a breaker id `order-service->payment-service`.
    static func breakerName(_ id: String, _ glyphs: Glyphs) -> String {
        guard let range = id.range(of: "->") else { return id }
        return String(id[..<range.lowerBound]) + " \(glyphs.arrow) " + String(id[range.upperBound...])
    }

    static func errorRatioStyle(_ ratio: Double) -> Style {
        ratio >= 0.1 ? .error : (ratio >= 0.01 ? .warn : .plain)
    }

    static func eventKind(_ kind: EventKind) -> Span {
        switch kind {
        case .breakerTransition: Span("breaker", .warn)
        case .breakerShadow: Span("shadow", .muted)
        case .manualAction: Span("manual", .accent)
        case .sagaStep: Span("saga", .plain)
        case .sagaCompensation: Span("compensate", .warn)
        case .healthChange: Span("health", .warn)
        case .fault: Span("fault", .error)
        case .security: Span("security", .error)
        case .deadLetter: Span("dead letter", .error)
        case .info: Span("info", .muted)
        default: Span(kind.rawValue, .plain)
        }
    }

    /// A log level, padded to the LEVEL column: errors red, warnings yellow, the chatty levels dim.
    static func logLevel(_ level: LogLevel) -> Span {
        let text = level.label.padding(to: 6)
        switch level {
        case .critical: return Span(text, Style(.error, .bold))
        case .error: return Span(text, .error)
        case .warning: return Span(text, .warn)
        case .notice: return Span(text, .accent)
        case .info: return Span(text, .plain)
        case .debug, .trace: return Span(text, .muted)
        }
    }

    /// A column title with the sort mark when the list is sorted by it.
    static func title(_ title: String, sortedBy: Bool, _ glyphs: Glyphs) -> String {
        sortedBy ? "\(title)\(glyphs.sortDescending)" : title
    }
}

extension String {
    /// Padded with spaces to `width` characters (never cut).
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    /// The part before and after the first `->`, for breaker ids.
    var breakerEnds: (caller: String, target: String)? {
        guard let range = range(of: "->") else { return nil }
        return (String(self[..<range.lowerBound]), String(self[range.upperBound...]))
    }

    /// Finds `needle` (stdlib only; no Foundation).
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(needle) {
                return start..<index(start, offsetBy: needle.count)
            }
            start = index(after: start)
        }
        return nil
    }
}
