import Telemetry

/// The rows each list shows, filtered and sorted: computed from the state, never stored, so
/// the list and `update` always agree on what row N is. (The Traces list is a page the trace
/// store answered, ``DashboardState/traceList``: the store does its filtering and sorting.)
enum Rows {
    static func services(_ state: DashboardState) -> [ServiceStatus] {
        guard let snapshot = state.snapshot else { return [] }
        let filter = state.list(.services).filter.lowercased()
        var rows = filter.isEmpty ? snapshot.services : snapshot.services.filter { service in
            service.name.lowercased().contains(filter)
                || (service.fault.summary?.lowercased().contains(filter) ?? false)
                || service.health.state.rawValue.contains(filter)
        }
        switch state.sortOrder(.services) {
        case .rps: rows.sortStable(descending: true) { $0.rps }
        case .errors: rows.sortStable(descending: true) { $0.errorRatio }
        case .p99: rows.sortStable(descending: true) { $0.latency?.p99Ms ?? -1 }
        case .name: rows.sortStable { $0.name }
        default: break
        }
        return rows
    }

    static func breakers(_ state: DashboardState) -> [BreakerStatus] {
        guard let snapshot = state.snapshot else { return [] }
        let filter = state.list(.breakers).filter.lowercased()
        var rows = filter.isEmpty ? snapshot.breakers : snapshot.breakers.filter { breaker in
            breaker.id.lowercased().contains(filter) || breaker.state.label.lowercased().contains(filter)
        }
        switch state.sortOrder(.breakers) {
        case .state: rows.sortStable(descending: true) { severity($0.state) }
        case .failures: rows.sortStable(descending: true) { $0.failureRate ?? -1 }
        case .rejected: rows.sortStable(descending: true) { $0.rejectedCount }
        default: break
        }
        return rows
    }

    /// How much a state wants attention, for sorting by state.
    static func severity(_ state: BreakerState) -> Int {
        switch state {
        case .open: 6
        case .forcedOpen: 5
        case .halfOpen: 4
        case .forcedClosed: 3
        case .disabled: 2
        case .metricsOnly: 1
        case .closed: 0
        }
    }

    static func events(_ state: DashboardState) -> [EventRecord] {
        guard let snapshot = state.snapshot else { return [] }
        let filter = state.list(.events).filter.lowercased()
        let events = state.eventsInterventionsOnly ? snapshot.events.filter { $0.kind == .manualAction } : snapshot.events
        var rows = filter.isEmpty ? events : events.filter { event in
            event.message.lowercased().contains(filter)
                || event.source.lowercased().contains(filter)
                || event.kind.rawValue.lowercased().contains(filter)
        }
        if state.sortOrder(.events) == .oldest { rows.reverse() }
        return rows
    }

    /// The Logs view's records: at the chosen level or above, matching the filter (message,
    /// service, level, a metadata value, a trace id's start), newest first unless sorted oldest first.
    static func logs(_ state: DashboardState) -> [LogRecord] {
        guard let snapshot = state.snapshot else { return [] }
        let filter = state.list(.logs).filter.lowercased()
        let minimum = state.logsMinimumLevel
        var rows = snapshot.logs.filter { record in
            record.level >= minimum
                && (filter.isEmpty || record.matches(lowercased: filter) || record.level.rawValue.hasPrefix(filter)
                    || (record.traceId?.hasPrefix(filter) ?? false))
        }
        if state.sortOrder(.logs) == .oldest { rows.reverse() }
        return rows
    }

    /// The logs of a trace, oldest first: of one span, or of the whole trace. All the source
    /// keeps when it answered (``DashboardState/traceLogRecords``), else the snapshot's recent ones.
    static func traceLogs(_ state: DashboardState, traceId: String, spanId: String?) -> [LogRecord] {
        let all: [LogRecord]
        if let answered = state.traceLogRecords, answered.traceId == traceId {
            all = answered.records
        } else {
            all = (state.snapshot?.logs ?? []).filter { $0.traceId == traceId }.reversed()
        }
        return spanId.map { id in all.filter { $0.spanId == id } } ?? all
    }

    /// The Topology view's lines: per layer a heading, then each service and under it its
    /// outgoing edges (calls and events) in the snapshot's order.
    static func topology(_ state: DashboardState) -> [TopologyLine] {
        guard let snapshot = state.snapshot else { return [] }
        let layout = TopologyLayers(services: snapshot.services.map(\.name), edges: snapshot.edges)
        var outgoing: [String: [EdgeStatus]] = [:]
        for edge in snapshot.edges { outgoing[edge.caller, default: []].append(edge) }
        var lines: [TopologyLine] = []
        func add(_ heading: TopologyLine.Heading, _ names: [String]) {
            guard !names.isEmpty else { return }
            lines.append(TopologyLine(.heading(heading)))
            for name in names {
                lines.append(TopologyLine(.service(name)))
                let edges = outgoing[name] ?? []
                for (index, edge) in edges.enumerated() { lines.append(TopologyLine(.edge(edge, isLast: index == edges.count - 1))) }
            }
        }
        for (index, layer) in layout.layers.enumerated() { add(.layer(index), layer) }
        add(.unreached(hasEntry: !layout.layers.isEmpty), layout.unreached)
        return lines
    }

    /// The ids of a tab's rows, in order.
    static func ids(_ tab: Tab, _ state: DashboardState) -> [String] {
        switch tab {
        case .services: services(state).map(\.name)
        case .breakers: breakers(state).map(\.id)
        case .traces: (state.traceList?.rows ?? []).map(\.traceId)
        case .events: events(state).map { String($0.id) }
        case .topology: topology(state).compactMap(\.id)
        case .logs: logs(state).map { String($0.id) }
        }
    }
}

/// One line of the Topology view.
struct TopologyLine: Sendable, Equatable {
    enum Heading: Sendable, Equatable {
        case layer(Int)
        /// The last layer; `hasEntry` is false when no call reaches anything (no layers before it).
        case unreached(hasEntry: Bool)
    }

    enum Kind: Sendable, Equatable {
        case heading(Heading)
        case service(String)
        /// An edge under its caller; `isLast` is the caller's last.
        case edge(EdgeStatus, isLast: Bool)
    }

    let kind: Kind
    /// The selection's id: a service's name or an edge's id; nil for a heading. Made once: an
    /// edge's id is built from its ends, and selection looks ids up on every snapshot.
    let id: String?

    init(_ kind: Kind) {
        self.kind = kind
        switch kind {
        case .heading: id = nil
        case .service(let name): id = name
        case .edge(let edge, _): id = edge.id
        }
    }

    var isHeading: Bool {
        if case .heading = kind { return true }
        return false
    }
}

extension Array {
    /// Sorts by a key extracted once per element, keeping equal elements in their order (so
    /// equal rows do not swap between frames). Sorting indices by a key array keeps the
    /// comparisons cheap for large lists (ten thousand traces).
    mutating func sortStable<Key: Comparable>(descending: Bool = false, by key: (Element) -> Key) {
        let keys = map(key)
        let order = keys.indices.sorted { a, b in
            if keys[a] == keys[b] { return a < b }
            return descending ? keys[a] > keys[b] : keys[a] < keys[b]
        }
        self = order.map { self[$0] }
    }
}
