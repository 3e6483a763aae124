import Resilience
import Telemetry

extension Mesh {
    /// Everything the dashboard shows, now: services with their instances, rates and percentiles
    /// over the last `window` seconds, breakers, the caller → target edges, routes, the newest `traceLimit` traces (the
    /// dashboard pages the trace store itself), events, sagas, the newest `logLimit` log records.
    ///
    /// Figures come from the metric windows (closed seconds only, so call ``MetricsStore/tick()``
    /// or run ``MeshRuntime``), the registry, the sidecars and the stores. Cost grows with the
    /// number of series, not with traffic.
    public func observe(window: Int = 10, traceLimit: Int = 20, eventLimit: Int = 200, logLimit: Int = 200) -> SystemSnapshot {
        let store = telemetry.metricsStore
        let now = self.now()
        let (services, runtimes, channels) = state.withLock { state in
            (state.services, Array(state.instances.values), Array(state.channels.values))
        }
        let registered = registry.allInstances()
        var ejectedBy: [String: Int] = [:]
        var dependencies: [String: Set<String>] = [:]
        // Instances a caller found refusing within the window, by target.
        var refusing: [String: Set<String>] = [:]
        let windowStart = now - .seconds(window)
        for channel in channels {
            channel.ejected().forEach { ejectedBy[$0, default: 0] += 1 }
            dependencies[channel.caller, default: []].insert(channel.target)
            refusing[channel.target, default: []].formUnion(channel.refusingInstances(since: windowStart))
        }
        let inFlight = Dictionary(uniqueKeysWithValues: runtimes.map { ($0.instance.id, $0.inFlight.load(ordering: .relaxed)) })
        let reports = Dictionary(uniqueKeysWithValues: runtimes.map { ($0.instance.id, $0.lastReport.withLock { $0 }) })

        let ownFaults = Set(transport.instancesWithFaults)
        var serviceStatuses: [ServiceStatus] = []
        for name in services.keys.sorted() {
            let all = SeriesSelector(label: "requests_total", matching: ["service": name])
            let errors = SeriesSelector(label: "requests_total", matching: ["service": name], where: DimensionPredicate(dimension: "status", hasPrefix: ["5"]))
            let rps = store.rate(all, window: window)
            let errorRate = store.rate(errors, window: window)
            let instances = registered.filter { $0.service == name }.map { instance in
                InstanceStatus(id: instance.id, address: instance.address, version: instance.version,
                               health: instance.status == .passing ? .up : Health(.down, reason: instance.reason),
                               inFlight: inFlight[instance.id] ?? 0, ejected: ejectedBy[instance.id, default: 0] > 0,
                               fault: ownFaults.contains(instance.id) ? transport.fault(for: InstanceID(service: instance.service, id: instance.id)) : .none)
            }
            let checks = (runtimes.filter { $0.instance.service == name }.sorted { $0.instance < $1.instance }.compactMap { reports[$0.instance.id] ?? nil }.first?.entries ?? [])
                .map { HealthCheckStatus(name: $0.name, passing: $0.passing, isDependency: $0.isDependency, message: $0.message) }
            let fault = transport.fault(service: name)
            let attempts = { (outcome: AttemptOutcome) in
                store.rate(SeriesSelector(label: AttemptOutcome.metricLabel, matching: ["target": name, "outcome": outcome.rawValue]), window: window)
            }
            let callers = CallerView(answered: attempts(.answered), refused: attempts(.refused), timedOut: attempts(.timeout),
                                     refusingInstances: instances.filter { refusing[name]?.contains($0.id) ?? false }.count)
            // What the service never counted itself: attempts refused before reaching it, and
            // attempts its callers gave up on (it counted those, but as 499, not as failures).
            let unseenFailures = SeriesSelector(label: AttemptOutcome.metricLabel, matching: ["target": name],
                                                where: DimensionPredicate(dimension: "outcome", hasPrefix: [AttemptOutcome.refused.rawValue, AttemptOutcome.timeout.rawValue]))
            let requests = rps + callers.refused
            let errorRatio = requests > 0 ? min(1, (errorRate + callers.refused + callers.timedOut) / requests) : 0
            let health = Self.health(instances: instances, callers: callers, errorRatio: errorRatio)
            let errorHistory = zip(store.history(errors, seconds: 60), store.history(unseenFailures, seconds: 60)).map { $0 + $1 }
            serviceStatuses.append(ServiceStatus(
                name: name, health: health, instances: instances, rps: rps, errorRatio: errorRatio,
                latency: store.latency(SeriesSelector(label: "request_duration_seconds", matching: ["service": name]), window: window),
                rpsHistory: store.history(all, seconds: 60), errorHistory: errorHistory,
                requestsTotal: Int(store.total(all)), fault: fault,
                dependencies: dependencies[name].map { $0.sorted() } ?? [], checks: checks,
                subscriptions: eventBus.lag(of: name)))
        }

        var breakers: [BreakerStatus] = []
        // Read once, for the breakers and the interventions on them alike.
        var breakerStatuses: [ObjectIdentifier: CircuitBreaker.Status] = [:]
        for channel in channels.sorted(by: { $0.id < $1.id }) {
            guard let (breaker, origin) = channel.breaker else { continue }
            let status = breaker.status()
            breakerStatuses[ObjectIdentifier(breaker)] = status
            breakers.append(Self.breakerStatus(status, origin: origin))
        }

        var routes: [RouteStatus] = []
        let routeKeys = Set(store.series(matching: SeriesSelector(label: "requests_total")).compactMap { series -> RouteKey? in
            let dimensions = Dictionary(series.key.dimensions.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            guard let service = dimensions["service"], let route = dimensions["route"] else { return nil }
            return RouteKey(service: service, route: route)
        })
        for key in routeKeys.sorted(by: { ($0.service, $0.route) < ($1.service, $1.route) }) {
            let all = SeriesSelector(label: "requests_total", matching: ["service": key.service, "route": key.route])
            let errors = SeriesSelector(label: "requests_total", matching: ["service": key.service, "route": key.route], where: DimensionPredicate(dimension: "status", hasPrefix: ["5"]))
            let rps = store.rate(all, window: window)
            routes.append(RouteStatus(service: key.service, route: key.route, rps: rps, errorRatio: rps > 0 ? store.rate(errors, window: window) / rps : 0,
                                      latency: store.latency(SeriesSelector(label: "request_duration_seconds", matching: ["service": key.service, "route": key.route]), window: window),
                                      requestsTotal: Int(store.total(all))))
        }

        let edge = serviceStatuses.first { $0.name == "gateway" }
        let stats = telemetry.traces.stats
        let totals = Totals(
            rps: edge?.rps ?? serviceStatuses.reduce(0) { $0 + $1.rps },
            errorRatio: edge?.errorRatio ?? 0,
            latency: edge?.latency,
            openBreakers: breakers.filter { $0.state == .open || $0.state == .forcedOpen }.count,
            storedTraces: stats.storedTraces)
        return SystemSnapshot(
            system: name,
            takenAt: Double(telemetry.time.unixNanoseconds(at: now)) / 1e9,
            uptimeSeconds: now.seconds,
            windowSeconds: window,
            totals: totals,
            services: serviceStatuses,
            breakers: breakers,
            edges: Self.edges(in: store, window: window, breakers: breakers),
            routes: routes,
            traces: telemetry.traces.recent(limit: traceLimit),
            events: recentEvents(limit: eventLimit),
            sagas: Array(sagas.all().prefix(100)),
            dropped: DroppedCounts(spans: stats.droppedSpans, traces: stats.droppedTraces, events: telemetry.events.dropped,
                                   malformedTraceHeaders: stats.malformedTraceHeaders, logs: telemetry.logs.dropped),
            interventions: interventions(statuses: breakerStatuses),
            logs: telemetry.logs.recent(limit: logLimit),
            sampling: telemetry.traces.samplingStatus(stats))
    }

    /// The newest events, plus the newest manual actions even when busier kinds pushed them out
    /// of the newest `limit`: the audit trail stays in view.
    private func recentEvents(limit: Int) -> [EventRecord] {
        let recent = telemetry.events.recent(limit: limit)
        let oldestShown = recent.last?.id ?? 0
        let audit = telemetry.events.recent(limit: 50, kinds: [.manualAction]).filter { $0.id < oldestShown }
        return recent + audit
    }

    /// What a service's callers saw of it over the window, from their sidecars' `client_attempts_total`.
    struct CallerView {
        /// Attempts per second it answered in time (any status).
        var answered: Double
        /// Attempts per second refused: nothing listened.
        var refused: Double
        /// Attempts per second the callers' timeouts gave up on.
        var timedOut: Double
        /// Its registered instances some caller found refusing in the window.
        var refusingInstances: Int

        var failed: Double { refused + timedOut }
    }

    /// A service's health, worst first: what the registry says of its instances, then what its
    /// callers saw (refused, timed out; none answered is down), then outlier ejections, then its
    /// error ratio.
    static func health(instances: [InstanceStatus], callers: CallerView, errorRatio: Double) -> Health {
        let count = instances.count
        let passing = instances.filter { $0.health.state == .up }.count
        let ejected = instances.filter(\.ejected).count
        if passing == 0 {
            return Health(.down, reason: instances.isEmpty ? "no instances registered" : "no passing instance")
        }
        let refusedReason = "connections refused by \(max(1, callers.refusingInstances))/\(count) instances"
        if callers.failed > 0, callers.answered <= 0 {
            return Health(.down, reason: callers.refused >= callers.timedOut ? refusedReason : "calls time out")
        }
        if ejected == count {
            return Health(.down, reason: "all instances ejected by outlier detection")
        }
        if passing < count {
            return Health(.degraded, reason: "\(passing)/\(count) instances passing")
        }
        if callers.refused > 0 {
            return Health(.degraded, reason: refusedReason)
        }
        let attempted = callers.answered + callers.failed
        let timedOutShare = attempted > 0 ? callers.timedOut / attempted : 0
        if timedOutShare >= 0.1 {
            return Health(.degraded, reason: "\(Int((timedOutShare * 100).rounded()))% of calls time out")
        }
        if ejected > 0 {
            return Health(.degraded, reason: "\(ejected)/\(count) instances ejected by outlier detection")
        }
        if errorRatio >= 0.1 {
            return Health(.degraded, reason: "\(Int((errorRatio * 100).rounded()))% of requests fail")
        }
        return .up
    }

    private struct RouteKey: Hashable {
        var service: String
        var route: String
    }

    /// A breaker's status in the snapshot's terms; transition times become seconds since the mesh started.
    static func breakerStatus(_ status: CircuitBreaker.Status, origin: Duration) -> BreakerStatus {
        BreakerStatus(
            id: status.id, state: BreakerState(status.state), isManual: status.isManual,
            failureRate: status.failureRate, slowCallRate: status.slowCallRate, callsInWindow: status.callsInWindow,
            rejectedCount: status.rejectedCount, secondsInState: status.timeInState.seconds,
            secondsUntilHalfOpen: status.timeUntilPermitted?.seconds, policy: status.policy,
            transitions: status.transitions.map {
                BreakerTransitionRecord(from: BreakerState($0.from), to: BreakerState($0.to), atSeconds: (origin + $0.at).seconds, reason: $0.reason)
            },
            shadow: status.shadow.map { shadow in
                BreakerShadowStatus(wouldBeOpen: shadow.wouldBeOpen, openedAt: shadow.openedAt.map { (origin + $0).seconds }, reason: shadow.reason,
                                    closedAt: shadow.closedAt.map { (origin + $0).seconds }, timesOpened: shadow.timesOpened,
                                    wouldHaveRejected: shadow.wouldHaveRejected)
            })
    }
}

extension BreakerState {
    /// The snapshot's name for a Resilience state (the two enums mirror each other, because
    /// Resilience does not know the snapshot schema).
    public init(_ state: CircuitBreakerState) {
        switch state {
        case .closed: self = .closed
        case .open: self = .open
        case .halfOpen: self = .halfOpen
        case .forcedOpen: self = .forcedOpen
        case .forcedClosed: self = .forcedClosed
        case .disabled: self = .disabled
        case .metricsOnly: self = .metricsOnly
        }
    }
}
