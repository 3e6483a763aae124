import Histogram
import Synchronization
import Tracing

/// Finished spans, assembled into traces, bounded in memory, with queries for the dashboard.
///
/// **Bounds.** At most `maxTraces` traces and `maxSpans` spans in all, `maxSpansPerTrace` per trace.
/// Whatever is thrown away is counted in ``stats``: nothing is dropped silently.
///
/// **Tail keeping.** Every trace is in one of three classes: *error* (a span has error status),
/// *slow* (its duration is at or above the slowest-`slowShare` threshold — by default the 90th
/// percentile of recent root-span durations), or *normal*. When the store is full it evicts the
/// oldest trace of a class chosen thus:
/// 1. error traces beyond their share (`errorShare` of `maxTraces`, default 25%) go first;
/// 2. then slow traces beyond their share (`slowShare`, default 10%);
/// 3. otherwise the oldest normal trace;
/// 4. only when no normal trace is left, the oldest slow, then the oldest error trace.
/// So under a flood of ordinary traffic, the most recent errors and outliers stay visible long after
/// the ordinary traces of their time are gone, yet a storm of errors cannot take over the store.
///
/// **Orphans.** A span whose parent never arrives is kept; in its ``TraceTree`` it hangs under the
/// trace's root, marked `isOrphan`. (If no span of the trace is parentless — its parent is in
/// another process — the earliest span plays the root.)
///
/// Thread safety: all methods may be called from any task; ``add(_:)`` is one short critical section.
public final class TraceStore: Sendable {
    public struct Configuration: Sendable {
        public var maxTraces: Int
        public var maxSpans: Int
        public var maxSpansPerTrace: Int
        public var errorShare: Double
        public var slowShare: Double

        public init(maxTraces: Int = 10_000, maxSpans: Int = 200_000, maxSpansPerTrace: Int = 1_000, errorShare: Double = 0.25, slowShare: Double = 0.10) {
            precondition(maxTraces >= 1 && maxSpans >= 1 && maxSpansPerTrace >= 1, "trace store bounds must be at least 1")
            precondition((0...1).contains(errorShare) && (0...1).contains(slowShare), "shares are fractions from 0 to 1")
            self.maxTraces = maxTraces
            self.maxSpans = maxSpans
            self.maxSpansPerTrace = maxSpansPerTrace
            self.errorShare = errorShare
            self.slowShare = slowShare
        }
    }

    public struct Stats: Sendable, Equatable {
        public var storedTraces: Int
        public var storedSpans: Int
        public var droppedTraces: Int
        public var droppedSpans: Int
        public var malformedTraceHeaders: Int
    }

    public let time: TimeSource
    public let configuration: Configuration
    private let state: Mutex<State>

    public init(time: TimeSource, configuration: Configuration = Configuration()) {
        self.time = time
        self.configuration = configuration
        self.state = Mutex(State(configuration: configuration))
    }

    /// Adds a finished span (``TelemetrySpan`` calls this when it ends).
    public func add(_ span: FinishedSpan) {
        state.withLock { $0.add(span) }
    }

    /// Counts a malformed incoming `traceparent` header (the tracer calls this).
    public func recordMalformedTraceHeader() {
        state.withLock { $0.malformedTraceHeaders += 1 }
    }

    public var stats: Stats {
        state.withLock { Stats(storedTraces: $0.traces.count, storedSpans: $0.spanCount, droppedTraces: $0.droppedTraces,
                               droppedSpans: $0.droppedSpans, malformedTraceHeaders: $0.malformedTraceHeaders) }
    }

    // MARK: Queries

    /// The newest traces first (by when their first span arrived).
    public func recent(limit: Int, where include: (TraceSummary) -> Bool = { _ in true }) -> [TraceSummary] {
        state.withLock { state in
            var result: [TraceSummary] = []
            for id in state.arrivals.newestFirst() where result.count < limit {
                guard let trace = state.traces[id] else { continue }
                let summary = summarize(id, trace)
                if include(summary) { result.append(summary) }
            }
            return result
        }
    }

    /// The slowest traces first.
    public func slowest(limit: Int) -> [TraceSummary] {
        state.withLock { state in
            state.traces.sorted { $0.value.duration > $1.value.duration }.prefix(limit).map { summarize($0.key, $0.value) }
        }
    }

    /// The newest traces with an error span.
    public func withErrors(limit: Int) -> [TraceSummary] {
        recent(limit: limit) { $0.hasError }
    }

    /// The newest traces with a span of `service`.
    public func involving(service: String, limit: Int) -> [TraceSummary] {
        recent(limit: limit) { $0.services.contains(service) }
    }

    public func summary(_ id: TraceID) -> TraceSummary? {
        state.withLock { state in state.traces[id].map { summarize(id, $0) } }
    }

    /// The whole trace as a tree, or nil when the store does not hold it.
    public func tree(_ id: TraceID) -> TraceTree? {
        guard let spans = state.withLock({ $0.traces[id]?.spans }) else { return nil }
        return TraceTreeBuilder.build(traceID: id, spans: spans, time: time)
    }

    /// The tree of the trace whose id is written `hex` (32 lowercase hex digits).
    public func tree(hex: String) -> TraceTree? {
        TraceID(hex: hex).flatMap(tree)
    }

    private func summarize(_ id: TraceID, _ trace: StoredTrace) -> TraceSummary {
        let root = trace.root
        return TraceSummary(
            traceId: id.description,
            rootService: root.service,
            rootOperation: root.operation,
            startedAt: Double(time.unixNanoseconds(at: trace.firstStart)) / 1e9,
            durationMs: trace.duration.milliseconds,
            spanCount: trace.spans.count,
            hasError: trace.keepClass == .error,
            services: Array(Set(trace.spans.map(\.service))).sorted()
        )
    }
}

// MARK: - State

enum KeepClass: Int, CaseIterable {
    case normal, slow, error
}

struct StoredTrace {
    var spans: [FinishedSpan]
    var firstStart: Duration
    var lastEnd: Duration
    var keepClass: KeepClass

    var duration: Duration { lastEnd - firstStart }

    /// Adds a span and returns the class the trace belongs in now (a class never goes back down).
    mutating func add(_ span: FinishedSpan, slowThreshold: Duration) -> KeepClass {
        spans.append(span)
        if span.start < firstStart { firstStart = span.start }
        if span.end > lastEnd { lastEnd = span.end }
        if span.isError {
            keepClass = .error
        } else if keepClass == .normal, duration >= slowThreshold {
            keepClass = .slow
        }
        return keepClass
    }

    /// The parentless span, else the earliest one.
    var root: FinishedSpan {
        spans.filter { $0.parentSpanID == nil }.min { $0.start < $1.start } ?? spans.min { $0.start < $1.start }!
    }
}

/// A first-in, first-out list with amortised O(1) pops (the head moves; storage compacts now and then).
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var count: Int { items.count - head }

    mutating func push(_ element: Element) { items.append(element) }

    var first: Element? { head < items.count ? items[head] : nil }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        defer {
            head += 1
            if head >= 1024, head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
        }
        return items[head]
    }

    func newestFirst() -> ReversedCollection<ArraySlice<Element>> { items[head...].reversed() }

    mutating func removeAll(where shouldRemove: (Element) -> Bool) {
        items = items[head...].filter { !shouldRemove($0) }
        head = 0
    }
}

struct State {
    let configuration: TraceStore.Configuration
    var traces: [TraceID: StoredTrace] = [:]
    var spanCount = 0
    /// Per class, trace ids oldest first. Entries go stale when a trace changes class or is evicted
    /// through another queue; pops skip them.
    var queues: [FIFO<TraceID>] = Array(repeating: FIFO(), count: KeepClass.allCases.count)
    var classCounts = Array(repeating: 0, count: KeepClass.allCases.count)
    var arrivals = FIFO<TraceID>()
    var droppedTraces = 0
    var droppedSpans = 0
    var malformedTraceHeaders = 0
    /// Durations of root spans, for the slow threshold.
    var rootDurations = HistogramLayout.timer.empty
    var rootsSinceThreshold = 0
    var slowThreshold: Duration = .seconds(Int64.max / 2)

    init(configuration: TraceStore.Configuration) {
        self.configuration = configuration
    }

    mutating func add(_ span: FinishedSpan) {
        if span.parentSpanID == nil { noteRootDuration(span.duration) }
        let id = span.traceID
        let previousClass: KeepClass
        let newClass: KeepClass
        if let existing = traces.index(forKey: id) {
            guard traces.values[existing].spans.count < configuration.maxSpansPerTrace else {
                droppedSpans += 1
                return
            }
            // Mutate in place: one hash look-up per span, no copy of the trace.
            previousClass = traces.values[existing].keepClass
            newClass = traces.values[existing].add(span, slowThreshold: slowThreshold)
        } else {
            var trace = StoredTrace(spans: [], firstStart: span.start, lastEnd: span.end, keepClass: .normal)
            previousClass = .normal
            newClass = trace.add(span, slowThreshold: slowThreshold)
            traces[id] = trace
            classCounts[KeepClass.normal.rawValue] += 1
            queues[KeepClass.normal.rawValue].push(id)
            arrivals.push(id)
        }
        spanCount += 1
        if newClass != previousClass {
            classCounts[previousClass.rawValue] -= 1
            classCounts[newClass.rawValue] += 1
            queues[newClass.rawValue].push(id)
        }
        while traces.count > configuration.maxTraces || spanCount > configuration.maxSpans {
            guard evictOne() else { break }
        }
        // Eviction mostly takes the oldest traces, whose ids sit at the front of `arrivals`.
        while let oldest = arrivals.first, traces.index(forKey: oldest) == nil { _ = arrivals.popFirst() }
        // Kept errors and outliers can leave evicted ids behind them; compact when those pile up.
        if arrivals.count > 2 * traces.count + 1024 {
            let live = traces
            arrivals.removeAll { live.index(forKey: $0) == nil }
        }
    }

    private mutating func noteRootDuration(_ duration: Duration) {
        rootDurations.record(UInt64(max(0, min(duration.nanoseconds, Int64(HistogramLayout.timer.highest)))))
        rootsSinceThreshold += 1
        // Recompute the threshold now and then (≈ 25 µs each time): amortised to a few ns per
        // root span, and stable between recomputations.
        guard rootDurations.totalCount >= 100, rootsSinceThreshold >= 4_096 || slowThreshold == .seconds(Int64.max / 2) else { return }
        rootsSinceThreshold = 0
        let percentile = 100 * (1 - configuration.slowShare)
        if let value = HistogramLayout.timer.percentiles([percentile], of: rootDurations)?.first {
            slowThreshold = .nanoseconds(Int64(value))
        }
    }

    private static let errorsOnly: [KeepClass] = [.error]
    private static let slowOnly: [KeepClass] = [.slow]
    private static let normalFirst: [KeepClass] = [.normal, .slow, .error]

    /// Evicts one trace by the tail-keeping rule; false if there is none.
    private mutating func evictOne() -> Bool {
        let errorQuota = Int(configuration.errorShare * Double(configuration.maxTraces))
        let slowQuota = Int(configuration.slowShare * Double(configuration.maxTraces))
        let order: [KeepClass] = if classCounts[KeepClass.error.rawValue] > errorQuota {
            Self.errorsOnly
        } else if classCounts[KeepClass.slow.rawValue] > slowQuota {
            Self.slowOnly
        } else {
            Self.normalFirst
        }
        for keepClass in order {
            while let id = queues[keepClass.rawValue].popFirst() {
                guard let index = traces.index(forKey: id), traces.values[index].keepClass == keepClass else { continue }
                let trace = traces.remove(at: index).value
                classCounts[keepClass.rawValue] -= 1
                spanCount -= trace.spans.count
                droppedTraces += 1
                droppedSpans += trace.spans.count
                return true
            }
        }
        return false
    }
}
