import Telemetry

extension WatchedSystem {
    /// Everything the dashboard shows of the watched services now, with rates and percentiles
    /// over the last `window` seconds (closed seconds only: tick ``metrics`` or run the system).
    public func snapshot(window: Int = 10, traceLimit: Int = 20, eventLimit: Int = 200, logLimit: Int = 200) -> SystemSnapshot {
        let now = time.now()
        let store = metrics
        let (services, received) = state.withLock { ($0.services, $0.received) }
        let edges = edgeStatuses(window: window)
        var dependencies: [String: [String]] = [:]
        for edge in edges { dependencies[edge.caller, default: []].append(edge.target) }

        var statuses: [ServiceStatus] = []
        for name in services.keys.sorted() {
            let entry = services[name]!
            let all = SeriesSelector(label: Labels.requests, matching: ["service": name])
            let errors = SeriesSelector(label: Labels.errors, matching: ["service": name])
            let rps = store.rate(all, window: window)
            let errorRatio = rps > 0 ? min(1, store.rate(errors, window: window) / rps) : 0
            let instances = entry.instances.keys.sorted().map { id in
                let instance = entry.instances[id]!
                let silent = now - instance.lastSeen
                return InstanceStatus(
                    id: id, address: instance.resource["host.name"] ?? "", version: instance.resource["service.version"] ?? "",
                    health: silent > configuration.silentAfter ? Health(.down, reason: "nothing received for \(Int(silent.seconds)) s") : .up)
            }
            statuses.append(ServiceStatus(
                name: name, health: Self.health(instances: instances, errorRatio: errorRatio), instances: instances, rps: rps, errorRatio: errorRatio,
                latency: store.latency(SeriesSelector(label: Labels.duration, matching: ["service": name]), window: window),
                rpsHistory: store.history(all, seconds: 60), errorHistory: store.history(errors, seconds: 60),
                requestsTotal: Int(Int64(saturating: store.total(all))), dependencies: Array(Set(dependencies[name] ?? [])).sorted()))
        }

        var routes: [RouteStatus] = []
        for series in store.series(matching: SeriesSelector(label: Labels.requests)) {
            guard let service = series.key[dimension: "service"], let route = series.key[dimension: "route"] else { continue }
            let match = ["service": service, "route": route]
            let rps = store.rate(SeriesSelector(label: Labels.requests, matching: match), window: window)
            routes.append(RouteStatus(
                service: service, route: route, rps: rps,
                errorRatio: rps > 0 ? min(1, store.rate(SeriesSelector(label: Labels.errors, matching: match), window: window) / rps) : 0,
                latency: store.latency(SeriesSelector(label: Labels.duration, matching: match), window: window),
                requestsTotal: Int(Int64(saturating: store.total(SeriesSelector(label: Labels.requests, matching: match))))))
        }

        routes.sort { ($0.service, $0.route) < ($1.service, $1.route) }

        let entryRate = store.rate(SeriesSelector(label: Labels.entryRequests), window: window)
        let breakers = breakerStatuses()
        let stats = traces.stats
        let totals = Totals(
            rps: entryRate,
            errorRatio: entryRate > 0 ? min(1, store.rate(SeriesSelector(label: Labels.entryErrors), window: window) / entryRate) : 0,
            latency: store.latency(SeriesSelector(label: Labels.entryDuration), window: window),
            openBreakers: breakers.filter { $0.state == .open || $0.state == .forcedOpen }.count,
            storedTraces: stats.storedTraces)
        return SystemSnapshot(
            system: name,
            takenAt: Double(time.unixNanoseconds(at: now)) / 1e9,
            uptimeSeconds: now.seconds,
            windowSeconds: window,
            totals: totals,
            services: statuses,
            breakers: breakers,
            edges: edges,
            routes: routes,
            traces: traces.recent(limit: traceLimit),
            events: events.recent(limit: eventLimit),
            dropped: DroppedCounts(spans: stats.droppedSpans + received.spansRejected, traces: stats.droppedTraces, events: events.dropped,
                                   malformedTraceHeaders: stats.malformedTraceHeaders, logs: logs.dropped + received.logsRejected),
            logs: logs.recent(limit: logLimit))
    }

    /// A watched service's health: down when every instance went silent, degraded when some did
    /// or one request in ten fails, up otherwise.
    static func health(instances: [InstanceStatus], errorRatio: Double) -> Health {
        let silent = instances.filter { $0.health.state == .down }.count
        if !instances.isEmpty, silent == instances.count {
            return Health(.down, reason: instances.count == 1 ? instances[0].health.reason : "every instance went silent")
        }
        if silent > 0 {
            return Health(.degraded, reason: "\(silent)/\(instances.count) instances silent")
        }
        if errorRatio >= 0.1 {
            return Health(.degraded, reason: "\(Int((errorRatio * 100).rounded()))% of requests fail")
        }
        return .up
    }

    /// The calls between services seen in spans, with their rates over the window.
    private func edgeStatuses(window: Int) -> [EdgeStatus] {
        let labels = [(Labels.calls, Labels.callErrors), (Labels.messages, Labels.messageErrors)]
        return labels.flatMap { (label, errorLabel) in
            metrics.series(matching: SeriesSelector(label: label)).compactMap { series -> EdgeStatus? in
                guard let caller = series.key[dimension: "caller"], let target = series.key[dimension: "target"] else { return nil }
                let topic = series.key[dimension: "topic"]
                var match = ["caller": caller, "target": target]
                if let topic { match["topic"] = topic }
                let rps = metrics.rate(SeriesSelector(label: label, matching: match), window: window)
                let errors = metrics.rate(SeriesSelector(label: errorLabel, matching: match), window: window)
                return EdgeStatus(caller: caller, target: target, kind: topic == nil ? .call : .event, topic: topic, rps: rps,
                                  errorRatio: rps > 0 ? min(1, errors / rps) : 0)
            }
        }
        .sorted(by: EdgeStatus.precedes)
    }

    /// Breakers the senders report through a `breaker_state{breaker, state}` gauge (1 for the
    /// state it is in, as meshtop's own breakers report it).
    private func breakerStatuses() -> [BreakerStatus] {
        var current: [String: BreakerState] = [:]
        for series in metrics.series(matching: SeriesSelector(label: "breaker_state")) {
            guard case .gauge(let gauge) = series, gauge.value >= 1, let breaker = series.key[dimension: "breaker"],
                  let state = series.key[dimension: "state"].flatMap(Self.breakerState) else { continue }
            current[breaker] = state
        }
        return current.keys.sorted().map { BreakerStatus(id: $0, state: current[$0]!, isManual: current[$0]!.isManual) }
    }

    static func breakerState(_ text: String) -> BreakerState? {
        if let state = BreakerState(rawValue: text) { return state }
        switch String(text.lowercased().map { $0 == "-" ? "_" : $0 }) {
        case "half_open", "halfopen": return .halfOpen
        case "forced_open": return .forcedOpen
        case "forced_closed": return .forcedClosed
        case "metrics_only": return .metricsOnly
        case "closed": return .closed
        case "open": return .open
        case "disabled": return .disabled
        default: return nil
        }
    }
}

extension BreakerState {
    var isManual: Bool {
        switch self {
        case .closed, .open, .halfOpen: false
        case .forcedOpen, .forcedClosed, .disabled, .metricsOnly: true
        }
    }
}

extension WatchedSystem {
    /// A stored trace by its id, each span with its sender's resource as `resource.*` attributes
    /// (kept once per instance, not on every span).
    public func traceTree(id: String) -> TraceTree? {
        guard var tree = traces.tree(hex: id) else { return nil }
        let services = state.withLock { $0.services }
        for index in tree.spans.indices {
            let span = tree.spans[index]
            guard let instances = services[span.service]?.instances else { continue }
            let instance = span.attributes["service.instance.id"].flatMap { instances[$0] } ?? instances[span.service] ?? (instances.count == 1 ? instances.values.first : nil)
            for (key, value) in instance?.resource ?? [:] {
                tree.spans[index].attributes["resource.\(key)"] = value
            }
        }
        return tree
    }

    /// One page of the stored traces.
    public func traces(_ query: TraceQuery) -> TracePage {
        traces.page(query)
    }

    /// How many items arrived and were refused, per signal, since the watch began.
    public var receivedCounts: (spans: Int, spansRejected: Int, points: Int, pointsRejected: Int, logs: Int, logsRejected: Int) {
        let received = state.withLock { $0.received }
        return (received.spans, received.spansRejected, received.points, received.pointsRejected, received.logs, received.logsRejected)
    }
}
