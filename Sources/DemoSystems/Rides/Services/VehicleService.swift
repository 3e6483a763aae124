import Randomness
import ServiceMesh
import Synchronization

/// The vehicle each driver drives, and which ride tiers it may serve: a premium ride needs a
/// premium car; a premium car may take any ride.
public final class VehicleService: MeshService, Sendable {
    public let name = "vehicle-service"

    public struct Vehicle: Codable, Sendable, Equatable {
        public var driverId: String
        public var plate: String
        public var vehicleClass: RideTier
    }

    /// `POST /vehicles/eligible`: which of these drivers' vehicles may serve a ride of `tier`.
    public struct EligibilityQuery: Codable, Sendable {
        public var driverIds: [String]
        public var tier: RideTier

        public init(driverIds: [String], tier: RideTier) {
            self.driverIds = driverIds
            self.tier = tier
        }
    }

    public struct DriverList: Codable, Sendable, Equatable {
        public var driverIds: [String]
        public init(driverIds: [String]) { self.driverIds = driverIds }
    }

    private let vehicles: [Vehicle]
    private let work: WorkSimulator
    private let queries = Atomic<Int>(0)

    /// - Parameter drivers: vehicles for drivers `d1` … `d{drivers}`, their classes drawn from `seed`.
    public init(drivers: Int, seed: UInt64, work: WorkSimulator) {
        let classes = SeededRandom.derivedSeed(seed, component: "rides.vehicle-classes")
        vehicles = (1...max(1, drivers)).map { number in
            var random = SeededRandom(seed: classes, stream: UInt64(number))
            let draw = random.nextUnitInterval()
            let vehicleClass: RideTier = draw < 0.6 ? .standard : draw < 0.88 ? .comfort : .premium
            let plate = "\(1 + number % 9)RID\(number)"
            return Vehicle(driverId: "d\(number)", plate: plate, vehicleClass: vehicleClass)
        }
        self.work = work
    }

    public func vehicle(of driverId: String) -> Vehicle? {
        guard let number = DriverService.number(of: driverId), (1...vehicles.count).contains(number) else { return nil }
        return vehicles[number - 1]
    }

    public var router: Router {
        var router = Router()
        router.post("/vehicles/eligible") { [self] request, _ in
            let query = try request.decode(EligibilityQuery.self)
            try await work.work(0.3, 3)
            queries.add(1, ordering: .relaxed)
            let eligible = query.driverIds.filter { vehicle(of: $0).map { query.tier.isServed(by: $0.vehicleClass) } ?? false }
            return .json(DriverList(driverIds: eligible))
        }
        router.get("/vehicles/:driverId") { [self] _, context in
            let driverId = try context.parameter("driverId")
            guard let vehicle = vehicle(of: driverId) else { throw HTTPError(404, "no vehicle for driver '\(driverId)'") }
            return .json(vehicle)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public var queryCount: Int { queries.load(ordering: .relaxed) }
}
