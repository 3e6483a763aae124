import Randomness
import ServiceMesh
import Synchronization

/// Riders' accounts: who may ride, and at which tier. `r1` … `rN`; every hundredth rider is
/// suspended (a chargeback, say) and may not book.
public final class RiderService: MeshService, Sendable {
    public let name = "rider-service"

    public struct Rider: Codable, Sendable, Equatable {
        public var id: String
        public var tier: RideTier
        public var suspended: Bool
    }

    private let riders: [Rider]
    private let lookups = Atomic<Int>(0)
    private let work: WorkSimulator

    /// - Parameter count: riders `r1` … `r{count}`, their tiers drawn from `seed`.
    public init(count: Int, seed: UInt64, work: WorkSimulator) {
        let tiers = SeededRandom.derivedSeed(seed, component: "rides.rider-tiers")
        riders = (1...max(1, count)).map { number in
            var random = SeededRandom(seed: tiers, stream: UInt64(number))
            let draw = random.nextUnitInterval()
            let tier: RideTier = draw < 0.75 ? .standard : draw < 0.93 ? .comfort : .premium
            return Rider(id: "r\(number)", tier: tier, suspended: Self.isSuspended(number))
        }
        self.work = work
    }

    /// Whether rider number `number` is suspended.
    public static func isSuspended(_ number: Int) -> Bool { number % 100 == 0 }

    public var count: Int { riders.count }

    /// The rider with id `id` (`r17`), or nil.
    public func rider(_ id: String) -> Rider? {
        guard id.first == "r", let number = Int(id.dropFirst()), (1...riders.count).contains(number) else { return nil }
        return riders[number - 1]
    }

    public var router: Router {
        var router = Router()
        router.get("/riders/:id") { [self] _, context in
            let id = try context.parameter("id")
            try await work.work(0.3, 4) // the accounts database
            lookups.add(1, ordering: .relaxed)
            guard let rider = rider(id) else { throw HTTPError(404, "no rider '\(id)'") }
            return .json(rider)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public var lookupCount: Int { lookups.load(ordering: .relaxed) }
}
