import Telemetry
import TerminalUI

/// Applies one message to the state and returns what the run loop must do. Pure: no I/O, no
/// clock; the same state and message always give the same result.
public func update(_ state: inout DashboardState, _ message: Message, keyMap: KeyMap = .standard) -> [Effect] {
    var effects = applying(message, to: &state, keyMap: keyMap)
    // Pages of traces the views on screen need now: again with each new snapshot (the store moved
    // on), else only when the view asks for another (moved, filtered, re-sorted, resized, opened).
    var isFresh = false
    if case .snapshot = message, !state.isPaused { isFresh = true }
    effects += state.traceFetches(refresh: isFresh)
    return effects
}

extension DashboardState {
    /// The fetches of trace pages the views on screen need and have not asked for yet.
    mutating func traceFetches(refresh: Bool) -> [Effect] {
        var effects: [Effect] = []
        if let query = traceListQuery {
            if refresh || query != traceListRequest {
                traceListRequest = query
                effects.append(.fetchTraces(query))
            }
        } else {
            traceListRequest = nil
        }
        if let query = breakerTracesQuery {
            if refresh || query != breakerTracesRequest {
                breakerTracesRequest = query
                effects.append(.fetchTraces(query))
            }
        } else {
            breakerTracesRequest = nil
            breakerTraces = nil
        }
        // A trace's logs: again with each snapshot while its pane shows them (more may have come).
        if let id = traceLogsQuery {
            if refresh || id != traceLogsRequest {
                traceLogsRequest = id
                effects.append(.fetchTraceLogs(traceId: id))
            }
        } else {
            traceLogsRequest = nil
            traceLogRecords = nil
        }
        if let query = routeTracesQuery {
            if refresh || query != routeTracesRequest {
                routeTracesRequest = query
                effects.append(.fetchTraces(query))
            }
        } else {
            routeTracesRequest = nil
            routeTraces = nil
        }
        return effects
    }

    /// Shows a page of the Traces list: the selection lands on the anchor's row when the anchor
    /// is still listed, else on the row now at its old position.
    mutating func applyTraceList(_ page: TracePage) {
        traceList = page
        var list = list(.traces)
        if page.rows.isEmpty {
            list.selectedID = nil
            list.selectedIndex = 0
            list.offset = 0
        } else {
            let window = page.offset..<(page.offset + page.rows.count)
            let index = page.anchorIndex ?? min(max(0, list.selectedIndex), page.matching - 1)
            list.selectedIndex = min(max(index, window.lowerBound), window.upperBound - 1)
            list.selectedID = page.rows[list.selectedIndex - page.offset].traceId
            list.offset = page.offset
        }
        lists[.traces] = list
        // The state now agrees with the page: asking for the query it implies would change nothing.
        traceListRequest = traceListQuery
    }
}

private func applying(_ message: Message, to state: inout DashboardState, keyMap: KeyMap) -> [Effect] {
    switch message {
    case .snapshot(let snapshot):
        guard !state.isPaused else { return [] }
        state.snapshot = snapshot
        // The topology's lines take a layout to compute: its selection is kept only while it is
        // on screen, and found again (by id) when it is shown.
        for tab in Tab.allCases where tab != .topology || state.tab == .topology {
            state.reconcileSelection(tab, followingHead: true)
        }
        return []
    case .traces(let page):
        if page.query == state.traceListRequest {
            state.applyTraceList(page)
        } else if page.query == state.breakerTracesRequest {
            state.breakerTraces = page
        } else if page.query == state.routeTracesRequest {
            state.routeTraces = page
            state.detailSelection = min(state.detailSelection, max(0, page.matching - 1))
        }
        return []
    case .traceLogs(let id, let records):
        guard id == state.traceLogsRequest else { return [] }
        state.traceLogRecords = records.map { TraceLogRecords(traceId: id, records: $0) }
        return []
    case .traceTree(let tree):
        guard case .trace(let id, let load) = state.detail else { return [] }
        guard let tree else {
            state.detail = .trace(id: id, tree: .notStored)
            return []
        }
        guard tree.traceId == id else { return [] }
        var loaded = LoadedTrace(tree: tree)
        if case .loaded(let previous) = load {
            // A refreshed tree keeps what the user collapsed and selected.
            loaded.collapsed = previous.collapsed
            loaded.offset = previous.offset
            loaded.showsSpanDetails = previous.showsSpanDetails
            if tree.spans.contains(where: { $0.spanId == previous.selectedSpanID }) { loaded.selectedSpanID = previous.selectedSpanID }
        }
        // Opened from a log record: at the span it was logged in.
        if let pending = state.pendingSpanID, tree.spans.contains(where: { $0.spanId == pending }) { loaded.selectedSpanID = pending }
        state.pendingSpanID = nil
        state.detail = .trace(id: id, tree: .loaded(loaded))
        state.reconcileTraceSelection()
        return []
    case .resize(let width, let height):
        state.width = max(0, width)
        state.height = max(0, height)
        for tab in Tab.allCases { state.reconcileSelection(tab) }
        state.reconcileTraceSelection()
        return []
    case .connection(let status):
        state.connection = status
        return []
    case .tick:
        if var notice = state.notice {
            notice.ticksLeft -= 1
            state.notice = notice.ticksLeft > 0 ? notice : nil
        }
        return []
    case .performed(let command, let failure):
        if let failure {
            state.notice = Notice("\(command.summary) failed: \(failure)", isError: true)
        } else {
            state.notice = Notice(command.summary)
        }
        return []
    case .simulation(let status):
        if let status, let announcement = status.announcement, status.announcementNumber != state.simulation?.announcementNumber ?? 0 {
            state.notice = Notice(announcement.text, isError: announcement.isError, ticksLeft: 40)
        }
        state.simulation = status
        return []
    case .simulated(_, let reply):
        if let reply { state.notice = Notice(reply.text, isError: reply.isError) }
        return []
    case .key(let key):
        return state.handle(key, keyMap: keyMap)
    }
}

extension Action {
    /// True for the time controls of a simulated run.
    var isTimeControl: Bool {
        switch self {
        case .simulationPlayPause, .simulationFaster, .simulationSlower, .simulationStep, .simulationGoTo, .simulationFirstViolation: true
        default: false
        }
    }

    /// True for the keys that send a command to the system (``Effect/control(_:)``).
    var isControl: Bool {
        switch self {
        case .tripBreaker, .forceBreakerClosed, .resetBreaker, .disableBreaker, .metricsOnlyBreaker, .toggleRetries, .cycleFault: true
        default: false
        }
    }
}

extension ControlCommand {
    /// In words, for the notice line: `tripped order-service->payment-service (forced open)`.
    public var summary: String {
        switch self {
        case .tripBreaker(let id, let seconds):
            "tripped \(id) (forced open\(seconds.map { " for \(Format.fixed($0, 0))s" } ?? ""))"
        case .forceBreakerClosed(let id): "forced \(id) closed"
        case .resetBreaker(let id): "reset \(id) to automatic"
        case .disableBreaker(let id): "disabled \(id)"
        case .metricsOnlyBreaker(let id): "set \(id) to metrics-only"
        case .setFault(let service, let fault): fault.summary.map { "fault on \(service): \($0)" } ?? "fault on \(service) cleared"
        case .setPolicy(let edge, .patch(let patch)): "policy of \(edge): \(patch.summary)"
        case .setPolicy(let edge, .restore): "policy of \(edge) restored"
        }
    }
}

extension FaultSpec {
    /// The next fault `f` sets, after the one a service reports (`ServiceStatus.fault`):
    /// none → errors 50% → latency 300ms → down → none (and hang → none).
    static func next(after current: FaultSpec) -> FaultSpec {
        switch current {
        case .none: .errors(ratio: 0.5)
        case .errors: .latency(milliseconds: 300)
        case .latency: .down
        case .down, .hang: .none
        }
    }
}

extension DashboardState {
    mutating func handle(_ key: Key, keyMap: KeyMap) -> [Effect] {
        if key == .resize { return [] }
        if timePrompt != nil, let effects = editTimePrompt(key) { return effects }
        if detail == nil, !showHelp, list(tab).isEditingFilter {
            if let effects = editFilter(key) { return effects }
        }
        guard let binding = keyMap.binding(for: key, in: keyContext) else { return [] }
        if let reason = disabledReason(binding.action) {
            notice = Notice(reason, ticksLeft: 8)
            return []
        }
        return perform(binding.action)
    }

    /// Why `action` cannot act now, or nil when it can. A key whose action cannot act shows this
    /// as a notice instead of doing nothing, and the hint bar dims it.
    public func disabledReason(_ action: Action) -> String? {
        if action.isControl, let controlsOffReason { return controlsOffReason }
        if action.isTimeControl { return timeControlReason(action) }
        switch action {
        case .tripBreaker, .forceBreakerClosed, .resetBreaker, .disableBreaker, .metricsOnlyBreaker, .toggleRetries:
            return selectedBreakerID == nil ? "no breaker selected: \(emptyListReason(what: "breakers"))" : nil
        case .cycleFault:
            guard selectedService == nil else { return nil }
            if case .service(let name) = detail { return "service \(name) is no longer reported" }
            return "no service selected: \(emptyListReason(what: "services"))"
        case .drillIn:
            if let detail, !showHelp { return detailDrillInReason(detail) }
            guard detail == nil, !showHelp else { return nil }
            if tab == .events, let id = list(.events).selectedID, Rows.events(self).first(where: { String($0.id) == id })?.traceId == nil {
                return "this event names no trace"
            }
            if tab == .logs, let id = list(.logs).selectedID, Rows.logs(self).first(where: { String($0.id) == id })?.traceId == nil {
                return "this record was logged outside any trace"
            }
            guard let id = list(tab).selectedID else {
                return "nothing to open: \(emptyListReason(what: tab == .topology ? "services" : tab.title.lowercased()))"
            }
            return tab == .topology ? topologyDrillInReason(id) : nil
        case .toggleCriticalPath, .markTrace, .cycleTraceLogs:
            return loadedTrace == nil ? "the trace is not loaded" : nil
        case .compareWithMarked:
            guard let trace = loadedTrace?.tree else { return "the trace is not loaded" }
            guard let marked = markedTrace else { return "no trace marked: press M on a trace first" }
            if marked.traceId == trace.traceId { return "this is the marked trace: open another of the same operation" }
            let a = marked.spans.first?.operation ?? "", b = trace.spans.first?.operation ?? ""
            return a == b ? nil : "the marked trace is \(a), this one \(b): compare traces of the same operation"
        case .nextError:
            guard case .trace(_, let load) = detail else { return nil }
            guard case .loaded(let trace) = load else { return "no span to go to: the trace is not loaded" }
            return trace.tree.spans.contains(where: \.status.isError) ? nil : "no span with an error in this trace"
        default:
            return nil
        }
    }

    /// Why a time control cannot act now: not a simulation, the run is over, a step while playing.
    private func timeControlReason(_ action: Action) -> String? {
        guard let simulation else { return Self.notSimulatedReason }
        if simulation.hasEnded, action != .simulationFaster, action != .simulationSlower {
            return "the run is over at t=\(simulation.timeText): q prints its report"
        }
        if case .simulationStep = action, !simulation.isPaused { return "step works while paused: P pauses" }
        return nil
    }

    /// Keys while typing a time after `t`: enter goes there, esc closes the prompt; returns nil
    /// for keys that keep their usual meaning (quitting with Ctrl-C).
    private mutating func editTimePrompt(_ key: Key) -> [Effect]? {
        guard var text = timePrompt else { return nil }
        switch key {
        case .char(let character):
            text.append(character)
            timePrompt = text
        case .backspace:
            if !text.isEmpty { text.removeLast() }
            timePrompt = text
        case .escape:
            timePrompt = nil
        case .enter:
            timePrompt = nil
            guard !text.trimmingWhitespace.isEmpty else { return [] }
            guard let time = SimulationTime.parse(text) else {
                notice = Notice("invalid time \"\(text)\": expected \(SimulationTime.accepted)", isError: true)
                return []
            }
            if let simulation, time == simulation.virtualTime {
                notice = Notice("the run is at t=\(simulation.timeText) already")
                return []
            }
            return [.simulate(.goTo(time))]
        default:
            return nil
        }
        return []
    }

    /// Why the current list has no row: no snapshot yet, a filter that matches nothing, or nothing reported.
    private func emptyListReason(what: String) -> String {
        if snapshot == nil { return "waiting for the first snapshot" }
        let filter = list(tab).filter
        if !filter.isEmpty { return "no \(what) match the filter \"\(filter)\"" }
        if tab == .traces && tracesErrorsOnly { return "no traces with errors" }
        if tab == .events && eventsInterventionsOnly { return "no manual actions" }
        if tab == .logs && logsMinimumLevel != .trace { return "no records at \(logsMinimumLevel.rawValue) or above" }
        return "the list is empty"
    }

    /// Keys while typing a filter: text goes into the filter; returns nil for keys that keep
    /// their usual meaning (moving, quitting with Ctrl-C).
    private mutating func editFilter(_ key: Key) -> [Effect]? {
        var state = list(tab)
        switch key {
        case .char(let character):
            state.filter.append(character)
        case .backspace:
            if !state.filter.isEmpty { state.filter.removeLast() }
        case .enter:
            state.isEditingFilter = false
        case .escape:
            state.filter = ""
            state.isEditingFilter = false
        default:
            return nil
        }
        lists[tab] = state
        reconcileSelection(tab)
        return []
    }

    mutating func perform(_ action: Action) -> [Effect] {
        switch action {
        case .quit:
            isQuitting = true
            return [.quit]
        case .toggleHelp:
            showHelp.toggle()
            detailOffset = 0
        case .togglePause:
            isPaused.toggle()
        case .simulationPlayPause:
            return [.simulate(.togglePause)]
        case .simulationFaster:
            return [.simulate(.changeSpeed(by: 1))]
        case .simulationSlower:
            return [.simulate(.changeSpeed(by: -1))]
        case .simulationStep(let milliseconds):
            return [.simulate(.step(.milliseconds(milliseconds)))]
        case .simulationGoTo:
            timePrompt = ""
        case .simulationFirstViolation:
            return [.simulate(.firstViolation)]
        case .showTab(let newTab):
            tab = newTab
            detail = nil
            trail = []
            showHelp = false
            detailOffset = 0
            if newTab == .topology { reconcileSelection(.topology) }
        case .back:
            if showHelp {
                showHelp = false
                detailOffset = 0
            } else if var trace = loadedTrace, trace.showsSpanDetails {
                trace.showsSpanDetails = false
                loadedTrace = trace
                detailOffset = 0
            } else if returnAlongTrail() {
            } else if detail != nil {
                detail = nil
                detailOffset = 0
            } else if !list(tab).filter.isEmpty {
                lists[tab]?.filter = ""
                reconcileSelection(tab)
            } else if tab == .traces && tracesErrorsOnly {
                tracesErrorsOnly = false
                reconcileSelection(tab)
            } else if tab == .events && eventsInterventionsOnly {
                eventsInterventionsOnly = false
                reconcileSelection(tab)
            } else if tab == .logs && logsMinimumLevel != .trace {
                logsMinimumLevel = .trace
                reconcileSelection(tab)
            }
        case .moveUp: move(by: -1)
        case .moveDown: move(by: 1)
        case .pageUp: move(by: -pageSize, paging: true)
        case .pageDown: move(by: pageSize, paging: true)
        case .moveToTop: move(by: Int.min / 2, paging: true)
        case .moveToBottom: move(by: Int.max / 2, paging: true)
        case .drillIn:
            return drillIn()
        case .startFilter:
            lists[tab]?.isEditingFilter = true
        case .cycleSort:
            let count = tab.sortOrders.count
            let nextIndex = (list(tab).sortIndex + 1) % count
            lists[tab]?.sortIndex = nextIndex
            reconcileSelection(tab)
            notice = Notice("sort: \(sortOrder(tab).label)", ticksLeft: 8)
        case .toggleErrorsOnly:
            tracesErrorsOnly.toggle()
            reconcileSelection(.traces)
        case .cycleFault:
            guard let service = selectedService else { return [] }
            return [.control(.setFault(service: service.name, fault: FaultSpec.next(after: service.fault)))]
        case .tripBreaker:
            return selectedBreakerID.map { [.control(.tripBreaker(id: $0))] } ?? []
        case .forceBreakerClosed:
            return selectedBreakerID.map { [.control(.forceBreakerClosed(id: $0))] } ?? []
        case .resetBreaker:
            return selectedBreakerID.map { [.control(.resetBreaker(id: $0))] } ?? []
        case .disableBreaker:
            return selectedBreakerID.map { [.control(.disableBreaker(id: $0))] } ?? []
        case .metricsOnlyBreaker:
            return selectedBreakerID.map { [.control(.metricsOnlyBreaker(id: $0))] } ?? []
        case .toggleRetries:
            // A breaker's id is its edge's. Any policy change in force (retries or a timeout set
            // elsewhere) is undone by the restore, as the help says.
            guard let edge = selectedBreakerID else { return [] }
            let changed = snapshot?.interventions.contains { $0.action == .policy && $0.target == edge && $0.isActive } ?? false
            return [.control(.setPolicy(edge: edge, change: changed ? .restore : .patch(PolicyPatch(maxAttempts: 1))))]
        case .interventions:
            if detail == nil, !showHelp, tab == .events {
                eventsInterventionsOnly.toggle()
                reconcileSelection(.events)
            } else {
                showHelp = false
                if detail == .interventions {
                    // Closed the way it was opened: back to the detail it was opened from, if any.
                    if !returnAlongTrail() {
                        detail = nil
                        detailOffset = 0
                    }
                } else {
                    return open(.interventions)
                }
            }
        case .collapse: collapseSpan()
        case .expand: expandSpan()
        case .nextError: selectNextErrorSpan()
        case .toggleCriticalPath:
            showsCriticalPath.toggle()
        case .cycleLogLevel:
            let levels = DashboardState.logLevelSteps
            logsMinimumLevel = levels[((levels.firstIndex(of: logsMinimumLevel) ?? 0) + 1) % levels.count]
            reconcileSelection(.logs)
            notice = Notice(logsMinimumLevel == .trace ? "level: all" : "level: \(logsMinimumLevel.rawValue) and above", ticksLeft: 8)
        case .cycleTraceLogs:
            switch traceLogScope {
            case nil: traceLogScope = .span
            case .span: traceLogScope = .trace
            case .trace: traceLogScope = nil
            }
        case .markTrace:
            guard let tree = loadedTrace?.tree else { return [] }
            if markedTrace?.traceId == tree.traceId {
                markedTrace = nil
                notice = Notice("unmarked trace \(tree.traceId.prefix(8))", ticksLeft: 8)
            } else {
                markedTrace = tree
                notice = Notice("marked trace \(tree.traceId.prefix(8)): open another \(tree.spans.first?.operation ?? "") and press C", ticksLeft: 12)
            }
        case .compareWithMarked:
            guard let marked = markedTrace, let tree = loadedTrace?.tree else { return [] }
            return open(.comparison(marked: marked, other: tree))
        }
        return []
    }

    private var pageSize: Int {
        if isDocumentView || pagesAsDocument { return DashboardLayout.documentRows(height: height) }
        if case .trace = detail { return DashboardLayout.traceRows(height: height) }
        return DashboardLayout.listRows(height: height)
    }

    /// The service the keys act on: the one in the detail, or the selected row.
    var selectedService: ServiceStatus? {
        let name: String?
        if case .service(let detailName) = detail { name = detailName } else if detail == nil && tab == .services { name = list(.services).selectedID } else { name = nil }
        guard let name else { return nil }
        return snapshot?.services.first { $0.name == name }
    }

    var selectedBreakerID: String? {
        if case .breaker(let id) = detail { return id }
        if detail == nil && tab == .breakers { return list(.breakers).selectedID }
        return nil
    }

    private mutating func move(by delta: Int, paging: Bool = false) {
        if isDocumentView || (paging && pagesAsDocument) {
            detailOffset = max(0, detailOffset.addingClamped(delta))
            return
        }
        if case .trace = detail {
            moveSpan(by: delta)
            return
        }
        if detail != nil {
            moveDetailSelection(by: delta)
            return
        }
        if tab == .traces {
            moveInTraces(by: delta)
            return
        }
        let lines = tab == .topology ? Rows.topology(self) : []
        let ids = tab == .topology ? lines.compactMap(\.id) : Rows.ids(tab, self)
        guard !ids.isEmpty else { return }
        var state = list(tab)
        let current = state.selectedID.flatMap { ids.firstIndex(of: $0) } ?? min(state.selectedIndex, ids.count - 1)
        let target = min(max(0, current.addingClamped(delta)), ids.count - 1)
        state.selectedIndex = target
        state.selectedID = ids[target]
        state.offset = scrollOffset(tab, state: state, rowCount: ids.count, topologyLines: lines)
        lists[tab] = state
    }

    /// The first row a list shows so that its selection is visible. The Topology view scrolls by
    /// lines (headings and edges count), and shows a layer's heading with its first service.
    private func scrollOffset(_ tab: Tab, state: ListState, rowCount: Int, topologyLines lines: [TopologyLine]) -> Int {
        let visible = DashboardLayout.listRows(height: height)
        guard tab == .topology else {
            return Table.scrollOffset(selected: state.selectedIndex, offset: state.offset, visibleRows: visible, rowCount: rowCount)
        }
        let index = state.selectedID.flatMap { id in lines.firstIndex { $0.id == id } }
        var offset = Table.scrollOffset(selected: index, offset: state.offset, visibleRows: visible, rowCount: lines.count)
        if let index, index == offset, index > 0, lines[index - 1].isHeading { offset -= 1 }
        return offset
    }

    /// Why `Enter` on the Topology view's selection opens nothing, or nil when it opens a
    /// service's or a breaker's detail.
    private func topologyDrillInReason(_ id: String) -> String? {
        guard let snapshot else { return "nothing to open: waiting for the first snapshot" }
        if snapshot.services.contains(where: { $0.name == id }) { return nil }
        if let edge = snapshot.edges.first(where: { $0.id == id }) {
            return edge.breakerId == nil ? "no breaker on \(edge.caller) \(edge.kind == .event ? "~>" : "->") \(edge.target) to open" : nil
        }
        return "\(id) is not a reported service: no details to open"
    }

    /// Moves in the whole store's order; the row is named at once when the page on screen has
    /// it, else by the page the move asks for.
    private mutating func moveInTraces(by delta: Int) {
        guard let page = traceList, page.matching > 0 else { return }
        var state = list(.traces)
        let target = min(max(0, state.selectedIndex.addingClamped(delta)), page.matching - 1)
        state.selectedIndex = target
        state.offset = Table.scrollOffset(selected: target, offset: state.offset, visibleRows: DashboardLayout.listRows(height: height), rowCount: page.matching)
        let position = target - page.offset
        state.selectedID = page.rows.indices.contains(position) ? page.rows[position].traceId : nil
        lists[.traces] = state
    }

    /// Help, the service and breaker details (with nothing to select), a span's details and a
    /// comparison scroll as a whole instead of moving a selection.
    private var isDocumentView: Bool {
        if showHelp { return true }
        switch detail {
        case .service, .breaker: return detailRows.isEmpty
        case .comparison, .interventions: return true
        case .trace: return loadedTrace?.showsSpanDetails ?? false
        case .routeTraces, nil: return false
        }
    }

    /// The service and breaker details page and jump as a whole even when ↑↓ select a row in them,
    /// so what lies below the rows stays in reach.
    private var pagesAsDocument: Bool {
        switch detail {
        case .service, .breaker: true
        default: false
        }
    }

    private mutating func drillIn() -> [Effect] {
        if let detail { return drillIn(from: detail) }
        guard let id = list(tab).selectedID else { return [] }
        detailOffset = 0
        detailSelection = 0
        trail = []
        switch tab {
        case .services:
            detail = .service(name: id)
        case .breakers:
            detail = .breaker(id: id)
        case .traces:
            detail = .trace(id: id, tree: .loading)
            return [.fetchTrace(id: id)]
        case .events:
            guard let trace = Rows.events(self).first(where: { String($0.id) == id })?.traceId else { return [] }
            detail = .trace(id: trace, tree: .loading)
            return [.fetchTrace(id: trace)]
        case .logs:
            guard let record = Rows.logs(self).first(where: { String($0.id) == id }), let trace = record.traceId else { return [] }
            detail = .trace(id: trace, tree: .loading)
            pendingSpanID = record.spanId
            // Its logs in view: the record in its span's company.
            traceLogScope = .span
            return [.fetchTrace(id: trace)]
        case .topology:
            guard topologyDrillInReason(id) == nil, let snapshot else { return [] }
            if snapshot.services.contains(where: { $0.name == id }) {
                detail = .service(name: id)
            } else if let breaker = snapshot.edges.first(where: { $0.id == id })?.breakerId {
                detail = .breaker(id: breaker)
            }
        }
        return []
    }

    /// Keeps a list's selection on the same id after its rows changed; when the id is gone,
    /// selects the row now at the old position.
    ///
    /// With `followingHead` (a new snapshot arrived), except at the head of a live feed: in a list
    /// sorted newest first (events, traces), a selection on the first row stays on the first row,
    /// so new rows come into view as in `tail -f`; moving down off the first row pins the
    /// selection to its item again.
    mutating func reconcileSelection(_ tab: Tab, followingHead: Bool = false) {
        // The Traces list's selection follows its pages (``applyTraceList(_:)``).
        guard tab != .traces else { return }
        var state = list(tab)
        let lines = tab == .topology ? Rows.topology(self) : []
        let ids = tab == .topology ? lines.compactMap(\.id) : Rows.ids(tab, self)
        if ids.isEmpty {
            state.selectedID = nil
            state.selectedIndex = 0
            state.offset = 0
        } else {
            if followingHead, state.selectedIndex == 0, sortOrder(tab) == .newest {
                state.selectedID = ids[0]
            } else if let id = state.selectedID, let index = ids.firstIndex(of: id) {
                state.selectedIndex = index
            } else {
                state.selectedIndex = min(max(0, state.selectedIndex), ids.count - 1)
                state.selectedID = ids[state.selectedIndex]
            }
            state.offset = scrollOffset(tab, state: state, rowCount: ids.count, topologyLines: lines)
        }
        lists[tab] = state
    }

    // MARK: Trace detail

    private mutating func moveSpan(by delta: Int) {
        guard var trace = loadedTrace else { return }
        let tree = trace.tree
        let visible = TraceOutline(tree: tree).visibleIndices(collapsed: trace.collapsed)
        guard !visible.isEmpty else { return }
        let current = visible.firstIndex { tree.spans[$0].spanId == trace.selectedSpanID } ?? 0
        let target = min(max(0, current.addingClamped(delta)), visible.count - 1)
        trace.selectedSpanID = tree.spans[visible[target]].spanId
        loadedTrace = trace
        reconcileTraceSelection()
    }

    mutating func reconcileTraceSelection() {
        guard var trace = loadedTrace else { return }
        let tree = trace.tree
        let visible = TraceOutline(tree: tree).visibleIndices(collapsed: trace.collapsed)
        let index = visible.firstIndex { tree.spans[$0].spanId == trace.selectedSpanID }
        trace.offset = Table.scrollOffset(selected: index, offset: trace.offset, visibleRows: DashboardLayout.traceRows(height: height), rowCount: visible.count)
        loadedTrace = trace
    }

    private mutating func collapseSpan() {
        guard var trace = loadedTrace, let id = trace.selectedSpanID,
              let index = trace.tree.spans.firstIndex(where: { $0.spanId == id }) else { return }
        let tree = trace.tree
        let outline = TraceOutline(tree: tree)
        if outline.hasChildren[index] && !trace.collapsed.contains(id) {
            trace.collapsed.insert(id)
        } else if let parent = outline.parent[index] {
            trace.selectedSpanID = tree.spans[parent].spanId
        }
        loadedTrace = trace
        reconcileTraceSelection()
    }

    private mutating func expandSpan() {
        guard var trace = loadedTrace, let id = trace.selectedSpanID,
              let index = trace.tree.spans.firstIndex(where: { $0.spanId == id }) else { return }
        let tree = trace.tree
        let outline = TraceOutline(tree: tree)
        guard outline.hasChildren[index] else { return }
        if trace.collapsed.contains(id) {
            trace.collapsed.remove(id)
        } else if let child = outline.parent.firstIndex(of: index) {
            trace.selectedSpanID = tree.spans[child].spanId
        }
        loadedTrace = trace
        reconcileTraceSelection()
    }

    /// Selects the next span with an error after the selected one (wrapping), expanding its
    /// ancestors so it shows.
    private mutating func selectNextErrorSpan() {
        guard var trace = loadedTrace, !trace.tree.spans.isEmpty else { return }
        let tree = trace.tree
        let start = tree.spans.firstIndex { $0.spanId == trace.selectedSpanID } ?? -1
        let count = tree.spans.count
        for step in 1...count {
            let index = (start + step + count) % count
            guard tree.spans[index].status.isError else { continue }
            let outline = TraceOutline(tree: tree)
            var ancestor = outline.parent[index]
            while let a = ancestor {
                trace.collapsed.remove(tree.spans[a].spanId)
                ancestor = outline.parent[a]
            }
            trace.selectedSpanID = tree.spans[index].spanId
            loadedTrace = trace
            reconcileTraceSelection()
            return
        }
        notice = Notice("no span with an error in this trace", ticksLeft: 8)
    }
}

extension Int {
    func addingClamped(_ other: Int) -> Int {
        let (result, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : result
    }
}
