import Dashboard
import Telemetry

/// The trace detail's analysis on a 200-span trace: self times and the critical path, and the
/// span-by-span comparison of two such traces of the same operation.
func registerTraceAnalysisBenchmarks(on runner: BenchmarkRunner) {
    let slow = benchTrace(id: "a", seed: 1)
    let fast = benchTrace(id: "b", seed: 7)
    for name in ["dashboard.trace-critical-path-200-spans", "dashboard.trace-compare-200-spans"] {
        runner.require(name, slow.spans.count == 200 && fast.spans.count == 200 && slow != fast,
                       "both traces must have 200 spans and differ")
    }
    runner.measure("dashboard.trace-critical-path-200-spans", iterations: 5_000,
                   note: "self times and the critical path of a 200-span trace (22 calls of 8 sub-calls, some in parallel); target ≤ 1 ms") { n in
        var total = 0.0
        for _ in 0..<n {
            total += TraceAnalysis.selfTimes(slow)[0]
            total += Double(TraceAnalysis.criticalPath(slow).count)
        }
        blackHole(total)
    }
    runner.measure("dashboard.trace-compare-200-spans", iterations: 5_000,
                   note: "two 200-span traces matched by service and name, biggest difference first; target ≤ 1 ms") { n in
        var total = 0.0
        for _ in 0..<n { total += TraceAnalysis.compare(slow, fast).first?.deltaMs ?? 0 }
        blackHole(total)
    }
}

/// A root, 22 calls under it (two at a time), each with 8 sub-calls one after the other, and a
/// 200th span at the end: durations vary with `seed`.
func benchTrace(id: String, seed: UInt64) -> TraceTree {
    var random = seed
    func next(_ range: ClosedRange<Double>) -> Double {
        random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return range.lowerBound + Double(random >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
    }
    var spans = [SpanRecord(spanId: "root", depth: 0, service: "gateway", operation: "POST /api/orders", startOffsetMs: 0, durationMs: 0)]
    var clock = 0.0
    for call in 0..<22 {
        let start = call % 2 == 0 ? clock : clock - next(0...2)
        var inner = start
        var children: [SpanRecord] = []
        for sub in 0..<8 {
            let duration = next(0.2...3)
            children.append(SpanRecord(spanId: "c\(call)-\(sub)", parentSpanId: "c\(call)", depth: 2, service: "service-\(sub)",
                                       operation: "step \(sub)", startOffsetMs: inner, durationMs: duration))
            inner += duration + next(0...0.2)
        }
        spans.append(SpanRecord(spanId: "c\(call)", parentSpanId: "root", depth: 1, service: "order-service", operation: "call \(call % 5)",
                                startOffsetMs: start, durationMs: inner - start))
        spans += children
        clock = max(clock, inner)
    }
    spans.append(SpanRecord(spanId: "last", parentSpanId: "root", depth: 1, service: "notification-service", operation: "notify",
                            startOffsetMs: clock, durationMs: next(1...2)))
    clock += spans[spans.count - 1].durationMs
    spans[0].durationMs = clock
    return TraceTree(traceId: id, startedAt: 0, durationMs: clock, spans: spans)
}
