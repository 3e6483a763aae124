import ServiceMesh
import Synchronization

/// Prices rides with ``FarePolicy``: distance × rate × tier × surge. Demand is counted here, per
/// ``PricingZone``, over a sliding window of ride requests; supply (available drivers near the
/// pickup) comes with each quote from dispatch, which has just looked.
public final class PricingService: MeshService, Sendable {
    public let name = "pricing-service"

    /// `POST /quotes`.
    public struct QuoteRequest: Codable, Sendable {
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        public var tier: RideTier
        /// Available drivers near the pickup.
        public var supply: Int
        /// True for a ride request (it adds to the zone's demand), false for an estimate.
        public var isRideRequest: Bool

        public init(pickup: GeoPoint, dropoff: GeoPoint, tier: RideTier, supply: Int, isRideRequest: Bool) {
            self.pickup = pickup
            self.dropoff = dropoff
            self.tier = tier
            self.supply = supply
            self.isRideRequest = isRideRequest
        }
    }

    public struct Quote: Codable, Sendable, Equatable {
        public var fareCents: Int
        public var surge: Double
        public var demand: Int
        public var supply: Int
        public var roadMeters: Int
    }

    /// Counters for the report.
    public struct Stats: Sendable, Equatable {
        public var quotes = 0
        public var surgedQuotes = 0
        public var maximumSurge = 1.0
    }

    /// How long a ride request counts towards its zone's demand: 5 s of the run, about 8 minutes
    /// of city time.
    public static let demandWindow = Duration.seconds(5)

    private struct State {
        /// Request times per zone, oldest first.
        var requests: [PricingZone: [Duration]] = [:]
        var stats = Stats()
    }

    public let policy: FarePolicy
    private let state = Mutex(State())
    private let now: @Sendable () -> Duration
    private let work: WorkSimulator

    /// - Parameter now: the time demand is counted on (the mesh's clock).
    public init(policy: FarePolicy = FarePolicy(), now: @escaping @Sendable () -> Duration, work: WorkSimulator) {
        self.policy = policy
        self.now = now
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/quotes") { [self] request, _ in
            let body = try request.decode(QuoteRequest.self)
            for point in [body.pickup, body.dropoff] {
                if let problem = point.problem { throw BadRequestError(message: "not a position: \(problem)") }
            }
            guard body.supply >= 0 else { throw BadRequestError(message: "supply must be 0 or more, got \(body.supply)") }
            try await work.work(0.3, 3)
            return .json(quote(body))
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    private func quote(_ body: QuoteRequest) -> Quote {
        let zone = PricingZone(body.pickup)
        let time = now()
        let demand = state.withLock { state in
            var times = state.requests[zone] ?? []
            // A zone's list is oldest first: drop what left the window from the front.
            let expired = times.firstIndex { time - $0 < Self.demandWindow } ?? times.count
            times.removeFirst(expired)
            if body.isRideRequest { times.append(time) }
            state.requests[zone] = times
            return times.count
        }
        let surge = policy.surge(demand: demand, supply: body.supply)
        let road = policy.roadMeters(from: body.pickup, to: body.dropoff)
        let fare = policy.fareCents(roadMeters: road, tier: body.tier, surge: surge)
        state.withLock { state in
            state.stats.quotes += 1
            if surge > 1 { state.stats.surgedQuotes += 1 }
            state.stats.maximumSurge = max(state.stats.maximumSurge, surge)
        }
        return Quote(fareCents: fare, surge: surge, demand: demand, supply: body.supply, roadMeters: Int(road.rounded()))
    }

    public var statistics: Stats { state.withLock { $0.stats } }
}
