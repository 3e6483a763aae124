import Telemetry
import TerminalUI

/// A scrolling page of lines (service and breaker detail, help).
enum Document {
    static func render(_ lines: [Line], offset: Int, area: Rect, into buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let first = min(max(0, offset), max(0, lines.count - area.height))
        for (row, line) in lines.dropFirst(first).prefix(area.height).enumerated() {
            buffer.write(line, x: area.x, y: area.y + row, clip: area.row(row))
        }
        if first + area.height < lines.count {
            let more = "more below (\(lines.count - first - area.height) lines)"
            buffer.write(more, x: area.maxX - DisplayWidth.of(more), y: area.maxY - 1, style: .muted, clip: area)
        }
    }

    static func heading(_ text: String) -> Line { Line(text, Style(.accent, .bold)) }

    /// A row of a detail's list made the selected one: the indent becomes the selection mark.
    static func selected(_ line: Line, glyphs: Glyphs) -> Line {
        var spans = line.spans
        if let first = spans.first, first.text.hasPrefix("  ") {
            spans[0] = Span("\(glyphs.selectedMark) " + first.text.dropFirst(2), Style(.accent, .bold))
        }
        return Line(spans.map { Span($0.text, Style($0.style.foreground, $0.style.modifiers.union(.reverse))) })
    }

    /// Cells padded to fixed widths, one span each, with two spaces of indent.
    static func row(_ cells: [(Span, Int, Alignment)]) -> Line {
        var line = Line([Span("  ")])
        for (index, (span, width, alignment)) in cells.enumerated() {
            let text = width > 0 ? DisplayWidth.pad(span.text, to: width, alignment: alignment) : span.text
            line.append(text + (index < cells.count - 1 ? " " : ""), span.style)
        }
        return line
    }
}

/// `Enter` on a service: instances, routes, health checks, dependencies and their breakers.
enum ServiceDetailView {
    static func render(_ state: DashboardState, name: String, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        guard let document = document(state, name: name, glyphs: glyphs, width: area.width) else {
            buffer.write("service \(name) is no longer reported", x: area.x, y: area.y, style: .warn, clip: area)
            return
        }
        Document.render(document.lines, offset: state.detailOffset, area: area, into: &buffer)
    }

    /// The detail's lines, and which of them are the routes (`Enter` opens the selected one's
    /// slowest traces); nil when the service is no longer reported.
    static func document(_ state: DashboardState, name: String, glyphs: Glyphs, width: Int) -> (lines: [Line], rows: [Int])? {
        guard let snapshot = state.snapshot, let service = snapshot.services.first(where: { $0.name == name }) else { return nil }
        var lines: [Line] = []
        var rows: [Int] = []
        var title = Line([Span(service.name, Style(.plain, .bold)), Span("   ")])
        title.append(Looks.health(service.health, glyphs))
        if let reason = service.health.reason { title.append(" (\(reason))", .muted) }
        title.append("   \(Format.rate(service.rps))", .plain)
        title.append(" req/s   ", .muted)
        title.append("err ", .muted)
        title.append(Format.percent(service.errorRatio), Looks.errorRatioStyle(service.errorRatio))
        if let latency = service.latency {
            title.append("   p50 ", .muted); title.append(Format.ms(latency.p50Ms))
            title.append("  p95 ", .muted); title.append(Format.ms(latency.p95Ms))
            title.append("  p99 ", .muted); title.append(Format.ms(latency.p99Ms))
        }
        title.append("   total ", .muted); title.append(Format.count(service.requestsTotal))
        lines.append(title)
        if let fault = service.fault.summary { lines.append(Line("fault: \(fault)", Style(.error, .bold))) }
        // Braille packs the whole minute into half the width (ASCII: one second per cell).
        let top = service.rpsHistory.max()
        let spark = Sparkline.brailleText(service.rpsHistory, width: max(10, width - 14), maximum: top, glyphs: glyphs)
        lines.append(Line([Span("req/s 60s   ", .muted), Span(spark, .accent)]))
        if service.errorHistory.contains(where: { $0 > 0 }) {
            let errors = Sparkline.brailleText(service.errorHistory, width: max(10, width - 14), maximum: top, glyphs: glyphs)
            lines.append(Line([Span("errors/s    ", .muted), Span(errors, .error)]))
        }
        lines.append("")

        lines.append(Document.heading("INSTANCES"))
        lines.append(Document.row([(Span("ID", .muted), 18, .left), (Span("ADDRESS", .muted), 28, .left), (Span("VERSION", .muted), 9, .left), (Span("HEALTH", .muted), 11, .left), (Span("IN-FLIGHT", .muted), 9, .right)]))
        for instance in service.instances {
            lines.append(Document.row([
                (Span(instance.id), 18, .left), (Span(instance.address), 28, .left), (Span(instance.version), 9, .left),
                (Looks.health(instance.health, glyphs), 11, .left), (Span(String(instance.inFlight)), 9, .right),
                (instance.fault.summary.map { Span("fault: \($0)", .error) } ?? (instance.ejected ? Span("ejected", .warn) : Span("")), 0, .left),
            ]))
        }
        if service.instances.isEmpty { lines.append(Line("  no instances registered", .muted)) }
        lines.append("")

        let routes = snapshot.routes.filter { $0.service == service.name }
        lines.append(Document.heading("ROUTES"))
        lines.append(Document.row([(Span("ROUTE", .muted), 30, .left), (Span("RPS", .muted), 6, .right), (Span("ERR%", .muted), 7, .right), (Span("P50", .muted), 7, .right), (Span("P95", .muted), 7, .right), (Span("P99", .muted), 7, .right), (Span("TOTAL", .muted), 9, .right)]))
        for route in routes {
            let latency = route.latency
            let isSelected = rows.count == state.detailSelection
            rows.append(lines.count)
            let row = (Document.row([
                (Span(route.route), 30, .left), (Span(Format.rate(route.rps)), 6, .right),
                (Span(Format.percent(route.errorRatio), Looks.errorRatioStyle(route.errorRatio)), 7, .right),
                (Span(latency.map { Format.ms($0.p50Ms) } ?? "-"), 7, .right), (Span(latency.map { Format.ms($0.p95Ms) } ?? "-"), 7, .right),
                (Span(latency.map { Format.ms($0.p99Ms) } ?? "-"), 7, .right), (Span(Format.count(route.requestsTotal)), 9, .right),
            ]))
            lines.append(isSelected ? Document.selected(row, glyphs: glyphs) : row)
        }
        if routes.isEmpty { lines.append(Line("  no routes reported", .muted)) }
        lines.append("")

        lines.append(Document.heading("HEALTH CHECKS"))
        for check in service.checks {
            var line = Line([Span("  ")])
            line.append(check.passing ? Span("\(glyphs.healthUp) passing", .ok) : Span("\(glyphs.healthDown) failing", .error))
            line.append("  " + check.name)
            if check.isDependency { line.append(" (dependency: reported, does not make the service down)", .muted) }
            if let message = check.message { line.append("  " + message, .muted) }
            lines.append(line)
        }
        if service.checks.isEmpty { lines.append(Line("  no health checks", .muted)) }
        lines.append("")

        lines.append(Document.heading("DEPENDENCIES"))
        for dependency in service.dependencies {
            var line = Line([Span("  " + DisplayWidth.pad(dependency, to: 20) + " ")])
            if let target = snapshot.services.first(where: { $0.name == dependency }) {
                let health = Looks.health(target.health, glyphs)
                line.append(DisplayWidth.pad(health.text, to: 11), health.style)
            } else {
                line.append(DisplayWidth.pad("unknown", to: 11), .muted)
            }
            if let breaker = snapshot.breakers.first(where: { $0.id == "\(service.name)->\(dependency)" }) {
                line.append("  breaker ", .muted)
                line.append(Looks.breakerState(breaker.state, glyphs))
                if let rate = breaker.failureRate { line.append("  fail \(Format.percent(rate, decimals: 0))", .muted) }
            }
            lines.append(line)
        }
        if service.dependencies.isEmpty { lines.append(Line("  calls no other service", .muted)) }

        // The topics it consumes: a consumer falling behind shows here before it breaks an invariant.
        if !service.subscriptions.isEmpty {
            lines.append("")
            lines.append(Document.heading("SUBSCRIPTIONS"))
            for subscription in service.subscriptions {
                var line = Line([Span("  " + DisplayWidth.pad(subscription.topic, to: 20) + " ")])
                line.append(DisplayWidth.pad("\(subscription.partitions) partition\(subscription.partitions == 1 ? "" : "s")", to: 14), .muted)
                if subscription.queued == 0 {
                    line.append(DisplayWidth.pad("up to date", to: 28), .ok)
                } else {
                    let behind = "\(Format.count(subscription.queued)) queued, \(Format.ms(subscription.secondsBehind * 1000)) behind"
                    line.append(DisplayWidth.pad(behind, to: 28), subscription.secondsBehind >= 1 ? .warn : .plain)
                }
                line.append("  peak \(Format.count(subscription.peakQueued)) queued, \(Format.ms(subscription.peakSecondsBehind * 1000)) behind", .muted)
                if subscription.deadLettered > 0 { line.append("  \(Format.count(subscription.deadLettered)) dead-lettered", .error) }
                lines.append(line)
            }
        }
        return (lines, rows)
    }
}

/// `Enter` on a breaker: policy, window figures, transition history, recent failed traces.
enum BreakerDetailView {
    static func render(_ state: DashboardState, id: String, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        guard let document = document(state, id: id, glyphs: glyphs, width: area.width) else {
            buffer.write("breaker \(id) is no longer reported", x: area.x, y: area.y, style: .warn, clip: area)
            return
        }
        Document.render(document.lines, offset: state.detailOffset, area: area, into: &buffer)
    }

    /// The detail's lines, and which of them are the failed traces (`Enter` opens the selected
    /// one); nil when the breaker is no longer reported.
    static func document(_ state: DashboardState, id: String, glyphs: Glyphs, width: Int) -> (lines: [Line], rows: [Int])? {
        guard let snapshot = state.snapshot, let breaker = snapshot.breakers.first(where: { $0.id == id }) else { return nil }
        var lines: [Line] = []
        var rows: [Int] = []
        var title = Line([Span(Looks.breakerName(breaker.id, glyphs), Style(.plain, .bold)), Span("   ")])
        title.append(Looks.breakerState(breaker.state, glyphs))
        title.append(breaker.isManual ? "   manual" : "   automatic", .muted)
        let next = BreakersView.nextTransition(breaker)
        if !next.isEmpty && next != "manual" { title.append("   " + next, .muted) }
        lines.append(title)
        lines.append(Line([Span("policy  ", .muted), Span(breaker.policy.isEmpty ? "-" : breaker.policy)]))
        lines += BreakerShadowLines.lines(breaker, snapshot: snapshot, glyphs: glyphs)
        lines.append("")

        lines.append(Document.heading("WINDOW"))
        let barWidth = max(10, min(40, width - 30))
        lines.append(gauge("failure rate", breaker.failureRate, width: barWidth, glyphs: glyphs))
        lines.append(gauge("slow calls", breaker.slowCallRate, width: barWidth, glyphs: glyphs))
        lines.append(Line([
            Span("  calls ", .muted), Span(Format.count(breaker.callsInWindow)),
            Span("   rejected ", .muted), Span(Format.count(breaker.rejectedCount), breaker.rejectedCount > 0 ? .warn : .plain),
            Span("   in state ", .muted), Span(Format.shortClock(breaker.secondsInState)),
        ]))
        lines.append("")

        lines.append(Document.heading("TRANSITIONS (newest first)"))
        for transition in breaker.transitions.reversed() {
            var line = Line([Span("  +" + Format.clock(transition.atSeconds) + "  ", .muted)])
            line.append(DisplayWidth.pad(transition.from.label, to: 13), Looks.breakerStyle(transition.from))
            line.append(" \(glyphs.arrow) ", .muted)
            line.append(DisplayWidth.pad(transition.to.label, to: 14), Looks.breakerStyle(transition.to))
            line.append(transition.reason)
            lines.append(line)
        }
        if breaker.transitions.isEmpty { lines.append(Line("  no transitions since start", .muted)) }
        lines.append("")

        lines.append(Document.heading("RECENT FAILED TRACES THROUGH IT"))
        // A page of the whole trace store (not the snapshot's few newest), asked for by `update`.
        let page = state.breakerTraces.flatMap { $0.query == state.breakerTracesQuery ? $0 : nil }
        let failed = page?.rows ?? []
        for trace in failed {
            let isSelected = rows.count == state.detailSelection
            rows.append(lines.count)
            let row = Line([
                Span("  " + String(trace.traceId.prefix(8)) + "  ", .muted),
                Span(DisplayWidth.pad(trace.rootOperation, to: 28) + " "),
                Span(DisplayWidth.pad(Format.ms(trace.durationMs), to: 8, alignment: .right) + "  "),
                Span("\(glyphs.errorMark) ", .error),
                Span(Format.age(snapshot.takenAt - trace.startedAt) + " ago", .muted),
            ])
            lines.append(isSelected ? Document.selected(row, glyphs: glyphs) : row)
        }
        if page == nil {
            lines.append(Line("  loading", .muted))
        } else if failed.isEmpty {
            lines.append(Line("  none stored", .muted))
        } else if let page, page.matching > failed.count {
            lines.append(Line("  and \(Format.count(page.matching - failed.count)) older", .muted))
        }
        return (lines, rows)
    }

    static func gauge(_ label: String, _ ratio: Double?, width: Int, glyphs: Glyphs) -> Line {
        var line = Line([Span("  " + DisplayWidth.pad(label, to: 14), .muted)])
        guard let ratio else {
            line.append("- (too few calls in the window)", .muted)
            return line
        }
        let clamped = min(max(ratio, 0), 1)
        let filled = Int((clamped * Double(width)).rounded())
        line.append(String(repeating: String(glyphs.barFull), count: filled), clamped >= 0.5 ? .error : .accent)
        line.append(String(repeating: String(glyphs.gaugeEmpty), count: width - filled), .muted)
        line.append(" " + DisplayWidth.pad(Format.percent(clamped, decimals: 0), to: 4, alignment: .right))
        return line
    }
}

/// `?`: every key from the key map, by view.
enum HelpView {
    static func render(_ state: DashboardState, keyMap: KeyMap, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        var lines: [Line] = [Document.heading("KEYS"), ""]
        // The time controls only where they work: on a simulated run.
        for context in KeyContext.allCases where context != .help && (context != .simulation || state.simulation != nil) {
            let bindings = keyMap.bindings.filter { $0.context == context }
            guard !bindings.isEmpty else { continue }
            lines.append(Line(context.title, Style(.plain, .bold)))
            for binding in bindings {
                let keys = binding.keys.map { glyphs.isUnicode ? $0.description : $0.asciiDescription }.joined(separator: " ")
                lines.append(Line([Span("  " + DisplayWidth.pad(keys, to: 16), Style(.accent, .bold)), Span(binding.help)]))
            }
            lines.append("")
        }
        Document.render(lines, offset: state.detailOffset, area: area, into: &buffer)
    }
}
