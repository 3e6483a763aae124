/// Everything the dashboard shows, at one moment: a plain value, safe to hand across tasks,
/// encode as JSON (`meshtop snapshot --json`, the remote API) and compare in tests.
///
/// Field names are part of the public JSON and stay stable. Times are seconds; latencies are
/// milliseconds (`…Ms`); ratios are 0…1; identifiers are strings.
public struct SystemSnapshot: Codable, Sendable, Equatable {
    /// The observed system's name, for example `storefront`.
    public var system: String
    /// When the snapshot was taken, in seconds since the Unix epoch.
    public var takenAt: Double
    /// Time since the system started, in seconds.
    public var uptimeSeconds: Double
    /// The length of the window the rates, ratios and percentiles are computed over, in seconds.
    public var windowSeconds: Int
    /// System-wide figures for the header line.
    public var totals: Totals
    public var services: [ServiceStatus]
    public var breakers: [BreakerStatus]
    /// Caller → target edges (calls and event deliveries) with their rates and breakers, sorted
    /// (``EdgeStatus/precedes(_:_:)``). Absent from snapshots taken before edges were reported:
    /// they decode as none.
    public var edges: [EdgeStatus]
    public var routes: [RouteStatus]
    /// Summaries of the newest few stored traces, newest first, for a glance at the JSON; the
    /// Traces list pages the whole store (``TraceQuery``) and the full tree is fetched by id.
    public var traces: [TraceSummary]
    /// Recent notable events, newest first.
    public var events: [EventRecord]
    public var sagas: [SagaStatus]
    /// What bounded stores had to throw away since start.
    public var dropped: DroppedCounts
    /// Manual actions with their measured effect, oldest first (the newest are kept). Absent from
    /// snapshots taken before they were reported: they decode as none.
    public var interventions: [InterventionRecord]
    /// Recent log records, newest first (the log store keeps more; its queries find a trace's).
    /// Absent from snapshots taken before logs were reported: they decode as none.
    public var logs: [LogRecord]
    /// What head sampling kept and dropped; absent when every trace is head-sampled (and from
    /// snapshots taken before sampling was reported).
    public var sampling: SamplingStatus?

    public init(
        system: String,
        takenAt: Double,
        uptimeSeconds: Double,
        windowSeconds: Int,
        totals: Totals = Totals(),
        services: [ServiceStatus] = [],
        breakers: [BreakerStatus] = [],
        edges: [EdgeStatus] = [],
        routes: [RouteStatus] = [],
        traces: [TraceSummary] = [],
        events: [EventRecord] = [],
        sagas: [SagaStatus] = [],
        dropped: DroppedCounts = DroppedCounts(),
        interventions: [InterventionRecord] = [],
        logs: [LogRecord] = [],
        sampling: SamplingStatus? = nil
    ) {
        self.system = system
        self.takenAt = takenAt
        self.uptimeSeconds = uptimeSeconds
        self.windowSeconds = windowSeconds
        self.totals = totals
        self.services = services
        self.breakers = breakers
        self.edges = edges
        self.routes = routes
        self.traces = traces
        self.events = events
        self.sagas = sagas
        self.dropped = dropped
        self.interventions = interventions
        self.logs = logs
        self.sampling = sampling
    }

    /// Decodes every field as encoded; `edges`, `interventions` and `logs` may be missing (a
    /// snapshot from before they were reported) and then are empty; `sampling` may be missing,
    /// then nil.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        system = try container.decode(String.self, forKey: .system)
        takenAt = try container.decode(Double.self, forKey: .takenAt)
        uptimeSeconds = try container.decode(Double.self, forKey: .uptimeSeconds)
        windowSeconds = try container.decode(Int.self, forKey: .windowSeconds)
        totals = try container.decode(Totals.self, forKey: .totals)
        services = try container.decode([ServiceStatus].self, forKey: .services)
        breakers = try container.decode([BreakerStatus].self, forKey: .breakers)
        edges = try container.decodeIfPresent([EdgeStatus].self, forKey: .edges) ?? []
        routes = try container.decode([RouteStatus].self, forKey: .routes)
        traces = try container.decode([TraceSummary].self, forKey: .traces)
        events = try container.decode([EventRecord].self, forKey: .events)
        sagas = try container.decode([SagaStatus].self, forKey: .sagas)
        dropped = try container.decode(DroppedCounts.self, forKey: .dropped)
        interventions = try container.decodeIfPresent([InterventionRecord].self, forKey: .interventions) ?? []
        logs = try container.decodeIfPresent([LogRecord].self, forKey: .logs) ?? []
        sampling = try container.decodeIfPresent(SamplingStatus.self, forKey: .sampling)
    }
}

/// System-wide figures: what enters the system (at its edge, the gateway) over the window.
public struct Totals: Codable, Sendable, Equatable {
    public var rps: Double
    public var errorRatio: Double
    public var latency: LatencySummary?
    public var openBreakers: Int
    public var storedTraces: Int

    public init(rps: Double = 0, errorRatio: Double = 0, latency: LatencySummary? = nil, openBreakers: Int = 0, storedTraces: Int = 0) {
        self.rps = rps
        self.errorRatio = errorRatio
        self.latency = latency
        self.openBreakers = openBreakers
        self.storedTraces = storedTraces
    }
}

/// Counts of what bounded stores evicted since start. Nothing is dropped silently.
public struct DroppedCounts: Codable, Sendable, Equatable {
    public var spans: Int
    public var traces: Int
    public var events: Int
    /// Incoming `traceparent` headers that were malformed and ignored (a new root was started).
    public var malformedTraceHeaders: Int
    /// Log records the log store dropped to make room. Absent from snapshots taken before logs
    /// were reported: it decodes as 0.
    public var logs: Int

    public init(spans: Int = 0, traces: Int = 0, events: Int = 0, malformedTraceHeaders: Int = 0, logs: Int = 0) {
        self.spans = spans
        self.traces = traces
        self.events = events
        self.malformedTraceHeaders = malformedTraceHeaders
        self.logs = logs
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        spans = try container.decode(Int.self, forKey: .spans)
        traces = try container.decode(Int.self, forKey: .traces)
        events = try container.decode(Int.self, forKey: .events)
        malformedTraceHeaders = try container.decode(Int.self, forKey: .malformedTraceHeaders)
        logs = try container.decodeIfPresent(Int.self, forKey: .logs) ?? 0
    }
}

/// Latency percentiles over a window, in milliseconds, from an HDR histogram
/// (2 significant digits: each figure is within 1% of the exact value).
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var p50Ms: Double
    public var p95Ms: Double
    public var p99Ms: Double
    public var maxMs: Double

    public init(count: Int, p50Ms: Double, p95Ms: Double, p99Ms: Double, maxMs: Double) {
        self.count = count
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
        self.maxMs = maxMs
    }
}
