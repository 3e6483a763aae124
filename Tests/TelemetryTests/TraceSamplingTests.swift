import Instrumentation
import Testing
import Tracing
@testable import Telemetry

@Suite("Head sampling by trace id, and the tail rule")
struct TraceSamplingTests {
    /// Trace ids as the tracers make them.
    static func ids(_ count: Int, seed: UInt64 = 7) -> [TraceID] {
        let generator = IDGenerator(seed: seed)
        return (0..<count).map { _ in generator.traceID() }
    }

    @Test("the decision is the trace id's alone: the same id, the same answer; 0 keeps none and 1 all")
    func decisionIsDeterministic() {
        let ids = Self.ids(10_000)
        let tenth = TraceSampling(ratio: 0.1)
        #expect(ids.map(tenth.isSampled) == ids.map(TraceSampling(ratio: 0.1).isSampled))
        #expect(ids.allSatisfy(TraceSampling.all.isSampled))
        #expect(!ids.contains(where: TraceSampling(ratio: 0).isSampled))
        let sampled = ids.count(where: tenth.isSampled)
        #expect((900...1_100).contains(sampled), "\(sampled) of 10,000 sampled at 0.1")
    }

    @Test("a trace sampled at one ratio is sampled at every higher one (consistent sampling)")
    func higherRatiosKeepASuperset() {
        let ids = Self.ids(5_000, seed: 3)
        for (low, high) in [(0.01, 0.1), (0.1, 0.5), (0.5, 0.99)] {
            let lower = TraceSampling(ratio: low), higher = TraceSampling(ratio: high)
            #expect(ids.allSatisfy { !lower.isSampled($0) || higher.isSampled($0) }, "\(low) → \(high)")
        }
        // The rule itself: the lowest 56 bits against (1 − ratio) × 2⁵⁶.
        let half = TraceSampling(ratio: 0.5)
        #expect(half.isSampled(TraceID(high: 1, low: 1 << 55)))
        #expect(!half.isSampled(TraceID(high: 1, low: (1 << 55) - 1)))
        #expect(half.isSampled(TraceID(high: 0, low: 0xFF00_0000_0000_0000 | 1 << 55)), "the top byte is not randomness")
    }

    @Test("a root that is not sampled clears the W3C sampled flag; its children and the next process inherit it")
    func theFlagPropagates() throws {
        let f = TracingFixture(configuration: .init(sampling: TraceSampling(ratio: 0)))
        let root = f.tracer.startSpan("GET /", ofKind: .server)
        #expect(!root.isSampled)
        #expect(root.traceContext.flags == 0)
        #expect(root.traceContext.traceparent.hasSuffix("-00"))
        let child = f.tracer.startSpan("call", context: root.context, ofKind: .client)
        #expect(!child.isSampled && child.traceContext.flags == 0)
        let inProgress = f.tracer.beginSpan(in: child.context, startNanoseconds: 0)
        #expect(!inProgress.isSampled && inProgress.traceContext.flags == 0)

        // The next process honours the caller's decision whatever its own ratio.
        let everything = TracingFixture()
        let remote = everything.tracer.beginSpan(traceparent: child.traceContext.traceparent, tracestate: nil, startNanoseconds: 0)
        #expect(!remote.isSampled && remote.traceID == root.traceID)
        #expect(!everything.tracer.beginSpan(in: remote.context, startNanoseconds: 0).isSampled)
        let none = TracingFixture(configuration: .init(sampling: TraceSampling(ratio: 0)))
        let sampledRemote = none.tracer.beginSpan(traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: nil,
                                                  startNanoseconds: 0)
        #expect(sampledRemote.isSampled, "a caller's sampled flag wins over this store's ratio")
        #expect(!none.tracer.beginSpan(traceparent: nil, tracestate: nil, startNanoseconds: 0).isSampled)

        // With sampling at 1 (the default), roots carry no extras: nothing changes on the usual path.
        let plain = everything.tracer.startSpan("GET /")
        #expect(plain.isSampled && plain.context.count == 1)
    }

    /// A trace of a root and one child, `milliseconds` long, the child failed when `error`.
    func trace(_ f: TracingFixture, _ name: String, milliseconds: Int = 1, error: Bool = false) {
        let root = f.tracer.startSpan(name, ofKind: .server)
        let child = f.tracer.startSpan("work", context: root.context)
        f.clock.advance(by: .milliseconds(milliseconds))
        if error { child.setStatus(SpanStatus(code: .error)) }
        child.end()
        root.end()
    }

    @Test("a trace not head-sampled is kept when a span failed or it was slow, else sampled out and counted apart from the drops")
    func theTailRuleKeepsErrorsAndSlowTraces() {
        let f = TracingFixture(configuration: .init(sampling: TraceSampling(ratio: 0)))
        // 99 roots of 10 ms, then 1 ms ones: the slow threshold, first set at the 100th root, is
        // about 10 ms, clear of every later ordinary trace.
        for index in 0..<120 { trace(f, "ok \(index)", milliseconds: index < 99 ? 10 : 1) }
        trace(f, "failed", error: true)
        trace(f, "slow", milliseconds: 500)
        let kept = f.store.recent(limit: 10)
        #expect(Set(kept.map(\.rootOperation)) == ["failed", "slow"])
        #expect(kept.allSatisfy { $0.spanCount == 2 }, "a kept trace is kept whole")
        let stats = f.store.stats
        #expect(stats.tailKeptTraces == 2 && stats.headSampledTraces == 0)
        #expect(stats.sampledOutTraces == 120 && stats.sampledOutSpans == 240)
        #expect(stats.droppedTraces == 0 && stats.droppedSpans == 0 && stats.heldSpans == 0)
        #expect(f.store.samplingStatus == SamplingStatus(ratio: 0, sampledTraces: 0, tailKeptTraces: 2, sampledOutTraces: 120, sampledOutSpans: 240))
    }

    @Test("a span that ends after its trace was sampled out follows it; one after its trace was kept joins it")
    func lateSpansFollowTheDecision() {
        let f = TracingFixture(configuration: .init(sampling: TraceSampling(ratio: 0)))
        let dropped = f.tracer.startSpan("ok")
        let lateToDropped = f.tracer.startSpan("event", context: dropped.context)
        dropped.end()
        lateToDropped.end()
        let kept = f.tracer.startSpan("failed")
        let lateToKept = f.tracer.startSpan("event", context: kept.context)
        kept.setStatus(SpanStatus(code: .error))
        kept.end()
        lateToKept.end()
        let stats = f.store.stats
        #expect(stats.sampledOutTraces == 1 && stats.sampledOutSpans == 2 && stats.heldSpans == 0)
        #expect(f.store.recent(limit: 5).map(\.spanCount) == [2])
    }

    @Test("the spans held for the tail rule are bounded: past the bound the oldest trace is decided early and counted")
    func theHeldSpansAreBounded() {
        let f = TracingFixture(configuration: .init(sampling: TraceSampling(ratio: 0), maxHeldTraces: 4, maxHeldSpans: 100))
        // Ten traces whose roots never end here: only their children arrive.
        var roots: [TelemetrySpan] = []
        for index in 0..<10 {
            let root = f.tracer.startSpan("root \(index)")
            roots.append(root)
            let child = f.tracer.startSpan("work", context: root.context)
            if index == 0 { child.setStatus(SpanStatus(code: .error)) }
            child.end()
        }
        let stats = f.store.stats
        #expect(stats.heldSpans == 4)
        #expect(stats.tailKeptTraces == 1, "the failed one is kept when it is given up")
        #expect(stats.droppedTraces == 5 && stats.droppedSpans == 5, "the others the bound gave up are drops, not sampled out")
        #expect(stats.sampledOutTraces == 0)
        // The kept trace's root still joins it.
        roots[0].end()
        #expect(f.store.recent(limit: 5).map(\.spanCount) == [2])
    }

    @Test("head-sampled traces are stored as before and counted as sampled")
    func sampledTracesAreStored() {
        let f = TracingFixture(configuration: .init(sampling: TraceSampling(ratio: 0.5)))
        for index in 0..<400 { trace(f, "t\(index)") }
        let stats = f.store.stats
        #expect(stats.headSampledTraces + stats.sampledOutTraces + stats.tailKeptTraces == 400)
        #expect(stats.storedTraces == stats.headSampledTraces + stats.tailKeptTraces)
        #expect((150...250).contains(stats.headSampledTraces), "\(stats.headSampledTraces) of 400 at 0.5")
        f.store.setSampling(.all)
        for index in 0..<10 { trace(f, "all \(index)") }
        #expect(f.store.stats.headSampledTraces == stats.headSampledTraces + 10)
        #expect(f.store.sampling == .all)
    }

    /// A naive model of the tail rule (every span held in a dictionary until its root) agrees with
    /// the store on what is kept, for random interleavings of spans of many traces.
    @Test("the store agrees with a naive model of the tail rule", arguments: [1, 2, 3, 4])
    func agreesWithANaiveModel(seed: UInt64) {
        let f = TracingFixture(configuration: .init(sampling: TraceSampling(ratio: 0.3), maxHeldTraces: 10_000, maxHeldSpans: 100_000))
        var random = SplitMix(seed)
        var open: [(root: TelemetrySpan, children: [TelemetrySpan])] = []
        var failedRoots: Set<TraceID> = [], rootsEnded: [TraceID] = [], sampled: Set<TraceID> = []
        for _ in 0..<600 {
            switch random.next() % 4 {
            case 0...1 where open.count + rootsEnded.count < 90:
                let root = f.tracer.startSpan("root")
                if root.isSampled { sampled.insert(root.traceID) }
                open.append((root, []))
            case 2 where !open.isEmpty:
                let index = Int(random.next() % UInt64(open.count))
                let child = f.tracer.startSpan("child", context: open[index].root.context)
                if random.next() % 20 == 0 {
                    child.setStatus(SpanStatus(code: .error))
                    failedRoots.insert(child.traceID)
                }
                child.end()
                open[index].children.append(child)
            default:
                guard !open.isEmpty else { continue }
                let index = Int(random.next() % UInt64(open.count))
                open[index].root.end()
                rootsEnded.append(open[index].root.traceID)
                open.remove(at: index)
            }
            f.clock.advance(by: .microseconds(10))
        }
        // Fewer than 100 roots: the slow threshold is not computed yet, so only errors are tail-kept.
        let expectedKept = Set(rootsEnded.filter { sampled.contains($0) || failedRoots.contains($0) })
        let stored = Set(f.store.recent(limit: 10_000).compactMap { TraceID(hex: $0.traceId) })
        let endedAndStored = stored.filter { rootsEnded.contains($0) }
        #expect(!expectedKept.isEmpty && expectedKept.count < rootsEnded.count)
        #expect(endedAndStored == expectedKept)
        #expect(stored.subtracting(endedAndStored).isSubset(of: sampled), "of traces still open, only sampled ones are stored")
        let stats = f.store.stats
        #expect(stats.headSampledTraces + stats.tailKeptTraces + stats.sampledOutTraces == rootsEnded.count)
    }
}

/// splitmix64, for the model test's choices.
struct SplitMix {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
