import Telemetry

/// The rows each list shows, filtered and sorted: computed from the state, never stored, so
/// the list and `update` always agree on what row N is.
enum Rows {
    static func services(_ state: DashboardState) -> [ServiceStatus] {
        guard let snapshot = state.snapshot else { return [] }
        let filter = state.list(.services).filter.lowercased()
        var rows = filter.isEmpty ? snapshot.services : snapshot.services.filter { service in
            service.name.lowercased().contains(filter)
                || (service.fault?.lowercased().contains(filter) ?? false)
                || service.health.state.rawValue.contains(filter)
        }
        switch state.sortOrder(.services) {
        case .rps: rows.sortStable { $0.rps > $1.rps }
        case .errors: rows.sortStable { $0.errorRatio > $1.errorRatio }
        case .p99: rows.sortStable { ($0.latency?.p99Ms ?? -1) > ($1.latency?.p99Ms ?? -1) }
        case .name: rows.sortStable { $0.name < $1.name }
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
        case .state: rows.sortStable { severity($0.state) > severity($1.state) }
        case .failures: rows.sortStable { ($0.failureRate ?? -1) > ($1.failureRate ?? -1) }
        case .rejected: rows.sortStable { $0.rejectedCount > $1.rejectedCount }
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

    static func traces(_ state: DashboardState) -> [TraceSummary] {
        guard let snapshot = state.snapshot else { return [] }
        let filter = state.list(.traces).filter.lowercased()
        let errorsOnly = state.tracesErrorsOnly
        var rows: [TraceSummary]
        if filter.isEmpty && !errorsOnly {
            rows = snapshot.traces
        } else {
            rows = snapshot.traces.filter { trace in
                if errorsOnly && !trace.hasError { return false }
                if filter.isEmpty { return true }
                return trace.rootOperation.lowercased().contains(filter)
                    || trace.rootService.lowercased().contains(filter)
                    || trace.traceId.hasPrefix(filter)
                    || trace.services.contains { $0.lowercased().contains(filter) }
            }
        }
        if state.sortOrder(.traces) == .slowest {
            rows.sortStable { $0.durationMs > $1.durationMs }
        }
        return rows
    }

    static func events(_ state: DashboardState) -> [EventRecord] {
        guard let snapshot = state.snapshot else { return [] }
        let filter = state.list(.events).filter.lowercased()
        var rows = filter.isEmpty ? snapshot.events : snapshot.events.filter { event in
            event.message.lowercased().contains(filter)
                || event.source.lowercased().contains(filter)
                || event.kind.rawValue.lowercased().contains(filter)
        }
        if state.sortOrder(.events) == .oldest { rows.reverse() }
        return rows
    }

    /// The ids of a tab's rows, in order.
    static func ids(_ tab: Tab, _ state: DashboardState) -> [String] {
        switch tab {
        case .services: services(state).map(\.name)
        case .breakers: breakers(state).map(\.id)
        case .traces: traces(state).map(\.traceId)
        case .events: events(state).map { String($0.id) }
        }
    }
}

extension Array {
    /// Sorts keeping equal elements in their order (so equal rows do not swap between frames).
    mutating func sortStable(by areInIncreasingOrder: (Element, Element) -> Bool) {
        let indexed = enumerated().map { ($0.offset, $0.element) }
        self = indexed.sorted { a, b in
            if areInIncreasingOrder(a.1, b.1) { return true }
            if areInIncreasingOrder(b.1, a.1) { return false }
            return a.0 < b.0
        }.map(\.1)
    }
}
