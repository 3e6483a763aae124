import Histogram

// The inside of a TraceStore: the pending batch, the bounded set of traces and its index.

/// Spans that have ended but are not assembled yet, and the assembler waiting for a batch.
struct PendingSpans: ~Copyable {
    enum Next {
        case nothing
        case wake(CheckedContinuation<Bool, Never>)
        case assembleHere
    }

    var spans: SpanBuffer
    /// The buffer of the batch assembled last, emptied, for the next batch to fill: allocating a
    /// fresh one per batch cost page faults and a large malloc and free on every batch.
    private var spare: SpanBuffer?
    private let batchCapacity: Int
    var assembler: CheckedContinuation<Bool, Never>?
    var stopped = false

    init(capacity: Int) {
        batchCapacity = capacity
        spans = SpanBuffer(capacity: capacity)
    }

    mutating func append(_ build: (inout SpanAttributeList) -> FinishedSpan, batch: Int, limit: Int) -> Next {
        spans.append(build)
        if spans.count >= limit { return .assembleHere }
        if spans.count >= batch, let assembler = takeAssembler() { return .wake(assembler) }
        return .nothing
    }

    mutating func takeAssembler() -> CheckedContinuation<Bool, Never>? {
        defer { assembler = nil }
        return assembler
    }

    /// The pending spans, leaving an empty buffer with room for a batch (the spare, if any).
    mutating func take() -> SpanBuffer {
        guard spans.count > 0 else { return SpanBuffer(capacity: 0) }
        var batch = spare.take() ?? SpanBuffer(capacity: batchCapacity)
        swap(&batch, &spans)
        return batch
    }

    /// Keeps a drained buffer for the next batch.
    mutating func recycle(_ drained: consuming SpanBuffer) {
        guard spare == nil, drained.capacity >= batchCapacity, drained.count == 0 else { return }
        spare = consume drained
    }
}

/// Spans in the order they ended, moved in and moved out without a copy. (An `Array` copies each
/// element on the way out, and a span is ≈ 150 bytes with six references to retain and release.)
struct SpanBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<FinishedSpan>
    private(set) var capacity: Int
    private(set) var count = 0
    /// The attributes recorded with the spans (each span says where its own are), kept here
    /// rather than in a list per span: a list allocated by the recording thread and freed by the
    /// assembling one made the two contend for glibc's arena lock on every span.
    private var attributes = SpanAttributeList()

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// Appends the span `build` makes; it may write attributes into the buffer's list.
    mutating func append(_ build: (inout SpanAttributeList) -> FinishedSpan) {
        if count == capacity {
            let grown = UnsafeMutablePointer<FinishedSpan>.allocate(capacity: max(16, 2 * capacity))
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity = max(16, 2 * capacity)
        }
        (base + count).initialize(to: build(&attributes))
        count += 1
    }

    /// Hands each span to `body`, oldest first, with its recorded attributes moved into its
    /// `attributes`, leaving the buffer empty (its storage kept for the next batch).
    mutating func drain(_ body: (consuming FinishedSpan) -> Void) {
        let spans = count
        count = 0
        for position in 0..<spans {
            var span = (base + position).move()
            if !span.pendingAttributes.isEmpty {
                span.attributes.set(attributes.entries[Int(span.pendingAttributes.lowerBound)..<Int(span.pendingAttributes.upperBound)].lazy.map { ($0.name, $0.value.attribute) })
                span.pendingAttributes = 0..<0
            }
            body(span)
        }
        attributes.entries.removeAll(keepingCapacity: true)
    }
}

/// Sendable: it holds Sendable spans, and being non-copyable it has one owner at a time.
extension SpanBuffer: @unchecked Sendable {}

enum KeepClass: Int, CaseIterable {
    case normal, slow, error
}

struct StoredTrace {
    let id: TraceID
    var spans: [FinishedSpan]
    /// Nanoseconds since the tracer's origin.
    var firstStart: Int64
    var lastEnd: Int64
    var keepClass: KeepClass
    /// How many traces the set had started before this one: breaks ties in list orders.
    var arrival: UInt64 = 0
    /// Where ``root`` is in `spans`, kept as spans arrive so lists need not search for it. (The
    /// services are not kept: a list per trace was one more allocation on every trace assembled.)
    private var rootIndex = 0
    private var rootIsParentless: Bool

    /// A trace of one span.
    init(_ span: consuming FinishedSpan, slowThreshold: Int64) {
        id = span.traceID
        firstStart = span.startNanoseconds
        lastEnd = span.endNanoseconds
        keepClass = span.isError ? .error : span.durationNanoseconds >= slowThreshold ? .slow : .normal
        rootIsParentless = span.parentSpanID == nil
        spans = [span]
    }

    var durationNanoseconds: Int64 { lastEnd &- firstStart }

    /// Adds a span and returns the class the trace belongs in now (a class never goes back down).
    mutating func add(_ span: consuming FinishedSpan, slowThreshold: Int64) -> KeepClass {
        firstStart = min(firstStart, span.startNanoseconds)
        lastEnd = max(lastEnd, span.endNanoseconds)
        if span.isError {
            keepClass = .error
        } else if keepClass == .normal, durationNanoseconds >= slowThreshold {
            keepClass = .slow
        }
        // The root is the earliest parentless span, else the earliest span (the first of equals).
        let parentless = span.parentSpanID == nil
        let earlier = span.startNanoseconds < spans[rootIndex].startNanoseconds
        if parentless ? (!rootIsParentless || earlier) : (!rootIsParentless && earlier) {
            rootIndex = spans.count
            rootIsParentless = parentless
        }
        spans.append(span)
        return keepClass
    }

    /// The parentless span, else the earliest one.
    var root: FinishedSpan { spans[rootIndex] }

    func matches(_ matcher: TraceQuery.Matcher) -> Bool {
        if matcher.errorsOnly && keepClass != .error { return false }
        // The span filter (``TraceQuery/Matcher/matchesSpan(in:)``) first, with the spans read in
        // place: a route's traces list checks every stored trace on each refresh and most fail
        // here, where building (service, operation) pairs retained and released both strings.
        if let span = matcher.span, !spans.contains(where: { $0.service == span.service && $0.operation == span.operation }) { return false }
        return matcher.matches(id: id, rootService: spans[rootIndex].service, rootOperation: spans[rootIndex].operation,
                               services: spans.lazy.map(\.service), hasError: keepClass == .error)
    }
}

/// A stored trace's place in a list order, with the keys it was sorted by.
struct OrderEntry {
    var start: Int64
    var duration: Int64
    var arrival: UInt64
    var id: TraceID
    var ref: TraceRef
    /// The trace's class when the entry was made (a change of class refreshes the entry): lets
    /// "errors only" skip other traces without reading them.
    var isError: Bool
}

/// Names one stored trace: its slot, and the slot's generation when the trace was put there. A
/// reference outlives its trace harmlessly: once the slot is reused, the generation differs.
struct TraceRef: Equatable {
    let slot: Int32
    let generation: UInt32
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

}

/// Trace id → slot: open addressing with linear probing and backward-shift deletion, sized at
/// creation for the store's bound (at most half full). Trace ids are random 128-bit numbers, so a
/// multiplicative hash of their two halves spreads them; that costs a few nanoseconds where
/// `Dictionary`'s seeded SipHash cost ≈ 25 ns per look-up, and assembly does several per span.
struct TraceIndex {
    private var keys: [TraceID]
    /// The slot of the trace at each position; -1 where the position is empty.
    private var slots: [Int32]
    private let mask: Int
    private let shift: UInt64
    private(set) var count = 0

    /// An index for up to `capacity` ids.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        keys = Array(repeating: TraceID(high: 0, low: 0), count: size)
        slots = Array(repeating: -1, count: size)
        mask = size - 1
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    private func home(_ id: TraceID) -> Int {
        let mixed = ((id.high &* 0x9E37_79B9_7F4A_7C15) ^ id.low) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: mixed >> shift)
    }

    /// The position holding `id`, or the empty position where it would go.
    private func find(_ id: TraceID) -> (position: Int, found: Bool) {
        var position = home(id)
        while true {
            if slots[position] < 0 { return (position, false) }
            if keys[position] == id { return (position, true) }
            position = (position + 1) & mask
        }
    }

    subscript(id: TraceID) -> Int32? {
        let (position, found) = find(id)
        return found ? slots[position] : nil
    }

    /// Adds `id` → `slot`; `id` must not be present, and the index must have room.
    mutating func insert(_ id: TraceID, slot: Int32) {
        precondition(2 * (count + 1) <= slots.count, "TraceIndex is full")
        let (position, found) = find(id)
        precondition(!found, "trace id already indexed")
        keys[position] = id
        slots[position] = slot
        count += 1
    }

    mutating func remove(_ id: TraceID) {
        var (hole, found) = find(id)
        guard found else { return }
        count -= 1
        // Backward-shift deletion: pull later entries of the probe run into the hole when their
        // home position does not lie (cyclically) between the hole and themselves.
        var position = hole
        while true {
            position = (position + 1) & mask
            guard slots[position] >= 0 else { break }
            let wanted = home(keys[position])
            let stays = hole <= position ? (hole < wanted && wanted <= position) : (hole < wanted || wanted <= position)
            if !stays {
                keys[hole] = keys[position]
                slots[hole] = slots[position]
                hole = position
            }
        }
        slots[hole] = -1
    }
}

/// The bounded set of traces with the tail-keeping eviction of ``TraceStore``.
struct TraceSet {
    let configuration: TraceStore.Configuration
    /// Trace storage; a nil slot is free. Traces never move, so a ``TraceRef`` stays valid.
    private var slots: [StoredTrace?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int32] = []
    private var index: TraceIndex
    private(set) var spanCount = 0
    /// Per class, traces oldest first. Entries go stale when a trace changes class or is evicted
    /// through another queue; pops skip them.
    private var queues: [FIFO<TraceRef>] = Array(repeating: FIFO(), count: KeepClass.allCases.count)
    private var classCounts = Array(repeating: 0, count: KeepClass.allCases.count)
    /// Every trace newest first, and slowest first: brought up to date by ``refreshOrders()``
    /// (when a query needs them) from the traces added or changed since, which `changedSlots` lists.
    private(set) var newestFirst: [OrderEntry] = []
    private(set) var slowestFirst: [OrderEntry] = []
    /// Slots whose trace was added or grew since the orders were refreshed; `isChanged` marks them
    /// so a slot is listed once. A slot freed meanwhile is skipped; one reused stays listed.
    private var changedSlots: [Int32] = []
    /// Traces started so far.
    private var arrivals: UInt64 = 0
    private var isChanged: [Bool] = []
    private(set) var droppedTraces = 0
    private(set) var droppedSpans = 0
    var malformedTraceHeaders = 0
    /// Root spans of head-sampled traces.
    private(set) var headSampledTraces = 0
    /// Traces not head-sampled and kept by the tail rule.
    private(set) var tailKeptTraces = 0
    /// Traces not head-sampled, dropped when their root ended: neither an error nor slow.
    private(set) var sampledOutTraces = 0
    /// Their spans, and spans that ended after their trace was sampled out.
    private(set) var sampledOutSpans = 0
    /// Spans of traces that were not head-sampled, until their root ends; made at the first one.
    private var tail: TailBuffer?
    /// Durations of root spans, for the slow threshold.
    private var rootDurations = HistogramLayout.timer.empty
    private var rootsSinceThreshold = 0
    /// Nanoseconds; "never" until enough roots have been seen.
    private var slowThreshold = Int64.max

    init(configuration: TraceStore.Configuration) {
        self.configuration = configuration
        // One more than the bound: a new trace is added before the oldest is evicted.
        index = TraceIndex(capacity: configuration.maxTraces + 1)
    }

    var traceCount: Int { index.count }

    /// Whether the trace `ref` names is still stored (a freed slot's generation moves on at once).
    func isLive(_ ref: TraceRef) -> Bool {
        generations[Int(ref.slot)] == ref.generation
    }

    func trace(_ ref: TraceRef) -> StoredTrace? {
        isLive(ref) ? slots[Int(ref.slot)] : nil
    }

    /// Whether the trace `ref` names is stored and passes the query's filters. Reads the trace in
    /// place: a copy of it (and of its root span) cost more than the check.
    mutating func trace(_ ref: TraceRef, matches matcher: TraceQuery.Matcher) -> Bool {
        // Through `inout`, the optional is unwrapped where it lies (reading `slots[i]?` copied it).
        func check(_ trace: inout StoredTrace?) -> Bool {
            trace != nil && trace!.matches(matcher)
        }
        return isLive(ref) && check(&slots[Int(ref.slot)])
    }

    func trace(_ id: TraceID) -> StoredTrace? {
        index[id].flatMap { slots[Int($0)] }
    }

    /// Every stored trace, from storage rather than the list orders (tests check the orders with it).
    var everyTrace: [StoredTrace] { slots.compactMap { $0 } }

    /// Adds a span: kept when its trace was head-sampled (or is already stored), held for the
    /// tail rule otherwise.
    mutating func add(_ span: consuming FinishedSpan) {
        if span.parentSpanID == nil {
            noteRootDuration(span.durationNanoseconds)
            if span.isSampled { headSampledTraces += 1 }
        }
        if span.isSampled || index[span.traceID] != nil {
            keep(span)
        } else {
            hold(span)
        }
    }

    /// Holds a span of a trace that was not head-sampled until its root ends (then the tail rule
    /// decides), or follows its trace's decision when that was made already.
    private mutating func hold(_ span: consuming FinishedSpan) {
        if tail == nil { tail = TailBuffer(maxTraces: configuration.maxHeldTraces, maxSpans: configuration.maxHeldSpans) }
        if tail!.wasSampledOut(span.traceID) {
            sampledOutSpans += 1
            return
        }
        let id = span.traceID
        let isRoot = span.parentSpanID == nil
        guard tail!.hold(span, maxSpansPerTrace: configuration.maxSpansPerTrace) else {
            droppedSpans += 1
            return
        }
        if isRoot, let held = tail!.remove(id) { decide(held, rootEnded: true) }
        while tail!.isOverBound, let oldest = tail!.removeOldest() { decide(oldest, rootEnded: false) }
    }

    /// The tail rule for a held trace: kept when a span has error status or the trace is slow.
    /// Otherwise it is sampled out when its root has ended, or dropped (a bound's drop) when the
    /// buffer's bound gave it up before its root ended.
    private mutating func decide(_ held: TailBuffer.HeldTrace, rootEnded: Bool) {
        if held.hasError || held.durationNanoseconds >= slowThreshold {
            tailKeptTraces += 1
            for span in held.spans { keep(span) }
        } else if rootEnded {
            sampledOutTraces += 1
            sampledOutSpans += held.spans.count
            tail!.rememberSampledOut(held.id)
        } else {
            droppedTraces += 1
            droppedSpans += held.spans.count
        }
    }

    /// When set, every span the set keeps is copied here too (an exporter takes them): the
    /// exported spans are the kept ones, head-sampled or kept by the tail rule (a trace's own
    /// bound on its spans is a local one and does not hold them back).
    var keptForExport: [FinishedSpan]?

    /// Spans held for the tail rule, waiting for their trace's root.
    var heldSpanCount: Int { tail?.spanCount ?? 0 }

    /// Stores a span in its trace, evicting by the tail-keeping rule past the bounds.
    private mutating func keep(_ span: consuming FinishedSpan) {
        keptForExport?.append(copy span)
        let previousClass: KeepClass
        let newClass: KeepClass
        let ref: TraceRef
        if let slot = index[span.traceID].map(Int.init) {
            guard slots[slot]!.spans.count < configuration.maxSpansPerTrace else {
                droppedSpans += 1
                return
            }
            previousClass = slots[slot]!.keepClass
            newClass = slots[slot]!.add(span, slowThreshold: slowThreshold)
            ref = TraceRef(slot: Int32(slot), generation: generations[slot])
        } else {
            var trace = StoredTrace(span, slowThreshold: slowThreshold)
            trace.arrival = arrivals
            arrivals &+= 1
            previousClass = .normal
            newClass = trace.keepClass
            ref = store(trace)
            classCounts[KeepClass.normal.rawValue] += 1
            queues[KeepClass.normal.rawValue].push(ref)
        }
        if !isChanged[Int(ref.slot)] {
            isChanged[Int(ref.slot)] = true
            changedSlots.append(ref.slot)
        }
        spanCount += 1
        if newClass != previousClass {
            classCounts[previousClass.rawValue] -= 1
            classCounts[newClass.rawValue] += 1
            queues[newClass.rawValue].push(ref)
        }
        while traceCount > configuration.maxTraces || spanCount > configuration.maxSpans {
            guard evictOne() else { break }
        }
    }

    private mutating func store(_ trace: consuming StoredTrace) -> TraceRef {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
            slots[slot] = trace
        } else {
            slot = slots.count
            slots.append(trace)
            generations.append(0)
            isChanged.append(false)
        }
        index.insert(slots[slot]!.id, slot: Int32(slot))
        return TraceRef(slot: Int32(slot), generation: generations[slot])
    }

    // MARK: Orders

    /// Brings ``newestFirst`` and ``slowestFirst`` up to date: drops the entries of evicted and
    /// changed traces, sorts fresh entries for the changed ones and merges them in. Linear in the
    /// traces stored, plus a sort of the changed ones; nothing when nothing changed.
    mutating func refreshOrders() {
        guard !changedSlots.isEmpty else { return }
        var fresh: [OrderEntry] = []
        fresh.reserveCapacity(changedSlots.count)
        for slot in changedSlots {
            let position = Int(slot)
            guard let trace = slots[position] else { continue }
            fresh.append(OrderEntry(start: trace.firstStart, duration: trace.durationNanoseconds, arrival: trace.arrival, id: trace.id,
                                    ref: TraceRef(slot: slot, generation: generations[position]), isError: trace.keepClass == .error))
        }
        // Kept entries: traces still stored and unchanged (a changed one has a fresh entry).
        let isChanged = isChanged
        let generations = generations
        let keep = { (entry: OrderEntry) in
            generations[Int(entry.ref.slot)] == entry.ref.generation && !isChanged[Int(entry.ref.slot)]
        }
        newestFirst = Self.merge(newestFirst, keeping: keep, fresh, order: .newest)
        slowestFirst = Self.merge(slowestFirst, keeping: keep, fresh, order: .slowest)
        for slot in changedSlots { self.isChanged[Int(slot)] = false }
        changedSlots.removeAll(keepingCapacity: true)
    }

    /// `sorted` less the entries `keeping` rejects, merged with `fresh` (sorted here), in `order`.
    private static func merge(_ sorted: [OrderEntry], keeping: (OrderEntry) -> Bool, _ fresh: [OrderEntry], order: TraceQuery.Order) -> [OrderEntry] {
        let before = { (a: OrderEntry, b: OrderEntry) in
            TraceQuery.precedes(order: order, start: a.start, duration: a.duration, arrival: a.arrival, start: b.start, duration: b.duration, arrival: b.arrival)
        }
        let fresh = fresh.sorted(by: before)
        var merged: [OrderEntry] = []
        merged.reserveCapacity(sorted.count + fresh.count)
        var next = 0
        for entry in sorted where keeping(entry) {
            while next < fresh.count && before(fresh[next], entry) {
                merged.append(fresh[next])
                next += 1
            }
            merged.append(entry)
        }
        merged.append(contentsOf: fresh[next...])
        return merged
    }

    private mutating func noteRootDuration(_ nanoseconds: Int64) {
        rootDurations.record(UInt64(max(0, min(nanoseconds, Int64(HistogramLayout.timer.highest)))))
        rootsSinceThreshold += 1
        // Recompute the threshold now and then (≈ 25 µs each time): amortised to a few ns per
        // root span, and stable between recomputations.
        guard rootDurations.totalCount >= 100, rootsSinceThreshold >= 4_096 || slowThreshold == .max else { return }
        rootsSinceThreshold = 0
        let percentile = 100 * (1 - configuration.slowShare)
        if let value = HistogramLayout.timer.percentiles([percentile], of: rootDurations)?.first {
            slowThreshold = Int64(value)
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
            while let ref = queues[keepClass.rawValue].popFirst() {
                let slot = Int(ref.slot)
                guard isLive(ref), slots[slot]!.keepClass == keepClass, let trace = slots[slot].take() else { continue }
                generations[slot] &+= 1
                freeSlots.append(ref.slot)
                index.remove(trace.id)
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
