import Telemetry

extension Mesh {
    /// The snapshot's edges over the last `window` seconds, sorted (``EdgeStatus/precedes(_:_:)``).
    ///
    /// - Calls: every (caller, target) of the sidecars' `client_requests_total{caller,target,outcome}`
    ///   (the headless report's `calls` read the same series): calls per second, and the share
    ///   whose outcome was not an answer below 500.
    /// - Events: every (publisher, topic, subscriber) of the bus's `events_delivered_total` and
    ///   `events_failed_total{topic,subscriber,source}`: delivery attempts per second and the share
    ///   that failed. The bus's own figures, not its delivery client's, because only they know the
    ///   topic and the publisher. A handler delivering through the mesh calls as
    ///   ``EventBus/clientName``; those calls are this edge seen from the network, so they are not
    ///   listed again as calls, and that channel's breaker is the event edge's.
    ///
    /// `breakers` gives each edge its breaker's state by id (`CALLER->TARGET`).
    static func edges(in store: MetricsStore, window: Int, breakers: [BreakerStatus]) -> [EdgeStatus] {
        let breakerStates = Dictionary(breakers.map { ($0.id, $0.state) }, uniquingKeysWith: { first, _ in first })
        func breaker(_ id: String) -> (id: String?, state: BreakerState?) {
            guard let state = breakerStates[id] else { return (nil, nil) }
            return (id, state)
        }

        var events: [EdgeStatus] = []
        var subscribers: Set<String> = []
        let deliveries = store.series(matching: SeriesSelector(label: "events_delivered_total"))
            + store.series(matching: SeriesSelector(label: "events_failed_total"))
        let routes = Set(deliveries.compactMap { series -> EventRoute? in
            let key = series.key
            guard let topic = key[dimension: "topic"], let subscriber = key[dimension: "subscriber"], let source = key[dimension: "source"] else { return nil }
            return EventRoute(source: source, topic: topic, subscriber: subscriber)
        })
        for route in routes {
            let matching = ["topic": route.topic, "subscriber": route.subscriber, "source": route.source]
            let delivered = store.rate(SeriesSelector(label: "events_delivered_total", matching: matching), window: window)
            let failed = store.rate(SeriesSelector(label: "events_failed_total", matching: matching), window: window)
            let attempts = delivered + failed
            let guarding = breaker("\(EventBus.clientName)->\(route.subscriber)")
            events.append(EdgeStatus(caller: route.source, target: route.subscriber, kind: .event, topic: route.topic,
                                     rps: attempts, errorRatio: attempts > 0 ? failed / attempts : 0,
                                     breakerId: guarding.id, breaker: guarding.state))
            subscribers.insert(route.subscriber)
        }

        var calls: [EdgeStatus] = []
        let pairs = Set(store.series(matching: SeriesSelector(label: "client_requests_total")).compactMap { series -> ChannelKey? in
            guard let caller = series.key[dimension: "caller"], let target = series.key[dimension: "target"] else { return nil }
            return ChannelKey(caller: caller, target: target)
        })
        for pair in pairs where !(pair.caller == EventBus.clientName && subscribers.contains(pair.target)) {
            let matching = ["caller": pair.caller, "target": pair.target]
            let all = store.rate(SeriesSelector(label: "client_requests_total", matching: matching), window: window)
            let answered = store.rate(SeriesSelector(label: "client_requests_total", matching: matching,
                                                     where: DimensionPredicate(dimension: "outcome", hasPrefix: ["1", "2", "3", "4"])), window: window)
            let guarding = breaker("\(pair.caller)->\(pair.target)")
            calls.append(EdgeStatus(caller: pair.caller, target: pair.target, kind: .call, rps: all,
                                    errorRatio: all > 0 ? min(1, max(0, all - answered) / all) : 0,
                                    breakerId: guarding.id, breaker: guarding.state))
        }
        return (calls + events).sorted(by: EdgeStatus.precedes)
    }

    private struct EventRoute: Hashable {
        var source: String
        var topic: String
        var subscriber: String
    }
}
