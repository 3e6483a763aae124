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
/// **Sampling.** A trace is head-sampled or not where it begins (``TraceSampling``: by its id,
/// carried to every span in the W3C `sampled` flag; all are by default). A head-sampled trace is
/// stored as above. The spans of one that is not wait apart, bounded by `maxHeldTraces` and
/// `maxHeldSpans`, until its root span ends; then the tail rule keeps it whole when a span has
/// error status or it is slow (as above), and otherwise drops it, counted as *sampled out*
/// (``Stats/sampledOutTraces``), not among the bounds' drops. Spans that end after their trace was
/// sampled out follow it; a trace the held bounds give up before its root ends is kept if it has
/// an error or is slow already, else counted in ``Stats/droppedTraces``.
///
/// **Orphans.** A span whose parent never arrives is kept; in its ``TraceTree`` it hangs under the
/// trace's root, marked `isOrphan`. (If no span of the trace is parentless — its parent is in
/// another process — the earliest span plays the root.)
///
/// **Assembly off the caller's path.** ``add(_:)`` only appends the span to a pending batch (as
/// OpenTelemetry's batch span processor does); the batch is assembled into traces by
/// ``runAssembler()`` when one runs (a full batch wakes it), and otherwise by the caller that fills
/// the pending buffer to `maxPendingSpans`. Every query assembles what is pending first, so a span
/// that has ended is in the answer of the next query, with or without an assembler.
///
/// Thread safety: all methods may be called from any task.
public final class TraceStore: Sendable {
    public struct Configuration: Sendable {
        public var maxTraces: Int
        public var maxSpans: Int
        public var maxSpansPerTrace: Int
        public var errorShare: Double
        public var slowShare: Double
        /// Spans that wake ``TraceStore/runAssembler()``. Each wake costs the caller who makes it a
        /// futex system call, ≈ 20 µs on this VM when the assembler's thread sleeps: 1,024 spans
        /// made a hop ≈ 150 ns cheaper than 256 did, and 4,096 (≈ 1 MB with their attributes)
        /// another ≈ 20 ns. Queries assemble what is pending first, so a bigger batch delays nothing.
        public var assemblyBatch: Int
        /// Pending spans at which the caller of ``TraceStore/add(_:)`` assembles them itself: the
        /// bound on unassembled spans when no assembler runs or it falls behind.
        public var maxPendingSpans: Int
        /// Head sampling at the start (``TraceStore/setSampling(_:)`` changes it while running).
        public var sampling: TraceSampling
        /// Traces not head-sampled held at once for the tail rule, waiting for their root to end;
        /// past it, the trace held longest is decided early (kept if it has an error or is slow
        /// already, else dropped and counted).
        public var maxHeldTraces: Int
        /// Spans held at once for the tail rule, with the same effect past it.
        public var maxHeldSpans: Int

        public init(maxTraces: Int = 10_000, maxSpans: Int = 200_000, maxSpansPerTrace: Int = 1_000, errorShare: Double = 0.25,
                    slowShare: Double = 0.10, assemblyBatch: Int = 4_096, maxPendingSpans: Int = 16_384,
                    sampling: TraceSampling = .all, maxHeldTraces: Int = 2_048, maxHeldSpans: Int = 16_384) {
            precondition(maxTraces >= 1 && maxSpans >= 1 && maxSpansPerTrace >= 1, "trace store bounds must be at least 1")
            precondition(maxHeldTraces >= 1 && maxHeldSpans >= 1, "tail-rule bounds must be at least 1")
            precondition(assemblyBatch >= 1 && maxPendingSpans >= assemblyBatch, "pending bounds: 1 ≤ assemblyBatch ≤ maxPendingSpans")
            precondition((0...1).contains(errorShare) && (0...1).contains(slowShare), "shares are fractions from 0 to 1")
            self.maxTraces = maxTraces
            self.maxSpans = maxSpans
            self.maxSpansPerTrace = maxSpansPerTrace
            self.errorShare = errorShare
            self.slowShare = slowShare
            self.assemblyBatch = assemblyBatch
            self.maxPendingSpans = maxPendingSpans
            self.sampling = sampling
            self.maxHeldTraces = maxHeldTraces
            self.maxHeldSpans = maxHeldSpans
        }
    }

    public struct Stats: Sendable, Equatable {
        public var storedTraces: Int
        public var storedSpans: Int
        public var droppedTraces: Int
        public var droppedSpans: Int
        public var malformedTraceHeaders: Int
        /// Traces whose root was head-sampled.
        public var headSampledTraces = 0
        /// Traces not head-sampled that the tail rule kept (an error or slow).
        public var tailKeptTraces = 0
        /// Traces not head-sampled and dropped when their root ended: neither an error nor slow.
        /// Not in ``droppedTraces``, which counts what the bounds threw away.
        public var sampledOutTraces = 0
        /// The spans of sampled-out traces, with those that ended after their trace's root.
        public var sampledOutSpans = 0
        /// Spans of traces not head-sampled, held until their root ends.
        public var heldSpans = 0
    }

    public let time: TimeSource
    public let configuration: Configuration
    private let state: Mutex<TraceSet>
    private let pending: Mutex<PendingSpans>
    /// Where assembled spans are copied on their way out, when something exports them.
    private let exportQueue = Mutex<FinishedSpanQueue?>(nil)
    /// The head sampling in force: read by the tracers at every root span, so a lock-free load.
    private let sampler: Atomic<UInt64>
    private let samplingRatio: Mutex<TraceSampling>

    public init(time: TimeSource, configuration: Configuration = Configuration()) {
        self.time = time
        self.configuration = configuration
        self.state = Mutex(TraceSet(configuration: configuration))
        self.pending = Mutex(PendingSpans(capacity: configuration.assemblyBatch))
        self.sampler = Atomic(configuration.sampling.rejectionThreshold)
        self.samplingRatio = Mutex(configuration.sampling)
    }

    /// The head sampling the tracers apply to traces they begin.
    public var sampling: TraceSampling { samplingRatio.withLock { $0 } }

    /// Changes the head sampling for traces begun from now on (a run sets it before its traffic).
    public func setSampling(_ sampling: TraceSampling) {
        samplingRatio.withLock { $0 = sampling }
        sampler.store(sampling.rejectionThreshold, ordering: .relaxed)
    }

    /// Whether a trace begun now with id `id` is head-sampled (``TraceSampling/isSampled(_:)``).
    @inline(__always)
    func isHeadSampled(_ id: TraceID) -> Bool {
        id.low & TraceSampling.randomnessMask >= sampler.load(ordering: .relaxed)
    }

    /// Adds a finished span (``TelemetrySpan`` calls this when it ends): an append to the pending
    /// batch, except that the caller that fills the pending buffer assembles it.
    public func add(_ span: consuming FinishedSpan) {
        // An optional moves the span into the lock's closure (a closure cannot consume a capture).
        var handOver = Optional(span)
        add { _ in handOver.take()! }
    }

    /// Adds the span `build` makes, made under the pending batch's lock straight into its place
    /// there (a span is ≈ 150 bytes, and each hand-over on the way is a copy). `build` may write
    /// attributes into the batch's list, and says where they are in the span's `pendingAttributes`.
    func add(_ build: (inout SpanAttributeList) -> FinishedSpan) {
        let next = pending.withLock { pending in
            pending.append(build, batch: configuration.assemblyBatch, limit: configuration.maxPendingSpans)
        }
        switch next {
        case .nothing: break
        case .wake(let assembler): assembler.resume(returning: true)
        case .assembleHere: assemblePending()
        }
    }

    /// Assembles pending spans into traces whenever a batch is full, until the task is cancelled;
    /// then assembles what is left and returns. Run it in the background (``MeshRuntime`` does)
    /// to keep assembly off the callers' path; at most one runs at a time per store.
    public func runAssembler() async {
        pending.withLock { $0.stopped = false }
        while await nextBatch() {
            assemblePending()
        }
        assemblePending()
    }

    /// Waits until a batch is pending; false when cancelled.
    private func nextBatch() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let readyNow: Bool? = pending.withLock { pending in
                    if pending.stopped { return false }
                    if pending.spans.count >= configuration.assemblyBatch { return true }
                    precondition(pending.assembler == nil, "one TraceStore.runAssembler() at a time")
                    pending.assembler = continuation
                    return nil
                }
                if let readyNow { continuation.resume(returning: readyNow) }
            }
        } onCancel: {
            let assembler = pending.withLock { pending in
                pending.stopped = true
                return pending.takeAssembler()
            }
            assembler?.resume(returning: false)
        }
    }

    /// Moves every pending span into the traces.
    private func assemblePending() {
        withAssembledState { _ in }
    }

    /// Runs `body` on the store's state with every pending span assembled. Taking the batch while
    /// holding the store's lock keeps spans in the order they ended, whoever assembles.
    private func withAssembledState<T>(_ body: (inout sending TraceSet) -> sending T) -> sending T {
        state.withLock { state in
            var batch = pending.withLock { $0.take() }
            if let queue = exportQueue.withLock({ $0 }) {
                state.keptForExport = []
                state.keptForExport!.reserveCapacity(batch.count)
                batch.drain { state.add($0) }
                if let kept = state.keptForExport.take(), !kept.isEmpty { queue.offer(kept) }
            } else {
                batch.drain { state.add($0) }
            }
            if batch.capacity > 0 {
                // An optional moves the buffer into the lock's closure (a closure cannot consume a capture).
                var drained = Optional(batch)
                pending.withLock { $0.recycle(drained.take()!) }
            }
            return body(&state)
        }
    }

    /// From now on, copies every span it keeps into `queue` as well (an exporter drains it); spans
    /// that head sampling and the tail rule leave out are not exported either.
    /// Spans that found the queue full are counted there, not here: the store keeps them.
    public func export(to queue: FinishedSpanQueue) {
        exportQueue.withLock { $0 = queue }
    }

    /// Counts a malformed incoming `traceparent` header (the tracer calls this).
    public func recordMalformedTraceHeader() {
        state.withLock { $0.malformedTraceHeaders += 1 }
    }

    /// Spans that have ended but are not assembled yet (queries assemble them first).
    public var pendingSpanCount: Int {
        pending.withLock { $0.spans.count }
    }

    public var stats: Stats {
        withAssembledState { Stats(storedTraces: $0.traceCount, storedSpans: $0.spanCount, droppedTraces: $0.droppedTraces,
                                   droppedSpans: $0.droppedSpans, malformedTraceHeaders: $0.malformedTraceHeaders,
                                   headSampledTraces: $0.headSampledTraces, tailKeptTraces: $0.tailKeptTraces,
                                   sampledOutTraces: $0.sampledOutTraces, sampledOutSpans: $0.sampledOutSpans, heldSpans: $0.heldSpanCount) }
    }

    // MARK: Queries

    /// One window of the stored traces a query matches, in its order, with the counts around it.
    ///
    /// Cost: the list orders are kept sorted and brought up to date only with the traces that
    /// arrived or grew since the last query (a merge, linear in the traces stored); then a query
    /// with no filter takes its rows straight from the order, and a filtered one checks each
    /// stored trace once, without building its summary. Only the rows returned are summarised.
    public func page(_ query: TraceQuery) -> TracePage {
        let matcher = TraceQuery.Matcher(query)
        let anchor = query.anchor.flatMap { TraceID(hex: $0) }
        let (traces, first, matching, anchorIndex, stats) = withAssembledState { state in
            state.refreshOrders()
            let order = query.order == .newest ? state.newestFirst : state.slowestFirst
            let stats = (state.traceCount, state.droppedTraces)
            let limit = max(0, query.limit)
            if matcher.matchesAll {
                let anchorIndex = anchor.flatMap { id in order.firstIndex { $0.id == id } }
                let first = TraceQuery.windowStart(offset: query.offset, limit: limit, matching: order.count, anchorIndex: anchorIndex)
                let rows = order[first..<min(order.count, first + limit)].compactMap { state.trace($0.ref) }
                return (rows, first, order.count, anchorIndex, stats)
            }
            var matched: [Int32] = []
            var anchorIndex: Int?
            for (position, entry) in order.enumerated() where (entry.isError || !matcher.errorsOnly) && state.trace(entry.ref, matches: matcher) {
                if entry.id == anchor { anchorIndex = matched.count }
                matched.append(Int32(position))
            }
            let first = TraceQuery.windowStart(offset: query.offset, limit: limit, matching: matched.count, anchorIndex: anchorIndex)
            let rows = matched[first..<min(matched.count, first + limit)].compactMap { state.trace(order[Int($0)].ref) }
            return (rows, first, matched.count, anchorIndex, stats)
        }
        return TracePage(query: query, offset: first, rows: traces.map(summarize), matching: matching, anchorIndex: anchorIndex,
                         storedTraces: stats.0, droppedTraces: stats.1)
    }

    /// The newest traces first (latest start first).
    public func recent(limit: Int) -> [TraceSummary] {
        page(TraceQuery(order: .newest, limit: limit)).rows
    }

    /// The slowest traces first.
    public func slowest(limit: Int) -> [TraceSummary] {
        page(TraceQuery(order: .slowest, limit: limit)).rows
    }

    /// The newest traces with an error span.
    public func withErrors(limit: Int) -> [TraceSummary] {
        page(TraceQuery(errorsOnly: true, limit: limit)).rows
    }

    /// The newest traces with a span of `service`.
    public func involving(service: String, limit: Int) -> [TraceSummary] {
        page(TraceQuery(services: [service], limit: limit)).rows
    }

    /// The summary of every stored trace, in no particular order, read from storage without the
    /// list orders: the plain input of the reference ``TraceQuery/page(of:storedTraces:droppedTraces:)``.
    func everySummary() -> [TraceSummary] {
        withAssembledState { $0.everyTrace }.map(summarize)
    }

    public func summary(_ id: TraceID) -> TraceSummary? {
        withAssembledState { state in state.trace(id).map(summarize) }
    }

    /// The whole trace as a tree, or nil when the store does not hold it.
    public func tree(_ id: TraceID) -> TraceTree? {
        guard let spans = withAssembledState({ $0.trace(id)?.spans }) else { return nil }
        return TraceTreeBuilder.build(traceID: id, spans: spans, time: time)
    }

    /// The tree of the trace whose id is written `hex` (32 lowercase hex digits).
    public func tree(hex: String) -> TraceTree? {
        TraceID(hex: hex).flatMap(tree)
    }

    private func summarize(_ trace: StoredTrace) -> TraceSummary {
        let root = trace.root
        // A trace has a handful of services: a list checked in place beats a set.
        var services: [String] = []
        for span in trace.spans where !services.contains(span.service) { services.append(span.service) }
        services.sort()
        return TraceSummary(
            traceId: trace.id.description,
            rootService: root.service,
            rootOperation: root.operation,
            startedAt: Double(time.unixNanoseconds(at: .nanoseconds(trace.firstStart))) / 1e9,
            durationMs: Double(trace.durationNanoseconds) / 1e6,
            spanCount: trace.spans.count,
            hasError: trace.keepClass == .error,
            services: services
        )
    }
}
