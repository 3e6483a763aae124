import Randomness

/// How an attempt chooses the instance it goes to, in pure steps an outbound channel runs in
/// order: the instances outlier detection lets through, the version a weighted split draws (a
/// canary), then the load balancer's choice. Each step is a value computed from its inputs (the
/// random source among them), so it is tested without a mesh.
enum InstancePicker {
    /// The instances load balancing may use: those discovery offered less those outlier detection
    /// ejected, unless that leaves none (Envoy's panic threshold, at 0%): then all of them.
    ///
    /// Returns `instances` itself (no copy) when nothing is ejected, as on nearly every call.
    static func passing(_ instances: [RegisteredInstance], ejected: [String]) -> [RegisteredInstance] {
        guard !ejected.isEmpty else { return instances }
        let remaining = instances.filter { !ejected.contains($0.id) }
        return remaining.isEmpty ? instances : remaining
    }

    /// `instances` less those this call's earlier hedged attempts went to: a hedge goes to another
    /// instance or nowhere. Unlike ``passing(_:ejected:)`` there is no panic mode: empty means no hedge.
    ///
    /// Returns `instances` itself (no copy) when nothing was tried, as for every first attempt.
    static func untried(_ instances: [RegisteredInstance], tried: [String]) -> [RegisteredInstance] {
        guard !tried.isEmpty else { return instances }
        return instances.filter { !tried.contains($0.id) }
    }

    /// The version a weighted split sends this attempt to, drawn among the versions `instances`
    /// has (weights of absent versions, and zero weights, do not count); nil when no version in
    /// the split is present, and then any instance may be used.
    ///
    /// One draw from `random` when there is a version to choose; none otherwise.
    static func version<G: RandomNumberGenerator>(split: [String: Double], among instances: [RegisteredInstance], using random: inout G) -> String? {
        let present = Set(instances.map(\.version))
        // Sorted, so the same draw picks the same version whatever the dictionary's order.
        let weights = split.filter { present.contains($0.key) && $0.value > 0 }.sorted { $0.key < $1.key }
        let total = weights.reduce(0) { $0 + $1.value }
        guard total > 0 else { return nil }
        var draw = random.nextUnitInterval() * total
        for (version, weight) in weights {
            if draw < weight { return version }
            draw -= weight
        }
        return weights[weights.count - 1].key
    }

    /// `instances` narrowed to the version a weighted split draws (see ``version(split:among:using:)``),
    /// or all of them without a split.
    static func routed<G: RandomNumberGenerator>(_ instances: [RegisteredInstance], split: [String: Double]?, using random: inout G) -> [RegisteredInstance] {
        guard let split, let chosen = version(split: split, among: instances, using: &random) else { return instances }
        return instances.filter { $0.version == chosen }
    }

    /// A load balancer's choice among candidates, before any load is read.
    enum Choice: Sendable, Equatable {
        /// This one.
        case index(Int)
        /// Whichever of the two has fewer requests in flight (the first on a tie).
        case lessLoaded(Int, Int)
    }

    /// What `strategy` chooses among `count` candidates (at least one).
    ///
    /// - Parameters:
    ///   - turn: round robin's counter; it advances by one for each round-robin choice.
    ///   - random: drawn from for `random` (once) and `leastInFlightOfTwo` (twice); never for round robin.
    static func choose<G: RandomNumberGenerator>(_ strategy: LoadBalancing, among count: Int, turn: inout Int, using random: inout G) -> Choice {
        precondition(count > 0, "a load balancer chooses among at least one candidate")
        if count == 1 { return .index(0) }
        switch strategy {
        case .roundRobin:
            defer { turn &+= 1 }
            return .index(turn % count)
        case .random:
            return .index(random.nextIndex(below: count))
        case .leastInFlightOfTwo:
            let first = random.nextIndex(below: count)
            var second = random.nextIndex(below: count - 1)
            if second >= first { second += 1 }
            return .lessLoaded(first, second)
        }
    }
}
