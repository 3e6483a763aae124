import Telemetry
import TerminalUI

/// `i`: every manual action, newest first: when, what, on what, who asked, how long it lasted
/// and what it did meanwhile (counted from real calls by the system, not estimated here).
enum InterventionsView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        Document.render(lines(state, glyphs: glyphs, width: area.width), offset: state.detailOffset, area: area, into: &buffer)
    }

    static func lines(_ state: DashboardState, glyphs: Glyphs, width: Int) -> [Line] {
        guard let snapshot = state.snapshot else { return [Line("waiting for the first snapshot", .muted)] }
        let interventions = snapshot.interventions
        let active = interventions.filter(\.isActive).count
        var lines: [Line] = [Line([
            Span("INTERVENTIONS", Style(.accent, .bold)),
            Span("  \(interventions.count) manual action\(interventions.count == 1 ? "" : "s"), \(active) in effect; effects counted from real calls", .muted),
        ])]
        guard !interventions.isEmpty else {
            lines.append(Line("  none yet: trip (o), force closed (c), disable (d), metrics-only (m) or reset (r) a breaker, or set a fault (f)", .muted))
            return lines
        }
        let originWidth = min(20, max(6, interventions.map { DisplayWidth.of($0.origin) }.max() ?? 6))
        // What is left of the width after the other columns goes to the target (two-space
        // indent, AT 9, ACTION 12, ORIGIN, LASTED 12, a space after each).
        let longestTarget = interventions.map { DisplayWidth.of(Looks.breakerName($0.target, glyphs)) }.max() ?? 6
        let targetWidth = min(longestTarget, max(12, width - 2 - 10 - 13 - (originWidth + 1) - 12 - 1))
        // One line each, then the detail, on a wide screen; else the effect on a line of its own.
        let oneLine = width >= 150
        lines.append(Document.row([
            (Span("AT", .muted), 9, .left), (Span("ACTION", .muted), 12, .left), (Span("TARGET", .muted), targetWidth, .left),
            (Span("ORIGIN", .muted), originWidth, .left), (Span("LASTED", .muted), 12, .left),
        ] + (oneLine ? [(Span("EFFECT", .muted), 0, .left)] : [])))
        let indent = String(repeating: " ", count: 12)
        for intervention in interventions.reversed() {
            let lasted = intervention.secondsLasted(now: snapshot.uptimeSeconds)
            let lastedText = intervention.isActive ? "\(Format.age(lasted)) active" : (lasted <= 0 ? "instant" : Format.age(lasted))
            let effect = effectSpan(intervention)
            let target = DisplayWidth.truncate(Looks.breakerName(intervention.target, glyphs), to: targetWidth, ellipsis: glyphs.ellipsis)
            var row: [(Span, Int, Alignment)] = [
                (Span("+" + Format.clock(intervention.atSeconds), .muted), 9, .left),
                (Span(intervention.action.rawValue, actionStyle(intervention.action)), 12, .left),
                (Span(target), targetWidth, .left),
                (Span(intervention.origin, .accent), originWidth, .left),
                (Span(lastedText, intervention.isActive ? .warn : .plain), 12, .left),
            ]
            if oneLine { row.append((effect, 0, .left)) }
            lines.append(Document.row(row))
            if !oneLine { lines.append(Line([Span(indent), effect])) }
            let detail = intervention.detail + (intervention.endedBy.map { "; ended: \($0)" } ?? "")
            lines.append(Line(indent + detail, .muted))
        }
        return lines
    }

    static func effectSpan(_ intervention: InterventionRecord) -> Span {
        let effect = intervention.effect
        let style: Style = (effect.callsRejected ?? 0) > 0 || (effect.faultsInjected ?? 0) > 0 || (effect.wouldHaveOpened ?? 0) > 0 ? .warn : .plain
        return Span(effect.summary == "-" ? "no measured effect" : effect.summary, effect.summary == "-" ? .muted : style)
    }

    static func actionStyle(_ action: ControlCommand.Action) -> Style {
        switch action {
        case .trip, .fault: Style(.error, .bold)
        case .forceClosed: .warn
        case .disable, .metricsOnly, .policy: Style(.plain, .bold)
        case .reset: .ok
        }
    }
}

/// The breaker detail's part on shadow thresholds and on the manual action now in effect.
enum BreakerShadowLines {
    static func lines(_ breaker: BreakerStatus, snapshot: SystemSnapshot, glyphs: Glyphs) -> [Line] {
        var lines: [Line] = []
        // The edge's policy change shares the breaker's id; it is listed on its own line.
        for (label, isPolicy) in [("manual  ", false), ("tuned   ", true)] {
            guard let current = snapshot.interventions.last(where: { $0.target == breaker.id && $0.isActive && ($0.action == .policy) == isPolicy })
            else { continue }
            lines.append(Line([
                Span(label, .muted),
                Span("\(current.detail) by \(current.origin) at +\(Format.clock(current.atSeconds)) (\(Format.age(current.secondsLasted(now: snapshot.uptimeSeconds))) ago)"),
            ]))
            lines.append(Line([Span("        "), InterventionsView.effectSpan(current)]))
        }
        switch breaker.state {
        case .metricsOnly, .disabled:
            lines.append("")
            lines.append(Document.heading("SHADOW (its policy on the calls it let through; it acts on none)"))
            guard let shadow = breaker.shadow else {
                lines.append(Line("  not reported by this source", .muted))
                break
            }
            if let openedAt = shadow.openedAt {
                var line = Line([Span("  ")])
                line.append(shadow.wouldBeOpen ? "would be OPEN" : "would have opened", Style(.error, .bold))
                line.append(" at +\(Format.clock(openedAt))")
                if let reason = shadow.reason { line.append(" (\(reason))", .muted) }
                lines.append(line)
                if let closedAt = shadow.closedAt {
                    lines.append(Line([Span("  "), Span("would have closed again", .ok), Span(" at +\(Format.clock(closedAt)) (after its open time and half-open trials, on real outcomes)", .muted)]))
                } else {
                    lines.append(Line("  still would be open or half-open: it would not have closed yet", .muted))
                }
            } else {
                lines.append(Line([Span("  "), Span("would not have opened", .ok), Span(" since set \(breaker.state == .disabled ? "disabled" : "to metrics-only")", .muted)]))
            }
            lines.append(Line([
                Span("  would have opened ", .muted), Span(shadow.timesOpened == 1 ? "once" : "\(shadow.timesOpened) times"),
                Span("   would have rejected ", .muted), Span(Format.count(shadow.wouldHaveRejected), shadow.wouldHaveRejected > 0 ? .warn : .plain),
                Span(" of the calls let through", .muted),
            ]))
        default:
            break
        }
        return lines
    }
}
