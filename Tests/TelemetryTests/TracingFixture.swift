import Telemetry
import Tracing

/// A tracer on a manual clock with a seeded id sequence, and its store.
struct TracingFixture {
    let clock = ManualClock()
    let time: TimeSource
    let store: TraceStore
    let tracer: TelemetryTracer

    init(configuration: TraceStore.Configuration = .init()) {
        time = TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000)
        store = TraceStore(time: time, configuration: configuration)
        tracer = TelemetryTracer(service: "gateway", store: store, time: time, ids: IDGenerator(seed: 1))
    }

    /// Every span of the only trace in the store, depth-first.
    func onlyTree() -> TraceTree? {
        guard let summary = store.recent(limit: 2).first else { return nil }
        return store.tree(hex: summary.traceId)
    }
}
