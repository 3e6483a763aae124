import Testing
import Tracing
@testable import Telemetry

@Suite struct TraceStoreTests {
    /// Ends a one-span trace that lasts `milliseconds`, optionally with an error.
    @discardableResult
    func trace(_ f: TracingFixture, _ name: String, milliseconds: Int = 1, error: Bool = false) -> TelemetrySpan {
        let span = f.tracer.startSpan(name)
        f.clock.advance(by: .milliseconds(milliseconds))
        if error { span.setStatus(SpanStatus(code: .error)) }
        span.end()
        return span
    }

    @Test func evictsTheOldestAndCountsWhatItDrops() {
        let f = TracingFixture(configuration: .init(maxTraces: 3))
        for index in 0..<5 { trace(f, "t\(index)") }
        #expect(f.store.recent(limit: 10).map(\.rootOperation) == ["t4", "t3", "t2"])
        #expect(f.store.stats == TraceStore.Stats(storedTraces: 3, storedSpans: 3, droppedTraces: 2, droppedSpans: 2, malformedTraceHeaders: 0,
                                                      headSampledTraces: 5))
    }

    @Test func keepsErrorTracesWhileNormalOnesAreEvicted() {
        let f = TracingFixture(configuration: .init(maxTraces: 4, errorShare: 0.5, slowShare: 0))
        trace(f, "old error", error: true)
        for index in 0..<10 { trace(f, "ok \(index)") }
        let kept = f.store.recent(limit: 10).map(\.rootOperation)
        #expect(kept.contains("old error"))
        #expect(kept.count == 4)
        #expect(f.store.withErrors(limit: 10).map(\.rootOperation) == ["old error"])
    }

    @Test func errorsBeyondTheirShareAreEvictedOldestFirst() {
        let f = TracingFixture(configuration: .init(maxTraces: 4, errorShare: 0.5, slowShare: 0))
        for index in 0..<6 { trace(f, "error \(index)", error: true) }
        trace(f, "ok")
        let kept = f.store.recent(limit: 10).map(\.rootOperation)
        #expect(kept == ["ok", "error 5", "error 4"] || kept == ["ok", "error 5", "error 4", "error 3"])
        #expect(f.store.stats.storedTraces == 4)
        #expect(kept.contains("ok"), "a storm of errors must not push out every ordinary trace")
    }

    @Test func keepsTheSlowestTracesWhileNormalOnesAreEvicted() {
        let f = TracingFixture(configuration: .init(maxTraces: 50, errorShare: 0, slowShare: 0.1))
        // Teach the store what "slow" is: 300 traces of 1-10 ms.
        for index in 0..<300 { trace(f, "warm-up \(index)", milliseconds: 1 + index % 10) }
        trace(f, "outlier", milliseconds: 900)
        for index in 0..<200 { trace(f, "ok \(index)", milliseconds: 2) }
        #expect(f.store.slowest(limit: 1).first?.rootOperation == "outlier")
        #expect(f.store.recent(limit: 50).contains { $0.rootOperation == "outlier" })
    }

    @Test func spanLimitsAreEnforcedAndCounted() {
        let f = TracingFixture(configuration: .init(maxTraces: 100, maxSpans: 100, maxSpansPerTrace: 3))
        let root = f.tracer.startSpan("root")
        for index in 0..<5 { f.tracer.startSpan("child \(index)", context: root.context).end() }
        root.end()
        #expect(f.store.stats.storedSpans == 3)
        #expect(f.store.stats.droppedSpans == 3)
    }

    @Test func anOrphanStaysVisibleUnderTheRoot() throws {
        let f = TracingFixture()
        let root = f.tracer.startSpan("root")
        let lost = f.tracer.startSpan("lost parent", context: root.context) // never ends: never arrives
        f.clock.advance(by: .milliseconds(2))
        f.tracer.startSpan("orphan", context: lost.context).end()
        f.tracer.startSpan("child", context: root.context).end()
        root.end()
        let tree = try #require(f.store.tree(root.traceContext.traceID))
        #expect(tree.spans.map(\.operation) == ["root", "child", "orphan"])
        let orphan = try #require(tree.spans.last)
        #expect(orphan.isOrphan && orphan.depth == 1)
        #expect(orphan.parentSpanId == lost.traceContext.spanID.description, "it still names its real parent")
    }

    @Test func treesAreDepthFirstWithSiblingsByStartTime() throws {
        let f = TracingFixture()
        let root = f.tracer.startSpan("root")
        let second = f.tracer.startSpan("b second", context: root.context)
        f.clock.advance(by: .milliseconds(1))
        let grandchild = f.tracer.startSpan("b.1", context: second.context)
        f.clock.advance(by: .milliseconds(1))
        grandchild.end()
        second.end()
        let third = f.tracer.startSpan("c third", context: root.context)
        third.end()
        root.end()
        let tree = try #require(f.store.tree(root.traceContext.traceID))
        #expect(tree.spans.map(\.operation) == ["root", "b second", "b.1", "c third"])
        #expect(tree.spans.map(\.depth) == [0, 1, 2, 1])
        #expect(tree.spans.map(\.startOffsetMs) == [0, 0, 1, 2])
        #expect(tree.durationMs == 2)
    }

    @Test func summariesNameTheRootAndEveryService() throws {
        let f = TracingFixture()
        let root = f.tracer.startSpan("POST /api/orders")
        f.tracer.forService("payment-service").startSpan("charge", context: root.context).end()
        f.tracer.forService("order-service").startSpan("create", context: root.context).end()
        f.clock.advance(by: .milliseconds(12))
        root.end()
        let summary = try #require(f.store.summary(root.traceContext.traceID))
        #expect(summary.rootService == "gateway" && summary.rootOperation == "POST /api/orders")
        #expect(summary.services == ["gateway", "order-service", "payment-service"])
        #expect(summary.spanCount == 3 && summary.durationMs == 12 && !summary.hasError)
        #expect(f.store.involving(service: "payment-service", limit: 5).count == 1)
        #expect(f.store.involving(service: "inventory-service", limit: 5).isEmpty)
    }
}

@Suite struct EventLogTests {
    @Test func keepsTheNewestEventsAndCountsEvicted() {
        let clock = ManualClock()
        let log = EventLog(time: TimeSource(clock: clock, originUnixNanoseconds: 0), capacity: 3)
        for index in 1...5 {
            clock.advance(by: .seconds(1))
            log.record(source: "order-service->payment-service", kind: index.isMultiple(of: 2) ? .manualAction : .breakerTransition, message: "event \(index)")
        }
        let events = log.recent()
        #expect(events.map(\.message) == ["event 5", "event 4", "event 3"])
        #expect(events.map(\.id) == [5, 4, 3])
        #expect(events.first?.uptimeSeconds == 5 && events.first?.at == 5)
        #expect(log.dropped == 2)
        #expect(log.recent(kinds: [.manualAction]).map(\.message) == ["event 4"])
        #expect(log.recent(limit: 1).map(\.message) == ["event 5"])
        #expect(log.recent(source: "nobody").isEmpty)
    }
}
