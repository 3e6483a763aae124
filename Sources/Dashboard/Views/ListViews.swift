import Telemetry
import TerminalUI

/// Draws a list view's table with the state's selection and scroll position.
enum ListTable {
    static func render(_ state: DashboardState, tab: Tab, columns: [TableColumn], rows: [[Line]], empty: String, area: Rect, into buffer: inout Buffer) {
        let list = state.list(tab)
        let table = Table(columns: columns, rows: rows, selected: rows.isEmpty ? nil : list.selectedIndex, offset: list.offset)
        buffer.render(table, in: area)
        if rows.isEmpty, area.height > 1 {
            let message = state.snapshot == nil ? "waiting for the first snapshot" : (list.filter.isEmpty ? empty : "no rows match the filter \"\(list.filter)\"")
            buffer.write(message, x: area.x, y: area.y + 1, style: .muted, clip: area)
        }
    }
}

/// `1` Services: health, instances, traffic, latency, a 60 s sparkline and the injected fault.
enum ServicesView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let services = Rows.services(state)
        let sort = state.sortOrder(.services)
        let wide = area.width >= 110
        let medium = area.width >= 84
        var columns = [
            TableColumn(Looks.title("SERVICE", sortedBy: sort == .name, glyphs), .length(Looks.serviceColumnWidth(services.map(\.name)))),
            TableColumn("HEALTH", .length(10)),
            TableColumn("INST", .length(5)),
            TableColumn(Looks.title("RPS", sortedBy: sort == .rps, glyphs), .length(6), .right),
            TableColumn(Looks.title("ERR%", sortedBy: sort == .errors, glyphs), .length(7), .right),
        ]
        if wide {
            columns += [TableColumn("P50", .length(7), .right), TableColumn("P95", .length(7), .right)]
        }
        columns.append(TableColumn(Looks.title("P99", sortedBy: sort == .p99, glyphs), .length(7), .right))
        let sparkWidth = wide ? 20 : (medium ? 16 : 0)
        if sparkWidth > 0 { columns.append(TableColumn("  LAST 60s", .length(sparkWidth + 2))) }
        columns.append(TableColumn("", .fill))

        let rows: [[Line]] = services.map { service in
            let up = service.instances.filter { $0.health.state != .down && !$0.ejected }.count
            let idle = service.rps <= 0 && service.requestsTotal == 0
            var row: [Line] = [
                Line(service.name),
                Line([Looks.health(service.health, glyphs)]),
                Line("\(up)/\(service.instances.count)", up < service.instances.count ? .warn : .plain),
                Line(Format.rate(service.rps)),
                service.rps <= 0 && service.errorRatio == 0 ? Line("-", .muted) : Line(Format.percent(service.errorRatio), Looks.errorRatioStyle(service.errorRatio)),
            ]
            let latency = service.latency
            func ms(_ value: Double?) -> Line { value.map { Line(Format.ms($0)) } ?? Line("-", .muted) }
            if wide { row += [ms(latency?.p50Ms), ms(latency?.p95Ms)] }
            row.append(ms(latency?.p99Ms))
            if sparkWidth > 0 {
                let spark = idle ? "" : Sparkline.text(service.rpsHistory, width: sparkWidth, glyphs: glyphs)
                row.append(Line("  " + spark, service.health.state == .down ? .error : .accent))
            }
            row.append(service.fault.summary.map { Line("fault: \($0)", Style(.error, .bold)) } ?? Line(""))
            return row
        }
        ListTable.render(state, tab: .services, columns: columns, rows: rows, empty: "no services reported", area: area, into: &buffer)
    }
}

/// `2` Breakers: state, window figures, time in state and what happens next.
enum BreakersView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let breakers = Rows.breakers(state)
        let sort = state.sortOrder(.breakers)
        let nameWidth = min(34, max(20, (breakers.map { DisplayWidth.of(Looks.breakerName($0.id, glyphs)) }.max() ?? 20) + 1))
        let columns = [
            TableColumn("BREAKER", .length(nameWidth)),
            TableColumn(Looks.title("STATE", sortedBy: sort == .state, glyphs), .length(15)),
            TableColumn(Looks.title("FAIL%", sortedBy: sort == .failures, glyphs), .length(6), .right),
            TableColumn("SLOW%", .length(6), .right),
            TableColumn("CALLS", .length(6), .right),
            TableColumn(Looks.title("REJECTED", sortedBy: sort == .rejected, glyphs), .length(9), .right),
            TableColumn("IN STATE", .length(9), .right),
            TableColumn("  NEXT", .fill),
        ]
        let rows: [[Line]] = breakers.map { breaker in
            func rate(_ value: Double?) -> Line { value.map { Line(Format.percent($0, decimals: 0)) } ?? Line("-", .muted) }
            return [
                Line(Looks.breakerName(breaker.id, glyphs)),
                Line([Looks.breakerState(breaker.state, glyphs)]),
                rate(breaker.failureRate),
                rate(breaker.slowCallRate),
                Line(Format.count(breaker.callsInWindow)),
                Line(Format.count(breaker.rejectedCount), breaker.rejectedCount > 0 ? .warn : .plain),
                Line(Format.shortClock(breaker.secondsInState)),
                Line("  " + nextTransition(breaker), .muted),
            ]
        }
        ListTable.render(state, tab: .breakers, columns: columns, rows: rows, empty: "no breakers reported", area: area, into: &buffer)
    }

    /// `half-open in 18s`, `automatic in 40s`, `manual`, or nothing.
    static func nextTransition(_ breaker: BreakerStatus) -> String {
        if let seconds = breaker.secondsUntilHalfOpen {
            let whole = Format.fixed(seconds.rounded(.up), 0)
            return breaker.state == .forcedOpen ? "automatic in \(whole)s" : "half-open in \(whole)s"
        }
        if let shadow = breaker.shadow, shadow.timesOpened > 0 { return shadow.wouldBeOpen ? "would be open" : "would have opened" }
        return breaker.isManual ? "manual" : ""
    }
}

/// `3` Traces: age, id, root service and operation, duration, spans, error mark. The rows are the
/// page the trace store answered (``DashboardState/traceList``): only the visible ones.
enum TracesView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let page = state.traceList
        let sort = state.sortOrder(.traces)
        let now = state.snapshot?.takenAt ?? 0
        let columns = [
            TableColumn(Looks.title("AGE", sortedBy: sort == .newest, glyphs), .length(7), .right),
            TableColumn("TRACE", .length(8)),
            TableColumn("SERVICE", .length(Looks.serviceColumnWidth((state.snapshot?.services ?? []).map(\.name)))),
            TableColumn("OPERATION", .fill),
            TableColumn(Looks.title("DURATION", sortedBy: sort == .slowest, glyphs), .length(9), .right),
            TableColumn("SPANS", .length(5), .right),
            TableColumn("", .length(8)),
        ]
        let shown = page?.rows ?? []
        let rows: [[Line]] = shown.map { trace in
            [
                Line(Format.age(now - trace.startedAt), .muted),
                Line(String(trace.traceId.prefix(8)), .muted),
                Line(trace.rootService),
                Line(trace.rootOperation),
                Line(Format.ms(trace.durationMs)),
                Line(String(trace.spanCount)),
                trace.hasError ? Line("\(glyphs.errorMark) error", .error) : Line(""),
            ]
        }
        let list = state.list(.traces)
        var windowed = state
        windowed.lists[.traces]?.selectedIndex = list.selectedIndex - (page?.offset ?? 0)
        windowed.lists[.traces]?.offset = 0
        let empty = page == nil ? "loading traces" : state.tracesErrorsOnly ? "no traces with errors" : "no traces stored yet"
        ListTable.render(windowed, tab: .traces, columns: columns, rows: rows, empty: empty, area: area, into: &buffer)
    }

    /// For the tab line: `1,204 match · 10,000 stored · 52,311 dropped`, after `sampled 10% · ` when
    /// fewer than all traces are sampled (first: on a narrow line the counts are cut, not the ratio).
    /// `dot` separates them (the glyph set's, so an ASCII terminal gets `-`).
    static func counts(_ page: TracePage, filtered: Bool, sampling: SamplingStatus? = nil, dot: Character = Glyphs.unicode.dot) -> String {
        var parts: [String] = []
        if let sampling { parts.append("sampled \(HeaderView.samplePercent(sampling.ratio))") }
        if filtered { parts.append("\(Format.count(page.matching)) match") }
        parts.append("\(Format.count(page.storedTraces)) stored")
        if page.droppedTraces > 0 { parts.append("\(Format.count(page.droppedTraces)) dropped") }
        return parts.joined(separator: " \(dot) ")
    }
}

/// `4` Events: the event log, newest first.
enum EventsView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let events = Rows.events(state)
        let sort = state.sortOrder(.events)
        let sourceWidth = min(32, max(10, (events.prefix(200).map { DisplayWidth.of($0.source) }.max() ?? 10) + 1))
        let columns = [
            TableColumn(Looks.title("TIME", sortedBy: sort == .oldest, glyphs), .length(9)),
            TableColumn("KIND", .length(11)),
            TableColumn("SOURCE", .length(sourceWidth)),
            TableColumn("MESSAGE", .fill),
        ]
        let list = state.list(.events)
        let visible = Table(columns: columns, rows: []).visibleRows(height: area.height)
        let first = Table.scrollOffset(selected: events.isEmpty ? nil : list.selectedIndex, offset: list.offset, visibleRows: visible, rowCount: events.count)
        let shown = events.isEmpty ? [] : Array(events[first..<min(events.count, first + visible)])
        let rows: [[Line]] = shown.map { event in
            [
                Line("+" + Format.clock(event.uptimeSeconds), .muted),
                Line([Looks.eventKind(event.kind)]),
                Line(Looks.breakerName(event.source, glyphs)),
                // `Enter` opens the trace an event names.
                Line([Span(event.message)] + (event.traceId.map { [Span("  trace " + $0.prefix(8), .muted)] } ?? [])),
            ]
        }
        var windowed = state
        windowed.lists[.events]?.selectedIndex = list.selectedIndex - first
        windowed.lists[.events]?.offset = 0
        ListTable.render(windowed, tab: .events, columns: columns, rows: rows,
                         empty: state.eventsInterventionsOnly ? "no manual actions yet (i shows every event)" : "no events yet", area: area, into: &buffer)
    }
}
