import Telemetry
import TerminalUI

/// `6` Topology: services as boxes coloured by health, in layers from the gateway
/// (``TopologyLayers``), each followed by its outgoing edges with their req/s, error % and
/// breaker. Calls draw `──►`, event deliveries `┄┄►` (ASCII `-->`, `~~>`); an open breaker's edge
/// is red; a forced breaker is marked `⊘` (ASCII `F`).
///
/// ```
/// 7 services · 8 edges · 1 event · 1 open · 1 forced
/// LAYER 0 · entry ──────────────────────────────────────────────────────────────
/// ›[● gateway             ]       204/s   0.4%  up        p99 33ms
///    ├──► order-service            47/s   2.1%  ■ CLOSED
///    ├──► product-service         182/s 100.0%  ⊘ FORCED OPEN
///    └──► user-service             30/s 100.0%
/// LAYER 1 ──────────────────────────────────────────────────────────────────────
///  [● order-service       ]        47/s   2.1%  up        p99 52ms
///    ├┄┄► notification-service    4.0/s   0.0%  ■ CLOSED         topic orders
///    ├──► payment-service          43/s  91.6%  ■ OPEN
/// ```
enum TopologyView {
    /// The marks and arrows, in Unicode or ASCII.
    struct Marks {
        var call: String
        var event: String
        var forced: String
        var unknown: String
        var rule: String

        init(_ glyphs: Glyphs) {
            if glyphs.isUnicode {
                call = "──►"
                event = "┄┄►"
                forced = "⊘"
                unknown = "?"
            } else {
                call = "-->"
                event = "~~>"
                forced = "F"
                unknown = "?"
            }
            rule = String(glyphs.rule)
        }
    }

    /// Column widths of an edge's req/s, error %, of a service's health word and of a breaker's state.
    static let rateWidth = 9
    static let errorWidth = 7
    static let healthWidth = 10
    static let breakerWidth = 15

    /// - Parameter lines: ``Rows/topology(_:)`` of `state`.
    static func render(_ state: DashboardState, lines: [TopologyLine], glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        guard let snapshot = state.snapshot else {
            buffer.write("waiting for the first snapshot", x: area.x, y: area.y, style: .muted, clip: area)
            return
        }
        let marks = Marks(glyphs)
        let parts = area.split(.vertical, [.length(1), .fill])
        renderTitle(snapshot, glyphs: glyphs, marks: marks, area: parts[0], into: &buffer)
        let body = parts[1]
        guard !lines.isEmpty else {
            buffer.write("no services reported", x: body.x, y: body.y, style: .muted, clip: body)
            return
        }
        let list = state.list(.topology)
        let offset = min(max(0, list.offset), max(0, lines.count - body.height))
        let nameWidth = Looks.serviceColumnWidth(lines.lazy.compactMap { line in
            if case .service(let name) = line.kind { return name }
            return nil
        })
        let services = Dictionary(snapshot.services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let breakers = Dictionary(snapshot.breakers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let wide = body.width >= 110
        // Topics line up in a column when there are event edges, so what follows them does too.
        let topicWidth = snapshot.edges.compactMap { $0.topic.map(DisplayWidth.of) }.max().map { $0 + 8 } ?? 0
        for (row, line) in lines.dropFirst(offset).prefix(body.height).enumerated() {
            let y = body.y + row
            let clip = body.row(row)
            let isSelected = line.id != nil && line.id == list.selectedID
            let text: Line
            switch line.kind {
            case .heading(let heading):
                text = headingLine(heading, glyphs: glyphs, marks: marks, width: min(body.width, 96))
            case .service(let name):
                text = serviceLine(name, status: services[name], nameWidth: nameWidth, wide: wide, glyphs: glyphs, marks: marks)
            case .edge(let edge, let isLast):
                text = edgeLine(edge, isLast: isLast, breaker: edge.breakerId.flatMap { breakers[$0] }, nameWidth: nameWidth, topicWidth: topicWidth,
                                wide: wide, glyphs: glyphs, marks: marks)
            }
            if isSelected { buffer.write(String(glyphs.selectedMark), x: body.x, y: y, style: Style(.accent, .bold), clip: clip) }
            buffer.write(text, x: body.x + (line.isHeading ? 0 : 1), y: y, clip: clip)
            if isSelected { buffer.patchStyle(clip, Style(.plain, .reverse)) }
        }
    }

    /// Counts on the left, the legend on the right when it fits.
    static func renderTitle(_ snapshot: SystemSnapshot, glyphs: Glyphs, marks: Marks, area: Rect, into buffer: inout Buffer) {
        let edges = snapshot.edges
        let events = edges.count { $0.kind == .event }
        let open = edges.count { $0.breaker == .open }
        let forced = edges.count { $0.breaker == .forcedOpen || $0.breaker == .forcedClosed }
        let dot = " \(glyphs.dot) "
        var title = Line([Span("\(snapshot.services.count) services", .bold), Span(dot + "\(edges.count) edges", .plain)])
        if events > 0 { title.append(dot + "\(events) event\(events == 1 ? "" : "s")", .plain) }
        if open > 0 { title.append(dot, .plain); title.append("\(open) open", Style(.error, .bold)) }
        if forced > 0 { title.append(dot, .plain); title.append("\(forced) forced", Style(.warn, .bold)) }
        let x = buffer.write(title, x: area.x, y: area.y, clip: area)
        let legend = Line([
            Span(marks.call, .muted), Span(" call  "), Span(marks.event, .accent), Span(" event  "),
            Span(marks.forced, Style(.warn, .bold)), Span(" forced"),
        ])
        let legendWidth = DisplayWidth.of(legend.plainText)
        if area.maxX - legendWidth >= x + 2 {
            buffer.write(legend, x: area.maxX - legendWidth, y: area.y, clip: area)
        }
    }

    static func headingLine(_ heading: TopologyLine.Heading, glyphs: Glyphs, marks: Marks, width: Int) -> Line {
        let title = switch heading {
        case .layer(0): "LAYER 0 \(glyphs.dot) entry"
        case .layer(let index): "LAYER \(index)"
        case .unreached(let hasEntry): hasEntry ? "NOT REACHED BY CALLS" : "NO CALLS YET"
        }
        let rule = String(repeating: marks.rule, count: max(0, width - DisplayWidth.of(title) - 1))
        return Line([Span(title, Style(.accent, .bold)), Span(" " + rule, .muted)])
    }

    /// `[● gateway             ]      204/s   0.0%  up        p99 33ms  (reason or fault)`.
    static func serviceLine(_ name: String, status: ServiceStatus?, nameWidth: Int, wide: Bool, glyphs: Glyphs, marks: Marks) -> Line {
        guard let status else {
            // An edge's end the snapshot does not report as a service (an outside client).
            return Line([Span("[\(marks.unknown) " + DisplayWidth.pad(name, to: nameWidth) + "]", .muted), Span("   not a reported service", .muted)])
        }
        let health = Looks.health(status.health, glyphs)
        let glyph = switch status.health.state {
        case .up: glyphs.healthUp
        case .degraded: glyphs.healthDegraded
        case .down: glyphs.healthDown
        }
        var line = Line([
            Span("[\(glyph) ", health.style),
            Span(DisplayWidth.pad(DisplayWidth.truncate(name, to: nameWidth, ellipsis: glyphs.ellipsis), to: nameWidth), Style(health.style.foreground, .bold)),
            Span("]", health.style),
        ])
        // The box is 3 columns narrower than an edge's arrow and target: the figures line up.
        let idle = status.rps <= 0 && status.errorRatio == 0
        line.append(DisplayWidth.pad(Format.rate(status.rps) + "/s", to: rateWidth + 3, alignment: .right), .plain)
        line.append(DisplayWidth.pad(idle ? "-" : Format.percent(status.errorRatio), to: errorWidth, alignment: .right),
                    idle ? .muted : Looks.errorRatioStyle(status.errorRatio))
        line.append("  " + DisplayWidth.pad(status.health.state.rawValue, to: healthWidth), health.style)
        if let latency = status.latency {
            line.append("p99 ", .muted)
            line.append(DisplayWidth.pad(Format.ms(latency.p99Ms), to: 6), .plain)
        } else {
            line.append(DisplayWidth.pad("", to: 10), .plain)
        }
        if wide {
            if let fault = status.fault.summary {
                line.append("  fault: \(fault)", Style(.error, .bold))
            } else if let reason = status.health.reason {
                line.append("  " + reason, .muted)
            }
        }
        return line
    }

    /// `   ├──► payment-service        6.9/s  41.8%  ■ OPEN           fail 50%  half-open in 3s`.
    static func edgeLine(_ edge: EdgeStatus, isLast: Bool, breaker: BreakerStatus?, nameWidth: Int, topicWidth: Int, wide: Bool, glyphs: Glyphs, marks: Marks) -> Line {
        let state = edge.breaker
        let isForced = state == .forcedOpen || state == .forcedClosed
        let arrowStyle: Style = switch state {
        case .open?, .forcedOpen?: Style(.error, .bold)
        case .halfOpen?, .forcedClosed?: .warn
        default: edge.kind == .event ? .accent : .muted
        }
        var line = Line([
            Span("  " + String(isLast ? glyphs.treeLast : glyphs.treeBranch), .muted),
            Span(edge.kind == .event ? marks.event : marks.call, arrowStyle),
            Span(" " + DisplayWidth.pad(DisplayWidth.truncate(edge.target, to: nameWidth, ellipsis: glyphs.ellipsis), to: nameWidth),
                 state?.rejectsCalls == true ? .error : .plain),
        ])
        let idle = edge.rps <= 0 && edge.errorRatio == 0
        line.append(DisplayWidth.pad(Format.rate(edge.rps) + "/s", to: rateWidth, alignment: .right), .plain)
        line.append(DisplayWidth.pad(idle ? "-" : Format.percent(edge.errorRatio), to: errorWidth, alignment: .right),
                    idle ? .muted : Looks.errorRatioStyle(edge.errorRatio))
        line.append("  ", .plain)
        if let state {
            let mark = isForced ? marks.forced : String(glyphs.breakerMark)
            line.append(DisplayWidth.pad("\(mark) \(state.label)", to: breakerWidth), Looks.breakerStyle(state))
        } else {
            line.append(DisplayWidth.pad("", to: breakerWidth), .plain)
        }
        if let topic = edge.topic {
            line.append("  topic ", .muted)
            line.append(DisplayWidth.pad(topic, to: max(0, topicWidth - 8)), .accent)
        } else if wide {
            line.append(DisplayWidth.pad("", to: topicWidth), .plain)
        }
        if wide, let breaker {
            // What the breaker saw and will do: only what is worth a look.
            if let rate = breaker.failureRate, rate > 0 { line.append("  fail \(Format.percent(rate, decimals: 0))", .muted) }
            let next = BreakersView.nextTransition(breaker)
            if !next.isEmpty { line.append("  " + next, .muted) }
        }
        return line
    }
}
