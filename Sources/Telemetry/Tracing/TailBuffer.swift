// The tail rule's waiting room inside a TraceSet: spans of traces that were not head-sampled.

/// Spans of traces that were not head-sampled, held per trace until the trace's root ends and the
/// tail rule decides (``TraceSet``: kept when a span has error status or the trace is slow,
/// sampled out otherwise). Bounded: at most `maxTraces` traces and `maxSpans` spans; past either,
/// ``removeOldest()`` gives up the trace held longest, for its owner to decide early.
///
/// It also remembers the last `maxTraces` traces sampled out, so a span that ends after its
/// trace's root (an event handled later) follows its trace's decision rather than waiting alone.
struct TailBuffer {
    /// One trace's spans so far, with what the tail rule looks at.
    struct HeldTrace {
        let id: TraceID
        var spans: [FinishedSpan]
        /// Nanoseconds since the tracer's origin.
        var firstStart: Int64
        var lastEnd: Int64
        var hasError: Bool

        var durationNanoseconds: Int64 { lastEnd &- firstStart }
    }

    let maxTraces: Int
    let maxSpans: Int
    private var slots: [HeldTrace?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int32] = []
    private var index: TraceIndex
    /// Held traces, oldest first; entries of traces already removed are stale and skipped.
    private var arrivals = FIFO<TraceRef>()
    private(set) var spanCount = 0
    /// The traces sampled out last, oldest first, in a ring of `maxTraces`.
    private var sampledOut: [TraceID] = []
    private var sampledOutNext = 0
    private var sampledOutIndex: TraceIndex

    init(maxTraces: Int, maxSpans: Int) {
        self.maxTraces = maxTraces
        self.maxSpans = maxSpans
        // One more than the bound: a trace is held before the oldest is given up.
        index = TraceIndex(capacity: maxTraces + 1)
        sampledOutIndex = TraceIndex(capacity: maxTraces)
    }

    var traceCount: Int { index.count }

    var isOverBound: Bool { traceCount > maxTraces || spanCount > maxSpans }

    /// Holds `span` with the rest of its trace; false (and nothing held) when its trace already
    /// holds `maxSpansPerTrace` spans.
    mutating func hold(_ span: consuming FinishedSpan, maxSpansPerTrace: Int) -> Bool {
        if let slot = index[span.traceID].map(Int.init) {
            guard slots[slot]!.spans.count < maxSpansPerTrace else { return false }
            slots[slot]!.firstStart = min(slots[slot]!.firstStart, span.startNanoseconds)
            slots[slot]!.lastEnd = max(slots[slot]!.lastEnd, span.endNanoseconds)
            if span.isError { slots[slot]!.hasError = true }
            slots[slot]!.spans.append(span)
        } else {
            let held = HeldTrace(id: span.traceID, spans: [], firstStart: span.startNanoseconds, lastEnd: span.endNanoseconds,
                                 hasError: span.isError)
            let slot: Int
            if let free = freeSlots.popLast() {
                slot = Int(free)
                slots[slot] = held
            } else {
                slot = slots.count
                slots.append(held)
                generations.append(0)
            }
            slots[slot]!.spans.append(span)
            index.insert(held.id, slot: Int32(slot))
            arrivals.push(TraceRef(slot: Int32(slot), generation: generations[slot]))
        }
        spanCount += 1
        return true
    }

    /// Takes the trace `id` out, if held.
    mutating func remove(_ id: TraceID) -> HeldTrace? {
        guard let slot = index[id] else { return nil }
        return take(slot: Int(slot))
    }

    /// Takes out the trace held longest.
    mutating func removeOldest() -> HeldTrace? {
        while let ref = arrivals.popFirst() {
            if generations[Int(ref.slot)] == ref.generation, slots[Int(ref.slot)] != nil { return take(slot: Int(ref.slot)) }
        }
        return nil
    }

    private mutating func take(slot: Int) -> HeldTrace? {
        guard let held = slots[slot].take() else { return nil }
        generations[slot] &+= 1
        freeSlots.append(Int32(slot))
        index.remove(held.id)
        spanCount -= held.spans.count
        return held
    }

    /// Notes that the trace `id` was sampled out, forgetting the oldest such note past `maxTraces`.
    mutating func rememberSampledOut(_ id: TraceID) {
        guard sampledOutIndex[id] == nil else { return }
        if sampledOut.count < maxTraces {
            sampledOut.append(id)
        } else {
            sampledOutIndex.remove(sampledOut[sampledOutNext])
            sampledOut[sampledOutNext] = id
        }
        sampledOutIndex.insert(id, slot: Int32(sampledOutNext))
        sampledOutNext = (sampledOutNext + 1) % maxTraces
    }

    /// Whether the trace `id` was sampled out lately (among the last `maxTraces`).
    func wasSampledOut(_ id: TraceID) -> Bool {
        sampledOutIndex[id] != nil
    }
}
