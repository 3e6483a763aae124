import Telemetry

/// What a trace's timing says, computed from its tree alone: each span's self time, the critical
/// path, and how two traces of the same operation differ. Pure functions of the trees.
public enum TraceAnalysis {
    /// Each span's self time in milliseconds, by index in `tree.spans`: its duration minus the
    /// time covered by its children (their union, clipped to the span; overlapping children count once).
    public static func selfTimes(_ tree: TraceTree) -> [Double] { selfTimes(tree, outline: nil) }

    static func selfTimes(_ tree: TraceTree, outline: TraceOutline?) -> [Double] {
        let spans = tree.spans
        let children = Self.children(outline ?? TraceOutline(tree: tree))
        return spans.indices.map { index in
            let span = spans[index]
            let end = span.startOffsetMs + span.durationMs
            let intervals = children[index]
                .map { (max(spans[$0].startOffsetMs, span.startOffsetMs), min(spans[$0].startOffsetMs + spans[$0].durationMs, end)) }
                .filter { $0.0 < $0.1 }
                .sorted { $0.0 < $1.0 }
            var covered = 0.0
            var current: (Double, Double)?
            for interval in intervals {
                if let open = current, interval.0 <= open.1 {
                    current = (open.0, max(open.1, interval.1))
                } else {
                    if let open = current { covered += open.1 - open.0 }
                    current = interval
                }
            }
            if let open = current { covered += open.1 - open.0 }
            return max(0, span.durationMs - covered)
        }
    }

    /// The spans the trace waited on, by index in `tree.spans`, in tree order: from the root,
    /// the child that finished last, then (walking back from that child's start) the child that
    /// finished last before it, and so on, each followed down into its own children the same way.
    /// Shortening a span off this path does not shorten the trace.
    public static func criticalPath(_ tree: TraceTree) -> [Int] { criticalPath(tree, outline: nil) }

    static func criticalPath(_ tree: TraceTree, outline: TraceOutline?) -> [Int] {
        let spans = tree.spans
        guard !spans.isEmpty else { return [] }
        let children = Self.children(outline ?? TraceOutline(tree: tree))
        func end(_ index: Int) -> Double { spans[index].startOffsetMs + spans[index].durationMs }
        var path: [Int] = []
        // Explicit work list instead of recursion: a deep trace must not overflow the stack.
        // The first span is the root (spans come in tree order; orphans hang under it).
        var pending: [(index: Int, until: Double)] = [(0, end(0))]
        while let (index, until) = pending.popLast() {
            path.append(index)
            var cursor = min(end(index), until)
            var remaining = children[index]
            while true {
                // The child that ends last (clipped to the cursor) among those started before it.
                var best: Int?
                for (position, child) in remaining.enumerated() where spans[child].startOffsetMs < cursor {
                    if let current = best {
                        let a = min(end(child), cursor), b = min(end(remaining[current]), cursor)
                        if a > b || (a == b && spans[child].startOffsetMs > spans[remaining[current]].startOffsetMs) { best = position }
                    } else {
                        best = position
                    }
                }
                guard let position = best else { break }
                let child = remaining.remove(at: position)
                pending.append((child, cursor))
                cursor = spans[child].startOffsetMs
            }
        }
        return path.sorted()
    }

    /// The children of each span, in tree order.
    static func children(_ outline: TraceOutline) -> [[Int]] {
        var children = [[Int]](repeating: [], count: outline.parent.count)
        for (index, parent) in outline.parent.enumerated() {
            if let parent { children[parent].append(index) }
        }
        return children
    }

    /// The spans of two traces side by side: matched by service and operation (the n-th such span
    /// of one with the n-th of the other, in tree order), biggest difference in duration first;
    /// a span only one trace has counts its whole duration as the difference.
    public static func compare(_ base: TraceTree, _ other: TraceTree) -> [SpanComparison] {
        struct Key: Hashable { var service: String; var operation: String }
        var order: [Key] = []
        var baseSpans: [Key: [Double]] = [:]
        var otherSpans: [Key: [Double]] = [:]
        for span in base.spans {
            let key = Key(service: span.service, operation: span.operation)
            if baseSpans[key] == nil { order.append(key) }
            baseSpans[key, default: []].append(span.durationMs)
        }
        for span in other.spans {
            let key = Key(service: span.service, operation: span.operation)
            if baseSpans[key] == nil && otherSpans[key] == nil { order.append(key) }
            otherSpans[key, default: []].append(span.durationMs)
        }
        var rows: [SpanComparison] = []
        for key in order {
            let a = baseSpans[key] ?? [], b = otherSpans[key] ?? []
            for occurrence in 0..<max(a.count, b.count) {
                rows.append(SpanComparison(service: key.service, operation: key.operation, occurrence: occurrence,
                                           baseMs: occurrence < a.count ? a[occurrence] : nil,
                                           otherMs: occurrence < b.count ? b[occurrence] : nil))
            }
        }
        // Stable: equal differences keep the first trace's tree order.
        rows.sortStable(descending: true) { abs($0.deltaMs) }
        return rows
    }
}

/// One span (by service, operation and occurrence) in two traces.
public struct SpanComparison: Sendable, Equatable {
    public var service: String
    public var operation: String
    /// 0 for the first span of this service and operation in its trace, 1 for the second, …
    public var occurrence: Int
    /// Its duration in the first (marked) trace, nil when that trace has no such span.
    public var baseMs: Double?
    /// Its duration in the second trace, nil when that trace has no such span.
    public var otherMs: Double?

    /// Second minus first; a missing side counts as 0.
    public var deltaMs: Double { (otherMs ?? 0) - (baseMs ?? 0) }
}
