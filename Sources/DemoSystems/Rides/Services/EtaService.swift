import ServiceMesh
import Synchronization

/// Driving times: from each candidate driver to a pickup, and of the ride itself (``EtaModel``).
public final class EtaService: MeshService, Sendable {
    public let name = "eta-service"

    /// `POST /etas`: times to `pickup` from each of `origins`, and from `pickup` to `dropoff`.
    public struct Query: Codable, Sendable {
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        public var origins: [GeoPoint]

        public init(pickup: GeoPoint, dropoff: GeoPoint, origins: [GeoPoint]) {
            self.pickup = pickup
            self.dropoff = dropoff
            self.origins = origins
        }
    }

    /// Seconds of city time.
    public struct Estimates: Codable, Sendable, Equatable {
        public var pickupSeconds: [Int]
        public var tripSeconds: Int

        public init(pickupSeconds: [Int], tripSeconds: Int) {
            self.pickupSeconds = pickupSeconds
            self.tripSeconds = tripSeconds
        }
    }

    public let model: EtaModel
    private let work: WorkSimulator
    private let estimates = Atomic<Int>(0)

    public init(model: EtaModel = EtaModel(), work: WorkSimulator) {
        self.model = model
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/etas") { [self] request, _ in
            let query = try request.decode(Query.self)
            for point in [query.pickup, query.dropoff] + query.origins {
                if let problem = point.problem { throw BadRequestError(message: "not a position: \(problem)") }
            }
            try await work.work(0.5, 6) // the routing engine
            estimates.add(1, ordering: .relaxed)
            return .json(Estimates(pickupSeconds: query.origins.map { model.seconds(from: $0, to: query.pickup) },
                                   tripSeconds: model.seconds(from: query.pickup, to: query.dropoff)))
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public var estimateCount: Int { estimates.load(ordering: .relaxed) }
}
