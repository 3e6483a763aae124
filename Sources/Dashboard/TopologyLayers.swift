import Telemetry

/// Services in layers for the Topology view: a breadth-first search over call edges from the
/// entry, so each service sits one layer below the nearest service that calls it.
///
/// The entry is the gateway when there is one; otherwise every service that makes calls and
/// receives none (or, when every caller is also called — a cycle — the first caller by name).
/// Event edges do not place services (a subscriber is not called by the publisher). Services no
/// call from the entry reaches (an outside client calling in among them) go in ``unreached``;
/// edge ends that are not reported services are laid out as services are. Within a layer, services are sorted by name, so the layout does not move
/// between snapshots unless the graph does.
public struct TopologyLayers: Sendable, Equatable {
    /// Layer 0 holds the entries; each later layer, what the one before it calls first.
    public var layers: [[String]]
    /// Services no call from the entry reaches, sorted by name.
    public var unreached: [String]

    public init(layers: [[String]], unreached: [String]) {
        self.layers = layers
        self.unreached = unreached
    }

    /// - Parameters:
    ///   - services: the reported services' names.
    ///   - edges: the snapshot's edges; their ends that are not in `services` are laid out too.
    ///   - entry: the service traffic enters through.
    public init(services: [String], edges: [EdgeStatus], entry: String = "gateway") {
        var nodes = Set(services)
        var callees: [String: [String]] = [:]
        var called: Set<String> = []
        for edge in edges {
            nodes.insert(edge.caller)
            nodes.insert(edge.target)
            guard edge.kind == .call, edge.caller != edge.target else { continue }
            callees[edge.caller, default: []].append(edge.target)
            called.insert(edge.target)
        }
        let entries: [String]
        if nodes.contains(entry) {
            entries = [entry]
        } else {
            let callers = callees.keys.sorted()
            let uncalled = callers.filter { !called.contains($0) }
            entries = uncalled.isEmpty ? Array(callers.prefix(1)) : uncalled
        }
        var placed = Set(entries)
        var layers: [[String]] = entries.isEmpty ? [] : [entries]
        var frontier = entries
        while !frontier.isEmpty {
            var next: Set<String> = []
            for caller in frontier {
                for target in callees[caller] ?? [] where !placed.contains(target) { next.insert(target) }
            }
            guard !next.isEmpty else { break }
            placed.formUnion(next)
            frontier = next.sorted()
            layers.append(frontier)
        }
        self.layers = layers
        self.unreached = nodes.subtracting(placed).sorted()
    }

    /// Every service, layer by layer, then the unreached ones.
    public var ordered: [String] { layers.flatMap { $0 } + unreached }
}
