import Telemetry
import TerminalUI

// From a symptom to a trace: `Enter` in a detail opens the next one (a route's slowest traces, a
// trace, a comparison) and remembers the way in `trail`; `Esc` walks it back.

extension DashboardState {
    /// Shows `next`, remembering the detail on screen (with its selection and scroll) for `Esc`.
    mutating func open(_ next: Detail) -> [Effect] {
        if let detail { trail.append(TrailStep(detail: detail, selection: detailSelection, offset: detailOffset)) }
        detail = next
        detailSelection = 0
        detailOffset = 0
        if case .trace(let id, _) = next { return [.fetchTrace(id: id)] }
        return []
    }

    /// Goes back to the detail the current one was opened from; false when it was opened from a list.
    mutating func returnAlongTrail() -> Bool {
        guard let step = trail.popLast() else { return false }
        detail = step.detail
        detailSelection = step.selection
        detailOffset = step.offset
        return true
    }

    /// Why `Enter` in `detail` opens nothing, or nil when it opens something.
    func detailDrillInReason(_ detail: Detail) -> String? {
        switch detail {
        case .service:
            return detailRows.isEmpty ? "no route reported for this service" : nil
        case .breaker:
            return detailRows.isEmpty ? "no failed trace through this breaker is stored" : nil
        case .routeTraces:
            return selectedRouteTrace == nil ? "no stored trace went through this route" : nil
        case .trace(_, let load):
            guard case .loaded = load else { return "the trace is not loaded" }
            return nil
        case .comparison, .interventions:
            return "nothing to open here"
        }
    }

    /// `Enter` in a detail.
    mutating func drillIn(from detail: Detail) -> [Effect] {
        guard detailDrillInReason(detail) == nil else { return [] }
        switch detail {
        case .service(let name):
            let routes = snapshot?.routes.filter { $0.service == name } ?? []
            guard routes.indices.contains(detailSelection) else { return [] }
            return open(.routeTraces(service: name, route: routes[detailSelection].route))
        case .breaker:
            guard let rows = breakerTraces?.rows, rows.indices.contains(detailSelection) else { return [] }
            return open(.trace(id: rows[detailSelection].traceId, tree: .loading))
        case .routeTraces:
            guard let trace = selectedRouteTrace else { return [] }
            return open(.trace(id: trace.traceId, tree: .loading))
        case .trace:
            guard var trace = loadedTrace else { return [] }
            trace.showsSpanDetails.toggle()
            loadedTrace = trace
            detailOffset = 0
            return []
        case .comparison, .interventions:
            return []
        }
    }

    /// The row selected in a route's slowest traces, when it is on the page at hand.
    var selectedRouteTrace: TraceSummary? {
        guard let page = routeTraces, page.query == routeTracesQuery else { return nil }
        let position = detailSelection - page.offset
        return page.rows.indices.contains(position) ? page.rows[position] : nil
    }

    /// The lines of the service or breaker detail that can be selected (its routes, its failed
    /// traces), and how many lines the detail has; empty in other views.
    var detailRows: [Int] { detailDocument?.rows ?? [] }

    private var detailDocument: (lines: [Line], rows: [Int])? {
        switch detail {
        case .service(let name): ServiceDetailView.document(self, name: name, glyphs: .unicode, width: width)
        case .breaker(let id): BreakerDetailView.document(self, id: id, glyphs: .unicode, width: width)
        default: nil
        }
    }

    /// ↑↓ in a detail with rows to open: moves the selection, scrolling so it shows.
    mutating func moveDetailSelection(by delta: Int) {
        if case .routeTraces = detail {
            let count = routeTraces?.matching ?? 0
            guard count > 0 else { return }
            detailSelection = min(max(0, detailSelection.addingClamped(delta)), count - 1)
            detailOffset = Table.scrollOffset(selected: detailSelection, offset: detailOffset,
                                              visibleRows: Self.routeTraceRows(height: height), rowCount: count)
            return
        }
        guard let document = detailDocument, !document.rows.isEmpty else { return }
        detailSelection = min(max(0, detailSelection.addingClamped(delta)), document.rows.count - 1)
        detailOffset = Table.scrollOffset(selected: document.rows[detailSelection], offset: detailOffset,
                                          visibleRows: DashboardLayout.documentRows(height: height), rowCount: document.lines.count)
    }

    /// The way from the tab to the detail on screen, for the header: `Services`, `payment-service`,
    /// `POST /pay slowest`, `trace 3fa2…`. Empty on a list.
    public func breadcrumb(glyphs: Glyphs) -> [String] {
        guard let detail else { return [] }
        var parts = [tab.title]
        for step in trail { parts.append(Self.crumb(step.detail, glyphs: glyphs)) }
        parts.append(Self.crumb(detail, glyphs: glyphs))
        if let trace = loadedTrace, trace.showsSpanDetails,
           let span = trace.tree.spans.first(where: { $0.spanId == trace.selectedSpanID }) {
            parts.append("span " + span.operation)
        }
        return parts
    }

    static func crumb(_ detail: Detail, glyphs: Glyphs) -> String {
        func short(_ id: String) -> String { id.count > 4 ? id.prefix(4) + glyphs.ellipsis : id }
        switch detail {
        case .service(let name): return name
        case .breaker(let id): return Looks.breakerName(id, glyphs)
        case .routeTraces(_, let route): return route + " slowest"
        case .trace(let id, _): return "trace " + short(id)
        case .comparison(let marked, let other): return "compare \(short(marked.traceId)) with \(short(other.traceId))"
        case .interventions: return "Interventions"
        }
    }
}
