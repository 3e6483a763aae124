import Telemetry

/// Finds the calls between services in spans that arrive in any order: a span whose parent
/// belongs to another service is a call from that service to its own (or, for a consumer span,
/// a message delivered).
///
/// Senders export independently, so a child often arrives before its parent (it ends first) or
/// from another process's batch. Both sides wait in bounded tables: the owners of recent spans,
/// and children whose parent has not arrived yet. What falls out of them is never joined.
struct EdgeJoiner {
    struct Edge: Hashable {
        var caller: String
        var target: String
        var topic: String?
    }

    /// A child whose parent is not known yet.
    private struct Waiting {
        var service: String
        var isError: Bool
        var topic: String?
    }

    let capacity: Int
    private var owners: [SpanID: String] = [:]
    private var ownerOrder: [SpanID] = []
    private var ownerHead = 0
    private var waiting: [SpanID: [Waiting]] = [:]
    private var waitingOrder: [SpanID] = []
    private var waitingHead = 0

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Takes a span and returns the calls it completes (with whether each failed): its own, when
    /// its parent is known, and those of children that waited for it.
    ///
    /// - Parameter topic: for a consumer span, the destination it read from (the edge is then a
    ///   message, not a call).
    mutating func observe(span: SpanID, parent: SpanID?, service: String, isError: Bool, topic: String?) -> [(Edge, isError: Bool)] {
        var completed: [(Edge, isError: Bool)] = []
        remember(owner: service, of: span)
        if let children = waiting.removeValue(forKey: span) {
            for child in children where child.service != service {
                completed.append((Edge(caller: service, target: child.service, topic: child.topic), child.isError))
            }
        }
        guard let parent else { return completed }
        if let owner = owners[parent] {
            if owner != service { completed.append((Edge(caller: owner, target: service, topic: topic), isError)) }
        } else {
            wait(for: parent, Waiting(service: service, isError: isError, topic: topic))
        }
        return completed
    }

    private mutating func remember(owner: String, of span: SpanID) {
        if owners.updateValue(owner, forKey: span) != nil { return }
        if ownerOrder.count < capacity {
            ownerOrder.append(span)
        } else {
            owners.removeValue(forKey: ownerOrder[ownerHead])
            ownerOrder[ownerHead] = span
            ownerHead = (ownerHead + 1) % capacity
        }
    }

    private mutating func wait(for parent: SpanID, _ child: Waiting) {
        if waiting[parent] != nil {
            waiting[parent]!.append(child)
            return
        }
        waiting[parent] = [child]
        let limit = max(1, capacity / 4)
        if waitingOrder.count < limit {
            waitingOrder.append(parent)
        } else {
            waiting.removeValue(forKey: waitingOrder[waitingHead])
            waitingOrder[waitingHead] = parent
            waitingHead = (waitingHead + 1) % limit
        }
    }
}
