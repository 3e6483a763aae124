import Telemetry
import Tracing

/// Issue 2's tracing figure: a span started and ended with context propagation (`withSpan`, which
/// binds the span's context as the task-local current context), against `NoOpTracer` doing the same.
func registerTracingBenchmarks(on runner: BenchmarkRunner) {
    runner.declareBaselines(["tracing.noop-span"])
    let noop = NoOpTracer()
    runner.measure("tracing.noop-span", iterations: 2_000_000) { n in
        for _ in 0..<n { noop.withSpan("op") { span in blackHole(span) } }
    }

    let time = TimeSource.continuous()
    // Large enough that the measured spans evict, as a long-running process does.
    let store = TraceStore(time: time, configuration: .init(maxTraces: 10_000))
    let tracer = TelemetryTracer(service: "bench", store: store, time: time)
    runner.measure("tracing.span-start-end", baseline: "tracing.noop-span", iterations: 1_000_000,
                   note: "withSpan through TelemetryTracer into a TraceStore; target ≤ 250 ns, ≤ 2.5× NoOpTracer") { n in
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

    // The parts, so the figure above can be read: the context write every span makes, and the
    // store's assembly of a finished span into a bounded trace set (steady state, evicting).
    var parentContext = ServiceContext.topLevel
    parentContext.traceContext = TraceContext(traceID: TraceID(high: 1, low: 2), spanID: SpanID(3))
    let child = TraceContext(traceID: TraceID(high: 1, low: 2), spanID: SpanID(4))
    runner.measure("tracing.part.service-context-set", iterations: 1_000_000, note: "setting the span's context value in ServiceContext") { n in
        for _ in 0..<n {
            var context = parentContext
            context.traceContext = child
            blackHole(context)
        }
    }
    let ids = IDGenerator(seed: 1)
    let assemblyStore = TraceStore(time: time)
    let finished = FinishedSpan(traceID: ids.traceID(), spanID: ids.spanID(), parentSpanID: nil, service: "bench",
                                operation: "op", kind: .internal, start: .zero, end: .milliseconds(1))
    runner.measure("tracing.part.store-add", iterations: 1_000_000, note: "one-span traces into a full 10,000-trace store") { n in
        for _ in 0..<n {
            var span = finished
            span.traceID = ids.traceID()
            assemblyStore.add(span)
        }
    }
}
