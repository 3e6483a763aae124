import CoreMetrics
import Logging
import Telemetry
import Tracing

/// Where the mesh reports: one in-process Telemetry backend (metrics with rolling windows, the
/// trace store, the event log, the log store) shared by every service, sidecar, breaker and saga.
///
/// The mesh reads it back to build ``SystemSnapshot``s, so it takes the concrete stores rather
/// than any `MetricsFactory`. Nothing here is global: tests make their own.
public struct MeshTelemetry: Sendable {
    public let time: TimeSource
    public let metricsStore: MetricsStore
    /// The swift-metrics factory over ``metricsStore``: what components are handed.
    public let metrics: any MetricsFactory
    public let traces: TraceStore
    public let events: EventLog
    /// What the services log (``logger(for:)``), with the trace and span each record was logged in.
    public let logs: LogStore
    public let ids: IDGenerator
    /// The least severe level ``logger(for:)``'s loggers keep by default.
    public let logLevel: Logger.Level

    /// - Parameters:
    ///   - time: the clock every timestamp comes from.
    ///   - seed: for trace and span ids (fixed in tests and seeded runs); nil for a random one.
    ///   - logCapacity: log records kept; older ones are dropped and counted.
    ///   - logLevel: the least severe level the mesh's loggers keep (`.debug` adds the calls its
    ///     policies refused).
    public init(time: TimeSource, seed: UInt64? = nil, traces: TraceStore.Configuration = .init(), eventCapacity: Int = 1_000,
                logCapacity: Int = 10_000, logLevel: Logger.Level = .info) {
        self.time = time
        metricsStore = MetricsStore(time: time)
        metrics = TelemetryMetricsFactory(store: metricsStore)
        self.traces = TraceStore(time: time, configuration: traces)
        events = EventLog(time: time, capacity: eventCapacity)
        logs = LogStore(time: time, capacity: logCapacity)
        self.logLevel = logLevel
        ids = IDGenerator(seed: seed)
    }

    /// A tracer whose spans belong to `service`.
    public func tracer(for service: String) -> TelemetryTracer {
        TelemetryTracer(service: service, store: traces, time: time, ids: ids)
    }

    /// A logger whose records go to ``logs``, attributed to `service`, each with the trace and
    /// span current where it is called; at ``logLevel`` and above unless `level` says otherwise.
    /// Made for the caller: nothing global is bootstrapped.
    public func logger(for service: String, level: Logger.Level? = nil) -> Logger {
        let logs = self.logs
        var logger = Logger(label: service) { _ in TelemetryLogHandler(store: logs, service: service) }
        logger.logLevel = level ?? logLevel
        return logger
    }
}

/// A clock erased to closures, so the mesh is not generic over its clock and hands one concrete
/// clock to every component (breakers, limiters, retries, the transport).
struct MeshClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let elapsed: @Sendable () -> Duration
    private let sleepFor: @Sendable (Duration, Duration?) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleepFor = { try await clock.sleep(for: $0, tolerance: $1) }
    }

    var now: Instant { Instant(offset: elapsed()) }
    var minimumResolution: Duration { .zero }

    /// Passes `tolerance` on: a sleep that must end on time (a hedge's delay) asks for none.
    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await sleepFor(deadline.offset - elapsed(), tolerance)
    }

    func sleep(for duration: Duration) async throws {
        try await sleepFor(duration, nil)
    }
}
