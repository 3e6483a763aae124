import Telemetry

/// The tree structure of a trace's spans (which are in depth-first order): each span's parent,
/// whether it has children, whether it is the last of its siblings.
struct TraceOutline {
    /// Index of each span's parent; nil for the root. An orphan (parent never arrived) hangs
    /// under the first root, as the trace store shows it.
    var parent: [Int?]
    var hasChildren: [Bool]
    var isLastSibling: [Bool]
    let depths: [Int]
    let ids: [String]

    init(tree: TraceTree) {
        let spans = tree.spans
        var indexByID: [String: Int] = [:]
        indexByID.reserveCapacity(spans.count)
        for (index, span) in spans.enumerated() { indexByID[span.spanId] = index }
        parent = spans.enumerated().map { index, span in
            if let id = span.parentSpanId, let p = indexByID[id], p != index { return p }
            return span.depth > 0 && index > 0 ? 0 : nil
        }
        hasChildren = [Bool](repeating: false, count: spans.count)
        isLastSibling = [Bool](repeating: true, count: spans.count)
        var lastChild: [Int: Int] = [:]
        for (index, p) in parent.enumerated() {
            guard let p else { continue }
            hasChildren[p] = true
            if let previous = lastChild[p] { isLastSibling[previous] = false }
            lastChild[p] = index
        }
        depths = spans.map(\.depth)
        ids = spans.map(\.spanId)
    }

    /// Indices of the spans shown when the given spans are collapsed (their descendants hide).
    func visibleIndices(collapsed: Set<String>) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(ids.count)
        var hiddenBelowDepth: Int? = nil
        for index in ids.indices {
            if let limit = hiddenBelowDepth {
                if depths[index] > limit { continue }
                hiddenBelowDepth = nil
            }
            result.append(index)
            if hasChildren[index] && collapsed.contains(ids[index]) { hiddenBelowDepth = depths[index] }
        }
        return result
    }
}
