/// A bug planted on purpose, for tests that prove swarm faults find bugs and the shrinker reduces
/// them: `meshtop sim --planted-bug skip-refund:N` (a hidden option) makes the storefront skip
/// every N-th refund its order saga's compensation makes, while the step reports success, so a
/// cancelled order keeps its money (the `cancelledOrderRefunded` invariant catches it). It only
/// triggers when a refund is compensated: after a payment went through and a later step (reserving
/// stock) failed, which takes a fault on the inventory at the right moment.
///
/// Not for anything but tests: a real run never plants one.
public struct PlantedBug: Sendable, Equatable, CustomStringConvertible {
    /// Every how many compensated refunds one is skipped; ≥ 1.
    public var skipRefundEvery: Int

    public init(skipRefundEvery: Int) {
        precondition(skipRefundEvery >= 1, "PlantedBug: skipRefundEvery must be at least 1")
        self.skipRefundEvery = skipRefundEvery
    }

    /// What `--planted-bug` accepts.
    public static let acceptedForms = "skip-refund:N with N a whole number from 1 (every N-th compensated refund is skipped)"

    /// Reads `skip-refund:N`.
    public static func parse(_ text: String) throws(DemoOptionsError) -> PlantedBug {
        let parts = text.trimmingSpaces.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "skip-refund", let every = Int(parts[1]), every >= 1 else {
            throw DemoOptionsError(option: "--planted-bug", message: "invalid planted bug \"\(text)\"; expected \(acceptedForms)")
        }
        return PlantedBug(skipRefundEvery: every)
    }

    public var description: String { "skip-refund:\(skipRefundEvery)" }

    /// Plants the bug in `system`; only the storefront has it, other systems are left alone.
    func plant(in system: any DemoSystem) {
        (system as? Storefront)?.orders.plantSkippedRefunds(every: skipRefundEvery)
    }
}
