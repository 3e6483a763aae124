import Telemetry
import TerminalUI

/// A view `meshtop snapshot` can print.
public enum DashboardView: String, CaseIterable, Sendable {
    case services, breakers, traces, events
    /// The detail of one trace (the caller passes its tree).
    case trace
    /// Services in layers from the gateway and the edges between them.
    case topology
    /// The detail of one service or breaker (the caller names it).
    case service, breaker
    /// The slowest stored traces of one route (the caller names it `SERVICE:ROUTE`).
    case route
    /// Every key, by view.
    case help
    /// Two traces of the same operation side by side (the caller names them).
    case compare
    /// Manual actions with their origin and measured effect.
    case interventions
    /// What the services logged, newest first.
    case logs
}

/// Draws the dashboard: pure functions from state to a ``Buffer``.
public enum DashboardRenderer {
    /// The whole screen for `state`, at `state.width × state.height`.
    public static func render(_ state: DashboardState, glyphs: Glyphs, keyMap: KeyMap = .standard) -> Buffer {
        var buffer = Buffer(width: state.width, height: state.height)
        if state.isTooSmall {
            renderTooSmall(state, glyphs: glyphs, into: &buffer)
            return buffer
        }
        let areas = DashboardLayout.areas(width: state.width, height: state.height)
        HeaderView.render(state, glyphs: glyphs, area: areas.header, into: &buffer)
        // Laid out once for the tab line's position and the view.
        let topology = state.tab == .topology && state.detail == nil && !state.showHelp ? Rows.topology(state) : []
        renderTabLine(state, glyphs: glyphs, topologyLines: topology.count, area: areas.tabs, into: &buffer)
        let body = areas.body.inset(left: 1, right: 1)
        if state.showHelp {
            HelpView.render(state, keyMap: keyMap, glyphs: glyphs, area: body, into: &buffer)
        } else {
            switch state.detail {
            case .service(let name): ServiceDetailView.render(state, name: name, glyphs: glyphs, area: body, into: &buffer)
            case .breaker(let id): BreakerDetailView.render(state, id: id, glyphs: glyphs, area: body, into: &buffer)
            case .trace: TraceDetailView.render(state, glyphs: glyphs, area: body, into: &buffer)
            case .interventions: InterventionsView.render(state, glyphs: glyphs, area: body, into: &buffer)
            case .routeTraces(let service, let route): RouteTracesView.render(state, service: service, route: route, glyphs: glyphs, area: body, into: &buffer)
            case .comparison(let marked, let other): ComparisonView.render(state, marked: marked, other: other, glyphs: glyphs, area: body, into: &buffer)
            case nil:
                switch state.tab {
                case .services: ServicesView.render(state, glyphs: glyphs, area: body, into: &buffer)
                case .breakers: BreakersView.render(state, glyphs: glyphs, area: body, into: &buffer)
                case .traces: TracesView.render(state, glyphs: glyphs, area: body, into: &buffer)
                case .events: EventsView.render(state, glyphs: glyphs, area: body, into: &buffer)
                case .topology: TopologyView.render(state, lines: topology, glyphs: glyphs, area: body, into: &buffer)
                case .logs: LogsView.render(state, glyphs: glyphs, area: body, into: &buffer)
                }
            }
        }
        renderHintLine(state, keyMap: keyMap, glyphs: glyphs, area: areas.hints.inset(left: 1), into: &buffer)
        return buffer
    }

    /// One view of a snapshot as plain text (trailing spaces trimmed), with no terminal: what
    /// `meshtop snapshot --view …` prints. The state goes through ``update(_:_:keyMap:)`` as in
    /// the dashboard, and its fetches are answered by `traces` and `traceTree` (a source's, such
    /// as the trace store's `page(_:)` and `tree(hex:)`). `.trace` opens the slowest trace, as
    /// `s` (slowest) and `Enter` on the Traces list would, or the trace `traceIDs` names;
    /// `.service` and `.breaker` show the one `target` names; `.compare` the first of `traceIDs`
    /// (marked) with the second, or else the slowest trace with the median one of its operation. ``viewProblem(view:target:traceIDs:snapshot:traceTree:)`` says
    /// beforehand when those names do not fit the snapshot.
    public static func renderText(
        view: DashboardView,
        snapshot: SystemSnapshot,
        traces: (TraceQuery) -> TracePage,
        traceTree: (String) -> TraceTree? = { _ in nil },
        traceLogs: (String) -> [LogRecord]? = { _ in nil },
        target: String? = nil,
        traceIDs: [String] = [],
        width: Int = 120,
        height: Int = 40,
        glyphs: Glyphs = .unicode
    ) -> String {
        var state = DashboardState(width: width, height: height)
        func send(_ message: Message) {
            var queue = [message]
            while !queue.isEmpty {
                for effect in update(&state, queue.removeFirst()) {
                    switch effect {
                    case .fetchTraces(let query): queue.append(.traces(traces(query)))
                    case .fetchTrace(let id): queue.append(.traceTree(traceTree(id)))
                    case .fetchTraceLogs(let id): queue.append(.traceLogs(traceId: id, records: traceLogs(id)))
                    case .control, .simulate, .quit: break
                    }
                }
            }
        }
        switch view {
        case .services: state.tab = .services
        case .breakers: state.tab = .breakers
        case .traces: state.tab = .traces
        case .events: state.tab = .events
        case .topology: state.tab = .topology
        case .logs: state.tab = .logs
        case .interventions: state.detail = .interventions
        case .trace, .compare:
            state.tab = .traces
            state.lists[.traces]?.sortIndex = Tab.traces.sortOrders.firstIndex(of: .slowest) ?? 0
        case .service, .help, .route: state.tab = .services
        case .breaker: state.tab = .breakers
        }
        send(.snapshot(snapshot))
        func openTrace(_ id: String) {
            for effect in state.open(.trace(id: id, tree: .loading)) { if case .fetchTrace = effect { send(.traceTree(traceTree(id))) } }
        }
        switch view {
        case .service:
            state.detail = .service(name: target ?? "")
            send(.tick)
        case .breaker:
            state.detail = .breaker(id: target ?? "")
            send(.tick)
        case .route:
            let (service, route) = Self.splitRoute(target ?? "")
            state.detail = .service(name: service)
            state.detailSelection = snapshot.routes.filter { $0.service == service }.firstIndex { $0.route == route } ?? 0
            send(.key(.enter))
        case .help:
            send(.key(.char("?")))
        case .trace where !traceIDs.isEmpty:
            openTrace(traceIDs[0])
        case .compare:
            // Named, or the slowest stored trace and the median one of its operation (a typical run).
            var pair = traceIDs
            if pair.count != 2, let slowest = traces(TraceQuery(order: .slowest, limit: 1)).rows.first,
               let root = traceTree(slowest.traceId)?.spans.first {
                var sameOperation = TraceQuery(order: .slowest, span: SpanName(service: root.service, operation: root.operation), limit: 1)
                sameOperation.offset = traces(sameOperation).matching / 2
                pair = [slowest.traceId] + traces(sameOperation).rows.map(\.traceId).filter { $0 != slowest.traceId }
            }
            guard let first = pair.first else { break }
            openTrace(first)
            guard pair.count == 2 else {
                state.notice = Notice("one stored trace of its operation: nothing to compare it with")
                break
            }
            send(.key(.char("M")))
            state.trail = []
            state.detail = nil
            openTrace(pair[1])
            send(.key(.char("C")))
            state.notice = nil
        default:
            break
        }
        if view == .trace && traceIDs.isEmpty {
            if state.list(.traces).selectedID != nil {
                send(.key(.enter))
            } else {
                state.detail = .trace(id: "", tree: .notStored)
            }
        }
        return render(view: view, state: state, width: width, height: height, glyphs: glyphs)
    }

    /// Why `meshtop snapshot` cannot show `view` with these names in this snapshot (an unknown
    /// service or breaker, a trace not stored, two traces of different operations), or nil when it can.
    public static func viewProblem(view: DashboardView, target: String?, traceIDs: [String], snapshot: SystemSnapshot,
                                   traceTree: (String) -> TraceTree?) -> String? {
        switch view {
        case .service:
            let known = snapshot.services.map(\.name)
            guard let target, known.contains(target) else {
                return "unknown service \"\(target ?? "")\" in \(snapshot.system); known: \(known.joined(separator: ", "))"
            }
        case .breaker:
            let known = snapshot.breakers.map(\.id)
            guard let target, known.contains(target) else {
                return "unknown breaker \"\(target ?? "")\" in \(snapshot.system); known: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
            }
        case .route:
            let (service, route) = splitRoute(target ?? "")
            let known = snapshot.routes.map { "\($0.service):\($0.route)" }
            guard snapshot.routes.contains(where: { $0.service == service && $0.route == route }) else {
                return "unknown route \"\(target ?? "")\" in \(snapshot.system); known: \(known.joined(separator: ", "))"
            }
        case .trace, .compare:
            var trees: [TraceTree] = []
            for id in traceIDs {
                guard let tree = traceTree(id) else {
                    return "trace \(id) is not stored in this run (`meshtop snapshot --view traces` lists the stored ones)"
                }
                trees.append(tree)
            }
            if trees.count == 2, let a = trees[0].spans.first?.operation, let b = trees[1].spans.first?.operation, a != b {
                return "trace \(trees[0].traceId) is \(a) and \(trees[1].traceId) is \(b): compare traces of the same operation"
            }
        default:
            break
        }
        return nil
    }

    /// `order-service:POST /orders` as the service and the route (split at the first colon).
    static func splitRoute(_ text: String) -> (service: String, route: String) {
        guard let colon = text.firstIndex(of: ":") else { return (text, "") }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// `state` rendered at the given size as plain text, whatever view it is on.
    public static func render(view _: DashboardView, state: DashboardState, width: Int, height: Int, glyphs: Glyphs = .unicode) -> String {
        var sized = state
        if sized.width != width || sized.height != height {
            _ = update(&sized, .resize(width: width, height: height))
        }
        return render(sized, glyphs: glyphs).plainText()
    }

    static func renderTooSmall(_ state: DashboardState, glyphs: Glyphs, into buffer: inout Buffer) {
        let times = glyphs.isUnicode ? "×" : "x"
        let lines = [
            "terminal too small (need \(DashboardLayout.minimumWidth)\(times)\(DashboardLayout.minimumHeight))",
            "now \(state.width)\(times)\(state.height)",
        ]
        let top = max(0, state.height / 2 - 1)
        for (index, line) in lines.enumerated() {
            let fitted = DisplayWidth.truncate(line, to: state.width)
            let x = max(0, (state.width - DisplayWidth.of(fitted)) / 2)
            buffer.write(fitted, x: x, y: top + index, style: index == 0 ? Style(.warn, .bold) : .muted)
        }
    }

    static func renderTabLine(_ state: DashboardState, glyphs: Glyphs, topologyLines lines: Int, area: Rect, into buffer: inout Buffer) {
        let right = tabLineStatus(state, glyphs: glyphs, topologyLines: lines)
        let selected = state.detail == nil && !state.showHelp ? Tab.allCases.firstIndex(of: state.tab) : nil
        func width(_ titles: [String]) -> Int { titles.reduce(0) { $0 + DisplayWidth.of($1) + 3 } + 2 }
        var titles = Tab.allCases.map { "\($0.rawValue) \($0.title)" }
        // When the status on the right would be cut, the other tabs shrink to `7 Log` first.
        if !right.spans.isEmpty, area.width - width(titles) - 1 < DisplayWidth.of(right.plainText) {
            titles = Tab.allCases.enumerated().map { index, tab in
                index == selected ? "\(tab.rawValue) \(tab.title)" : "\(tab.rawValue) \(tab.title.prefix(3))"
            }
        }
        let crumbs = state.showHelp ? [] : state.breadcrumb(glyphs: glyphs)
        if crumbs.isEmpty {
            var tabs = Tabs(titles: titles, selected: selected)
            if selected == nil {
                // In help the tab it came from stays marked, without brackets.
                tabs.style = .muted
            }
            buffer.render(tabs, in: area.inset(left: 1))
        } else {
            // In a detail, the way there: `Services › payment-service › POST /pay slowest › trace 3fa2…`.
            let separator = glyphs.isUnicode ? " › " : " > "
            var line = Line([])
            for (index, crumb) in crumbs.enumerated() {
                if index > 0 { line.append(separator, .muted) }
                line.append(crumb, index == crumbs.count - 1 ? Style(.accent, .bold) : .muted)
            }
            buffer.write(line, x: area.x + 1, y: area.y, clip: area)
            titles = [line.plainText]
        }
        let available = area.width - width(titles) - 1
        guard available > 4, !right.spans.isEmpty else { return }
        let text = DisplayWidth.truncate(right.plainText, to: available, ellipsis: glyphs.ellipsis)
        let x = area.maxX - DisplayWidth.of(text) - 1
        if text == right.plainText {
            buffer.write(right, x: x, y: area.y, clip: area)
        } else {
            buffer.write(text, x: x, y: area.y, style: right.spans.last?.style ?? .plain, clip: area)
        }
    }

    /// The tab line's right end: a notice, else the list's filter, its modes and counts.
    static func tabLineStatus(_ state: DashboardState, glyphs: Glyphs, topologyLines lines: Int) -> Line {
        var right = Line([])
        if let notice = state.notice {
            right.append(notice.text, notice.isError ? Style(.error, .bold) : .accent)
        } else if state.detail == nil && !state.showHelp {
            let list = state.list(state.tab)
            if !list.filter.isEmpty && !list.isEditingFilter { right.append("filter: ", .muted); right.append(list.filter, .accent) }
            if state.tab == .traces && state.tracesErrorsOnly {
                if !right.spans.isEmpty { right.append("  ") }
                right.append("errors only", .warn)
            }
            if state.tab == .events && state.eventsInterventionsOnly {
                if !right.spans.isEmpty { right.append("  ") }
                right.append("interventions only", .accent)
            }
            if state.tab == .logs {
                if !right.spans.isEmpty { right.append("  ") }
                for span in LogsView.counts(state, glyphs: glyphs).spans { right.append(span.text, span.style) }
            }
            if state.tab == .traces, let page = state.traceList {
                if !right.spans.isEmpty { right.append("  ") }
                right.append(TracesView.counts(page, filtered: !list.filter.isEmpty || state.tracesErrorsOnly,
                                                   sampling: state.snapshot?.sampling, dot: glyphs.dot), .muted)
            }
            if state.tab == .topology {
                // Where the view is scrolled to, when it does not fit.
                let visible = DashboardLayout.listRows(height: state.height)
                if lines > visible {
                    let first = min(max(0, list.offset), lines - visible)
                    right.append("lines \(first + 1)-\(first + visible)/\(lines)", .muted)
                }
            }
        }
        return right
    }

    static func renderHintLine(_ state: DashboardState, keyMap: KeyMap, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let list = state.list(state.tab)
        if let prompt = state.timePrompt {
            var x = buffer.write("go to t=", x: area.x, y: area.y, style: Style(.accent, .bold), clip: area)
            x = buffer.write(prompt, x: x, y: area.y, clip: area)
            x = buffer.write(String(glyphs.eighths[0]), x: x, y: area.y, style: .accent, clip: area)
            buffer.render(KeyHints([.init("enter", "go"), .init("esc", "cancel"), .init("e.g.", "12m 90s 00:12:31")]),
                          in: Rect(x: x + 2, y: area.y, width: max(0, area.maxX - x - 2), height: 1))
            return
        }
        if state.detail == nil, !state.showHelp, list.isEditingFilter {
            var x = buffer.write("/", x: area.x, y: area.y, style: Style(.accent, .bold), clip: area)
            x = buffer.write(list.filter, x: x, y: area.y, clip: area)
            x = buffer.write(String(glyphs.eighths[0]), x: x, y: area.y, style: .accent, clip: area)
            buffer.render(KeyHints([.init("enter", "keep"), .init("esc", "clear")]), in: Rect(x: x + 2, y: area.y, width: area.maxX - x - 2, height: 1))
            return
        }
        // As `KeyHints` draws them, with the keys that cannot act now dimmed.
        var x = area.x
        for (index, binding) in keyMap.hintBindings(for: state.keyContext, simulating: state.simulation != nil).enumerated() {
            guard let label = binding.hint, let first = binding.keys.first else { continue }
            let name = KeyMap.hintName(first)
            let key = "<\(glyphs.isUnicode ? name : name.asciiArrows)>"
            let width = (index > 0 ? 2 : 0) + DisplayWidth.of(key) + 1 + DisplayWidth.of(label)
            if x + width > area.maxX { break }
            let enabled = state.disabledReason(binding.action) == nil
            if index > 0 { x = buffer.write("  ", x: x, y: area.y, style: .muted, clip: area) }
            x = buffer.write(key, x: x, y: area.y, style: enabled ? Style(.accent, .bold) : Style(.muted, .dim), clip: area)
            x = buffer.write(" " + label, x: x, y: area.y, style: enabled ? .muted : Style(.muted, .dim), clip: area)
        }
    }
}

extension String {
    /// Arrows spelled out for ASCII terminals.
    var asciiArrows: String {
        switch self {
        case "←": "left"
        case "→": "right"
        case "↑": "up"
        case "↓": "down"
        default: self
        }
    }
}
