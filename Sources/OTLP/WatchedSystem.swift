import OTLPProto
import Synchronization
import Telemetry
import Tracing

/// What `meshtop watch` shows: the services that report over OTLP, kept in meshtop's own
/// stores and read back as a ``SystemSnapshot``, as if they were a system meshtop runs.
///
/// - Services come from each resource's `service.name` (`unknown_service` without one),
///   instances from `service.instance.id` (else `host.name`).
/// - Request rates, error ratios and latencies per service and route are derived from the
///   server and consumer spans as they arrive (as Jaeger's service performance monitoring does):
///   counted when received, so a sender's batching delay shifts them by that much.
/// - Calls between services come from spans whose parent is another service's (``EdgeJoiner``).
/// - Log records go to the log store under their sender's service, with their trace and span ids.
/// - OTLP metrics become series: sums as counters (cumulative ones turned into increments),
///   gauges as gauges, histograms as `_count` and `_sum` counters. A `breaker_state` gauge with
///   `breaker` and `state` attributes (1 for the current state) shows in the Breakers view.
///
/// Everything is bounded: traces by the trace store, services, routes, instances and metric
/// series by ``Configuration``. What exceeds a bound is refused and reported to the sender as a
/// partial success, never kept unbounded.
///
/// Thread safety: every method may be called from any task.
public final class WatchedSystem: Sendable {
    public struct Configuration: Sendable {
        /// The system's name in the header and the API.
        public var name: String
        public var traces: TraceStore.Configuration
        public var maxServices: Int
        public var maxInstancesPerService: Int
        /// Routes per service; spans of further routes count under the route `(other)`.
        public var maxRoutesPerService: Int
        /// Series made from OTLP metrics; further data points are refused.
        public var maxMetricSeries: Int
        /// An instance that has sent nothing for this long is shown down.
        public var silentAfter: Duration
        public var eventCapacity: Int
        /// Log records kept; older ones are dropped and counted.
        public var logCapacity: Int

        public init(name: String = "otlp", traces: TraceStore.Configuration = .init(), maxServices: Int = 256, maxInstancesPerService: Int = 256,
                    maxRoutesPerService: Int = 200, maxMetricSeries: Int = 10_000, silentAfter: Duration = .seconds(30), eventCapacity: Int = 1_000,
                    logCapacity: Int = 10_000) {
            self.name = name
            self.traces = traces
            self.maxServices = maxServices
            self.maxInstancesPerService = maxInstancesPerService
            self.maxRoutesPerService = maxRoutesPerService
            self.maxMetricSeries = maxMetricSeries
            self.silentAfter = silentAfter
            self.eventCapacity = eventCapacity
            self.logCapacity = logCapacity
        }
    }

    /// What became of one request's items (spans, data points or log records).
    public struct IngestResult: Sendable, Equatable {
        public var accepted: Int
        public var rejected: Int
        /// Why items were refused (the first reasons), for the sender; nil when none were.
        public var message: String?

        public init(accepted: Int = 0, rejected: Int = 0, message: String? = nil) {
            self.accepted = accepted
            self.rejected = rejected
            self.message = message
        }
    }

    public let time: TimeSource
    public let configuration: Configuration
    public let traces: TraceStore
    public let metrics: MetricsStore
    public let events: EventLog
    public let logs: LogStore
    let factory: TelemetryMetricsFactory
    let state: Mutex<State>

    public init(time: TimeSource, configuration: Configuration = Configuration()) {
        self.time = time
        self.configuration = configuration
        self.traces = TraceStore(time: time, configuration: configuration.traces)
        self.metrics = MetricsStore(time: time)
        self.events = EventLog(time: time, capacity: configuration.eventCapacity)
        self.logs = LogStore(time: time, capacity: configuration.logCapacity)
        self.factory = TelemetryMetricsFactory(store: metrics)
        self.state = Mutex(State())
    }

    public var name: String { configuration.name }

    // MARK: State

    struct State {
        var services: [String: ServiceEntry] = [:]
        var routes: [RouteKey: RouteSeries] = [:]
        var routeCounts: [String: Int] = [:]
        var edges = EdgeJoiner()
        var edgeSeries: [EdgeJoiner.Edge: EdgeSeries] = [:]
        var entry: RouteSeries?
        var cumulative: [CumulativeKey: CumulativePoint] = [:]
        var metricSeries: Set<SeriesKey> = []
        var received = Received()
    }

    struct Received {
        var spans = 0
        var spansRejected = 0
        var points = 0
        var pointsRejected = 0
        var logs = 0
        var logsRejected = 0
    }

    struct ServiceEntry {
        var firstSeen: Duration
        var lastSeen: Duration
        var instances: [String: InstanceEntry] = [:]
    }

    struct InstanceEntry {
        var lastSeen: Duration
        var resource: [String: String]
    }

    struct RouteKey: Hashable {
        var service: String
        var route: String
    }

    struct RouteSeries {
        var requests: CounterSeries
        var errors: CounterSeries
        var duration: HistogramSeries
    }

    struct EdgeSeries {
        var calls: CounterSeries
        var errors: CounterSeries
    }

    struct CumulativeKey: Hashable {
        var instance: String
        var series: SeriesKey
    }

    struct CumulativePoint {
        var start: UInt64
        var value: Double
    }

    /// The metric labels of the derived figures: the same names a meshtop system's own services
    /// record, so a snapshot reads them alike.
    enum Labels {
        static let requests = "requests_total"
        static let errors = "request_errors_total"
        static let duration = "request_duration_seconds"
        static let entryRequests = "entry_requests_total"
        static let entryErrors = "entry_request_errors_total"
        static let entryDuration = "entry_request_duration_seconds"
        static let calls = "calls_total"
        static let callErrors = "call_errors_total"
        static let messages = "messages_total"
        static let messageErrors = "message_errors_total"
    }

    /// The route a span's requests count under when a service has too many.
    static let otherRoute = "(other)"

    // MARK: Resources

    /// Who sent a resource's items: its service and instance.
    struct Sender {
        var service: String
        var instance: String
        var resource: [String: String]

        init(_ resource: OTLPResource) {
            let attributes = OTLPValues.texts(resource.attributes)
            let named = attributes["service.name"].flatMap { $0.isEmpty ? nil : $0 }
            service = named ?? "unknown_service"
            instance = attributes["service.instance.id"] ?? attributes["host.name"] ?? service
            self.resource = attributes
        }
    }

    /// Notes that `sender` reported now; false when it is a new service or instance beyond the
    /// bounds (its items are refused then).
    func admit(_ sender: Sender, now: Duration, in state: inout State) -> Bool {
        if state.services[sender.service] == nil {
            guard state.services.count < configuration.maxServices else { return false }
            state.services[sender.service] = ServiceEntry(firstSeen: now, lastSeen: now)
            let language = sender.resource["telemetry.sdk.language"].map { " (\($0))" } ?? ""
            _ = events.record(source: sender.service, kind: .info, message: "\(sender.service) reports over OTLP\(language), instance \(sender.instance)")
        }
        if state.services[sender.service]!.instances[sender.instance] == nil,
           state.services[sender.service]!.instances.count >= configuration.maxInstancesPerService {
            return false
        }
        state.services[sender.service]!.lastSeen = now
        state.services[sender.service]!.instances[sender.instance] = InstanceEntry(lastSeen: now, resource: sender.resource)
        return true
    }

    func refusedSenderMessage(_ sender: Sender) -> String {
        "more than \(configuration.maxServices) services or \(configuration.maxInstancesPerService) instances of one: \(sender.service) instance \(sender.instance) was refused"
    }
}

extension WatchedSystem {
    /// Why breakers, faults and instances cannot be acted on: what `watch` shows runs elsewhere.
    public static let controlUnavailableReason =
        "watching over OTLP: the services run in their own processes, so meshtop cannot trip their breakers or inject faults"
}
