import Telemetry
import Tracing

/// The tracing figures: a span started and ended with context propagation (`withSpan`, which
/// binds the span's context as the task-local current context), against `NoOpTracer` doing the same.
///
/// The store assembles finished spans on a background task (`TraceStore.runAssembler()`, as
/// `MeshRuntime` runs it), so the figure is the caller's cost at a rate the assembler sustains on
/// the other core; `tracing.part.assembly` is that assembler's cost per span.
func registerTracingBenchmarks(on runner: BenchmarkRunner) async {
    runner.declareBaselines(["tracing.noop-span"])
    let noop = NoOpTracer()
    runner.require("tracing.noop-span", !noop.startSpan("probe").isRecording, "NoOpTracer's span must not record")
    runner.measure("tracing.noop-span", iterations: 2_000_000) { n in
        for _ in 0..<n { noop.withSpan("op") { span in blackHole(span) } }
    }

    // The least any tracer that propagates through ServiceContext costs: read the parent's ids,
    // write its own into a copy of the context, bind it; no clock, nothing recorded.
    let floor = ContextOnlyTracer()
    let floorParent = floor.startSpan("parent")
    let floorChild = floor.startSpan("child", context: floorParent.context)
    runner.require("tracing.floor.context-propagation",
                   floorChild.context[SpanIDsKey.self].map { $0.traceLow == floorParent.context[SpanIDsKey.self]?.traceLow } ?? false,
                   "a child span must carry its parent's trace id in its context")
    runner.measure("tracing.floor.context-propagation", baseline: "tracing.noop-span", iterations: 1_000_000,
                   note: "a tracer that only reads the parent's ids from ServiceContext and writes its own: the floor under any real span") { n in
        for _ in 0..<n { floor.withSpan("op") { span in blackHole(span) } }
    }

    let time = TimeSource.continuous()
    // Large enough that the measured spans evict, as a long-running process does.
    let store = TraceStore(time: time, configuration: .init(maxTraces: 10_000))
    let assembler = Task.detached { await store.runAssembler() }
    let tracer = TelemetryTracer(service: "bench", store: store, time: time)
    let probeParent = tracer.startSpan("parent")
    let probeChild = ServiceContext.$current.withValue(probeParent.context) { tracer.startSpan("child") }
    runner.require("tracing.span-start-end", probeParent.isRecording && store.configuration.maxTraces == 10_000,
                   "spans must record into a 10,000-trace store")
    runner.require("tracing.child-span-start-end", probeChild.traceID == probeParent.traceID && probeChild.parentSpanID == probeParent.spanID,
                   "a span started under a current parent must be its child")
    probeChild.end()
    probeParent.end()
    runner.measure("tracing.span-start-end", baseline: "tracing.noop-span", iterations: 1_000_000,
                   note: "withSpan through TelemetryTracer into a TraceStore assembling on a background task; target ≤ 250 ns, ≤ 2.5× NoOpTracer") { n in
        for _ in 0..<n { tracer.withSpan("op") { span in blackHole(span) } }
    }

    // Child spans under a current parent (ten per trace): the common case inside a service.
    runner.measure("tracing.child-span-start-end", baseline: "tracing.noop-span", iterations: 1_000_000) { n in
        var done = 0
        while done < n {
            let parent = tracer.startSpan("parent")
            ServiceContext.$current.withValue(parent.context) {
                for _ in 0..<10 { tracer.withSpan("child") { span in blackHole(span) } }
            }
            parent.end()
            done += 10
        }
    }
    assembler.cancel()
    await assembler.value

    // The assembler's part, so the figures above can be read: a finished span assembled into a
    // bounded trace set (steady state, evicting).
    let ids = IDGenerator(seed: 1)
    // No assembler: the caller that fills the pending buffer assembles it, so this is the append
    // plus the assembly, per span.
    let assemblyStore = TraceStore(time: time)
    let finished = FinishedSpan(traceID: ids.traceID(), spanID: ids.spanID(), parentSpanID: nil, service: "bench",
                                operation: "op", kind: .internal, start: .zero, end: .milliseconds(1))
    // Filled first, so every measured span evicts the oldest trace.
    for _ in 0..<20_000 {
        var span = finished
        span.traceID = ids.traceID()
        assemblyStore.add(span)
    }
    runner.require("tracing.part.assembly", assemblyStore.stats.storedTraces == 10_000 && ids.traceID() != ids.traceID(),
                   "the store must be full at 10,000 traces (got \(assemblyStore.stats.storedTraces)) and every added span must begin a new trace")
    runner.measure("tracing.part.assembly", iterations: 1_000_000, note: "one-span traces added to and assembled into a full 10,000-trace store, on the caller") { n in
        for _ in 0..<n {
            var span = finished
            span.traceID = ids.traceID()
            assemblyStore.add(span)
        }
    }
}

/// A tracer that does only what every tracer propagating through `ServiceContext` must: read the
/// parent's ids and store its own in the span's context.
private struct ContextOnlyTracer: Tracer {
    typealias Span = ContextOnlySpan
    let ids = IDGenerator(seed: 1)

    func startSpan<Instant: TracerInstant>(_ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
                                           at instant: @autoclosure () -> Instant, function: String, file fileID: String,
                                           line: UInt) -> ContextOnlySpan {
        var context = context()
        let parent = context[SpanIDsKey.self]
        context[SpanIDsKey.self] = SpanIDs(traceHigh: parent?.traceHigh ?? ids.next(), traceLow: parent?.traceLow ?? ids.next(),
                                           span: ids.next())
        return ContextOnlySpan(context: context)
    }

    func forceFlush() {}
    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {}
    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {}
}

/// Three words: `ServiceContext` stores it inline, without a box (as `TelemetryTracer` does).
private struct SpanIDs: Sendable {
    var traceHigh: UInt64
    var traceLow: UInt64
    var span: UInt64
}

private enum SpanIDsKey: ServiceContextKey {
    typealias Value = SpanIDs
}

private final class ContextOnlySpan: Span {
    let context: ServiceContext
    init(context: ServiceContext) { self.context = context }
    var operationName: String { get { "" } set {} }
    var attributes: SpanAttributes { get { [:] } set {} }
    var isRecording: Bool { false }
    func setStatus(_ status: SpanStatus) {}
    func addEvent(_ event: SpanEvent) {}
    func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {}
    func addLink(_ link: SpanLink) {}
    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {}
}
