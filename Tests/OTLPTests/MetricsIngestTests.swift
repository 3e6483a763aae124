import OTLP
import OTLPProto
import Telemetry
import Testing

@Suite("WatchedSystem metrics")
struct MetricsIngestTests {
    private func sum(_ name: String, _ value: Int64, start: UInt64, temporality: Opentelemetry_Proto_Metrics_V1_AggregationTemporality = .cumulative,
                     attributes: [(String, String)] = []) -> Opentelemetry_Proto_Metrics_V1_Metric {
        .with {
            $0.name = name
            $0.sum.isMonotonic = true
            $0.sum.aggregationTemporality = temporality
            $0.sum.dataPoints = [.with {
                $0.startTimeUnixNano = start
                $0.asInt = value
                $0.attributes = attributes.map { pair in .with { $0.key = pair.0; $0.value.stringValue = pair.1 } }
            }]
        }
    }

    private func gauge(_ name: String, _ value: Double, attributes: [(String, String)]) -> Opentelemetry_Proto_Metrics_V1_Metric {
        .with {
            $0.name = name
            $0.gauge.dataPoints = [.with {
                $0.asDouble = value
                $0.attributes = attributes.map { pair in .with { $0.key = pair.0; $0.value.stringValue = pair.1 } }
            }]
        }
    }

    private func request(_ service: String, instance: String = "i-1", _ metrics: [Opentelemetry_Proto_Metrics_V1_Metric]) -> OTLPMetricsRequest {
        .with {
            $0.resourceMetrics = [.with {
                $0.resource = resource(service, instance: instance)
                $0.scopeMetrics = [.with { $0.metrics = metrics }]
            }]
        }
    }

    private func total(_ system: WatchedSystem, _ label: String) -> Double {
        system.metrics.total(SeriesSelector(label: label))
    }

    @Test("counts beyond Int64 (a histogram's uint64 count, a double sum of 1e300 or NaN) are held at its bounds, not a crash")
    func countsBeyondRange() {
        let (system, _) = makeSystem()
        let histogram = Opentelemetry_Proto_Metrics_V1_Metric.with {
            $0.name = "huge"
            $0.histogram.aggregationTemporality = .delta
            $0.histogram.dataPoints = [.with { $0.count = .max; $0.sum = 1 }]
        }
        let doubles = [1e300, -1e300, .nan].map { value in
            Opentelemetry_Proto_Metrics_V1_Metric.with {
                $0.name = "odd"
                $0.sum.isMonotonic = true
                $0.sum.aggregationTemporality = .delta
                $0.sum.dataPoints = [.with { $0.asDouble = value }]
            }
        }
        _ = system.ingest(request("svc", [histogram] + doubles))
        #expect(total(system, "huge_count") == Double(Int64.max))
        _ = system.snapshot()
    }

    @Test("cumulative sums become increments; a counter older than the watch starts as a baseline")
    func cumulativeSums() {
        let (system, _) = makeSystem()
        // Started before the watch: 100 so far is history, not news.
        _ = system.ingest(request("svc", [sum("old", 100, start: watchStart - 1)]))
        _ = system.ingest(request("svc", [sum("old", 130, start: watchStart - 1)]))
        #expect(total(system, "old") == 30)
        // Started after: counted whole.
        _ = system.ingest(request("svc", [sum("new", 7, start: watchStart + 1)]))
        _ = system.ingest(request("svc", [sum("new", 9, start: watchStart + 1)]))
        #expect(total(system, "new") == 9)
        // A restart (a new start time, a lower value) counts the new value whole.
        _ = system.ingest(request("svc", [sum("new", 4, start: watchStart + 2)]))
        #expect(total(system, "new") == 13)
    }

    @Test("two instances' cumulative counters are tracked apart and add up")
    func instancesApart() {
        let (system, _) = makeSystem()
        for (instance, value) in [("a", 5), ("b", 3), ("a", 8), ("b", 10)] {
            _ = system.ingest(request("svc", instance: instance, [sum("jobs", Int64(value), start: watchStart + 1)]))
        }
        #expect(total(system, "jobs") == 18)
    }

    @Test("delta sums add as they come")
    func deltaSums() {
        let (system, _) = makeSystem()
        _ = system.ingest(request("svc", [sum("d", 4, start: 0, temporality: .delta), sum("d", 6, start: 0, temporality: .delta)]))
        #expect(total(system, "d") == 10)
    }

    @Test("a breaker_state gauge shows in the breakers; metrics alone make no service")
    func breakers() {
        let (system, _) = makeSystem()
        let result = system.ingest(request("payments", [
            gauge("breaker_state", 1, attributes: [("breaker", "b1"), ("state", "half_open")]),
            gauge("breaker_state", 0, attributes: [("breaker", "b1"), ("state", "closed")]),
        ]))
        #expect(result == WatchedSystem.IngestResult(accepted: 2, rejected: 0, message: nil))
        let snapshot = system.snapshot()
        #expect(snapshot.breakers.map(\.id) == ["b1"])
        #expect(snapshot.breakers.first?.state == .halfOpen)
        #expect(snapshot.services.isEmpty)
    }

    @Test("series beyond the bound are refused and said so")
    func boundsSeries() {
        let (system, _) = makeSystem(.init(maxMetricSeries: 2))
        let result = system.ingest(request("svc", (1...4).map { gauge("g", Double($0), attributes: [("n", "\($0)")]) }))
        #expect(result.accepted == 2)
        #expect(result.rejected == 2)
        #expect(result.message == "more than 2 metric series: g refused")
    }

    @Test("histograms keep their count and sum")
    func histograms() {
        let (system, _) = makeSystem()
        let histogram = Opentelemetry_Proto_Metrics_V1_Metric.with {
            $0.name = "latency"
            $0.histogram.aggregationTemporality = .delta
            $0.histogram.dataPoints = [.with {
                $0.count = 12
                $0.sum = 3.5
                $0.explicitBounds = [1, 2]
                $0.bucketCounts = [4, 4, 4]
            }]
        }
        _ = system.ingest(request("svc", [histogram]))
        #expect(total(system, "latency_count") == 12)
        #expect(total(system, "latency_sum") == 3.5)
    }
}
