import Randomness
import ServiceMesh
import Synchronization

/// Where every driver is: positions updated continuously by the drivers' apps, kept in a
/// ``GeoIndex`` so a nearby search looks at a few grid cells, not at every driver; and which
/// trips are being tracked (each position of a tracked driver is a point on the trip's trail).
public final class LocationService: MeshService, Sendable {
    public let name = "location-service"

    /// `GET /nearby`'s answer: drivers nearest first.
    public struct NearbyDrivers: Codable, Sendable, Equatable {
        public var drivers: [NearbyDriver]
    }

    public struct NearbyDriver: Codable, Sendable, Equatable {
        public var driverId: String
        public var position: GeoPoint
        public var distanceMeters: Double
    }

    /// `POST /tracking`: start following a trip's driver.
    public struct Tracking: Codable, Sendable {
        public var tripId: String
        public var driverId: String

        public init(tripId: String, driverId: String) {
            self.tripId = tripId
            self.driverId = driverId
        }
    }

    /// Counters for the report.
    public struct Stats: Sendable, Equatable {
        public var updates = 0
        public var searches = 0
        public var trackedUpdates = 0
        public var trackingStarted = 0
    }

    /// The largest radius a search may ask for, in metres.
    public static let maximumRadiusMeters = 50_000.0

    private struct State {
        var index: GeoIndex
        /// The trip each tracked driver is on.
        var tracked: [String: String] = [:]
        var stats = Stats()
    }

    private let state: Mutex<State>
    private let drivers: Int
    private let work: WorkSimulator

    /// - Parameters:
    ///   - drivers: drivers `d1` … `d{drivers}`, placed over `city` by `seed`.
    public init(drivers: Int, city: City, seed: UInt64, work: WorkSimulator) {
        var index = GeoIndex(cellSizeMeters: 500, referenceLatitude: city.center.latitude)
        var random = SeededRandom(seed: seed, component: "rides.driver-positions")
        for number in 1...max(1, drivers) {
            index.update(id: number, to: city.randomPoint(using: &random))
        }
        state = Mutex(State(index: index))
        self.drivers = max(1, drivers)
        self.work = work
    }

    /// Driver `id`'s last known position.
    public func position(of driverId: String) -> GeoPoint? {
        guard let number = DriverService.number(of: driverId) else { return nil }
        return state.withLock { $0.index.position(of: number) }
    }

    /// The drivers within `radius` metres of `point`, nearest first (the index's own answer).
    public func nearby(_ point: GeoPoint, radiusMeters: Double, limit: Int) -> [NearbyDriver] {
        state.withLock { $0.index.nearby(point, within: radiusMeters, limit: limit) }
            .map { NearbyDriver(driverId: "d\($0.id)", position: $0.point, distanceMeters: $0.distanceMeters) }
    }

    public var router: Router {
        var router = Router()
        router.put("/locations/:driverId") { [self] request, context in
            let driverId = try context.parameter("driverId")
            guard let number = DriverService.number(of: driverId), number <= drivers else { throw HTTPError(404, "no driver '\(driverId)'") }
            // From the outside (the gateway names the signed-in user) a driver moves only itself.
            if let user = request.headers[MeshHeader.userID], user != driverId {
                throw HTTPError(403, "\(user) may not report \(driverId)'s position")
            }
            let point = try request.decode(GeoPoint.self)
            if let problem = point.problem { throw BadRequestError(message: "not a position: \(problem)") }
            try await work.work(0.1, 2)
            state.withLock { state in
                state.index.update(id: number, to: point)
                state.stats.updates += 1
                if state.tracked[driverId] != nil { state.stats.trackedUpdates += 1 }
            }
            return Response(status: 204)
        }
        router.get("/nearby") { [self] request, _ in
            let query = request.query
            func number(_ name: String) throws -> Double {
                guard let text = query[name] else { throw BadRequestError(message: "missing query parameter '\(name)'") }
                guard let value = Double(text), value.isFinite else { throw BadRequestError(message: "query parameter '\(name)' should be a number, got '\(text)'") }
                return value
            }
            let center = GeoPoint(latitude: try number("lat"), longitude: try number("lon"))
            if let problem = center.problem { throw BadRequestError(message: "not a position: \(problem)") }
            let radius = try number("radius")
            guard radius > 0, radius <= Self.maximumRadiusMeters else {
                throw BadRequestError(message: "radius must be above 0 and at most \(Int(Self.maximumRadiusMeters)) metres, got \(radius)")
            }
            let limit = try query["limit"].map { text in
                guard let limit = Int(text), limit > 0 else { throw BadRequestError(message: "limit must be a whole number above 0, got '\(text)'") }
                return limit
            } ?? 50
            try await work.work(0.5, 5)
            let found = nearby(center, radiusMeters: radius, limit: limit)
            state.withLock { $0.stats.searches += 1 }
            return .json(NearbyDrivers(drivers: found))
        }
        router.post("/tracking") { [self] request, _ in
            let tracking = try request.decode(Tracking.self)
            state.withLock { state in
                if state.tracked[tracking.driverId] != tracking.tripId { state.stats.trackingStarted += 1 }
                state.tracked[tracking.driverId] = tracking.tripId
            }
            return Response(status: 201)
        }
        router.delete("/tracking/:tripId") { [self] _, context in
            let tripId = try context.parameter("tripId")
            state.withLock { state in
                for (driver, trip) in state.tracked where trip == tripId { state.tracked[driver] = nil }
            }
            return Response(status: 204)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public var statistics: Stats { state.withLock { $0.stats } }

    /// Trips still tracked, sorted.
    public var trackedTrips: [String] { state.withLock { Array($0.tracked.values) }.sorted() }
}
