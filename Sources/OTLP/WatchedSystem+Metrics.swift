import OTLPProto
import Telemetry

extension WatchedSystem {
    /// Keeps the data points of an OTLP metrics request as series (see ``WatchedSystem`` for how
    /// each kind is kept). Each series carries its points' attributes and the sender's `service`.
    ///
    /// A data point is refused when it would make a series beyond ``Configuration/maxMetricSeries``,
    /// or its sender is beyond the service bounds.
    public func ingest(_ request: OTLPMetricsRequest) -> IngestResult {
        let now = time.now()
        let watchStarted = time.originUnixNanoseconds
        var refusals = Refusals()
        var accepted = 0
        var writes: [MetricWrite] = []
        state.withLock { state in
            for resourceMetrics in request.resourceMetrics {
                let sender = Sender(resourceMetrics.resource)
                let points = resourceMetrics.scopeMetrics.reduce(0) { $0 + $1.metrics.reduce(0) { $0 + Self.pointCount($1) } }
                guard points > 0 else { continue }
                // Metrics alone make no service (a process's resource may name a whole system):
                // they only show that a known one is alive.
                if state.services[sender.service]?.instances[sender.instance] != nil {
                    state.services[sender.service]!.lastSeen = now
                    state.services[sender.service]!.instances[sender.instance]!.lastSeen = now
                }
                for scopeMetrics in resourceMetrics.scopeMetrics {
                    for metric in scopeMetrics.metrics {
                        let before = refusals.count
                        writes += Self.writes(of: metric, sender: sender, watchStarted: watchStarted, state: &state,
                                              limit: configuration.maxMetricSeries, refusals: &refusals)
                        accepted += Self.pointCount(metric) - (refusals.count - before)
                    }
                }
            }
            state.received.points += accepted
            state.received.pointsRejected += refusals.count
        }
        for write in writes { apply(write) }
        if let message = refusals.message {
            _ = events.record(source: "otlp", kind: .info, message: "refused \(refusals.count) data points: \(message)")
        }
        return IngestResult(accepted: accepted, rejected: refusals.count, message: refusals.message)
    }

    /// One change to one series, worked out under the lock and made after it.
    enum MetricWrite {
        case gauge(SeriesKey, Double)
        case count(SeriesKey, Int64)
        case amount(SeriesKey, Double)
    }

    private func apply(_ write: MetricWrite) {
        switch write {
        case .gauge(let key, let value):
            (factory.makeMeter(label: key.label, dimensions: key.pairs) as? GaugeSeries)?.set(value)
        case .count(let key, let amount):
            if amount > 0 { (factory.makeCounter(label: key.label, dimensions: key.pairs) as? CounterSeries)?.increment(by: amount) }
        case .amount(let key, let amount):
            if amount > 0 { (factory.makeFloatingPointCounter(label: key.label, dimensions: key.pairs) as? FloatingCounterSeries)?.increment(by: amount) }
        }
    }

    static func pointCount(_ metric: OTLPMetric) -> Int {
        switch metric.data {
        case .gauge(let gauge): gauge.dataPoints.count
        case .sum(let sum): sum.dataPoints.count
        case .histogram(let histogram): histogram.dataPoints.count
        case .exponentialHistogram(let histogram): histogram.dataPoints.count
        case .summary(let summary): summary.dataPoints.count
        case nil: 0
        }
    }

    private static func writes(of metric: OTLPMetric, sender: Sender, watchStarted: UInt64, state: inout State, limit: Int,
                               refusals: inout Refusals) -> [MetricWrite] {
        var writes: [MetricWrite] = []
        func key(_ label: String, _ attributes: [OTLPKeyValue]) -> SeriesKey? {
            var dimensions = OTLPValues.texts(attributes)
            if dimensions["service"] == nil { dimensions["service"] = sender.service }
            let key = SeriesKey(label: label, dimensions: dimensions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            if state.metricSeries.contains(key) { return key }
            guard state.metricSeries.count < limit else {
                refusals.note("more than \(limit) metric series: \(label) refused")
                return nil
            }
            state.metricSeries.insert(key)
            return key
        }
        /// The increase since the sender's last point of a cumulative series.
        func increase(_ key: SeriesKey, start: UInt64, value: Double) -> Double {
            let cumulativeKey = CumulativeKey(instance: sender.instance, series: key)
            defer { state.cumulative[cumulativeKey] = CumulativePoint(start: start, value: value) }
            guard let last = state.cumulative[cumulativeKey] else {
                // A series that began before the watch: its total so far is a baseline, not news.
                return start >= watchStarted ? value : 0
            }
            return last.start != start || value < last.value ? value : value - last.value
        }
        switch metric.data {
        case .gauge(let gauge):
            for point in gauge.dataPoints {
                guard let key = key(metric.name, point.attributes) else { continue }
                writes.append(.gauge(key, point.doubleValue))
            }
        case .sum(let sum):
            for point in sum.dataPoints {
                guard let key = key(metric.name, point.attributes) else { continue }
                guard sum.isMonotonic else {
                    writes.append(.gauge(key, point.doubleValue))
                    continue
                }
                let amount = sum.aggregationTemporality == .delta ? point.doubleValue : increase(key, start: point.startTimeUnixNano, value: point.doubleValue)
                if case .asInt = point.value {
                    writes.append(.count(key, Int64(saturating: amount)))
                } else {
                    writes.append(.amount(key, amount))
                }
            }
        case .histogram(let histogram):
            for point in histogram.dataPoints {
                writes += countAndSum(metric.name, point.attributes, temporality: histogram.aggregationTemporality, start: point.startTimeUnixNano,
                                      count: point.count, sum: point.hasSum ? point.sum : nil, key: key, increase: increase)
            }
        case .exponentialHistogram(let histogram):
            for point in histogram.dataPoints {
                writes += countAndSum(metric.name, point.attributes, temporality: histogram.aggregationTemporality, start: point.startTimeUnixNano,
                                      count: point.count, sum: point.hasSum ? point.sum : nil, key: key, increase: increase)
            }
        case .summary(let summary):
            for point in summary.dataPoints {
                writes += countAndSum(metric.name, point.attributes, temporality: .cumulative, start: point.startTimeUnixNano,
                                      count: point.count, sum: point.sum, key: key, increase: increase)
            }
        case nil:
            break
        }
        return writes
    }

    /// A distribution's point as its two counters, `NAME_count` and `NAME_sum`.
    private static func countAndSum(_ name: String, _ attributes: [OTLPKeyValue], temporality: Opentelemetry_Proto_Metrics_V1_AggregationTemporality,
                                    start: UInt64, count: UInt64, sum: Double?, key: (String, [OTLPKeyValue]) -> SeriesKey?,
                                    increase: (SeriesKey, UInt64, Double) -> Double) -> [MetricWrite] {
        var writes: [MetricWrite] = []
        if let countKey = key(name + "_count", attributes) {
            let amount = temporality == .delta ? Double(count) : increase(countKey, start, Double(count))
            writes.append(.count(countKey, Int64(saturating: amount)))
        }
        if let sum, let sumKey = key(name + "_sum", attributes) {
            writes.append(.amount(sumKey, temporality == .delta ? sum : increase(sumKey, start, sum)))
        }
        return writes
    }
}

extension OTLPNumberPoint {
    /// The point's value, whichever way it was sent.
    var doubleValue: Double {
        switch value {
        case .asDouble(let number): number
        case .asInt(let number): Double(number)
        case nil: 0
        }
    }
}

extension Int64 {
    /// A sender's count as a counter's increment: NaN is none, and counts beyond Int64's range
    /// (a uint64 count or a huge double, as a buggy or hostile sender may send) are held at its bounds.
    init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 0x1p63 {
            self = .max
        } else if value < -0x1p63 {
            self = .min
        } else {
            self = Int64(value)
        }
    }
}

extension SeriesKey {
    /// The dimensions as the swift-metrics factory takes them.
    var pairs: [(String, String)] { dimensions.map { ($0.name, $0.value) } }
}
