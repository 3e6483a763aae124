import ServiceMesh
import Synchronization

/// Drivers and whether each is free: the one place a driver is claimed for a trip. A claim is a
/// compare-and-set on the driver's status (available → en route for that trip), so a driver
/// racing for two trips at once wins at most one of them.
///
/// Every claim is logged with the status the driver had and when it ended (a logical clock of
/// the service's own), so the invariant checker can prove no driver was ever on two trips.
public final class DriverService: MeshService, Sendable {
    public let name = "driver-service"

    /// A driver's status; the trip it names is the one the driver is committed to.
    public enum Status: Sendable, Equatable {
        case available
        /// Claimed for a trip, driving to its pickup.
        case enRoute(trip: String)
        /// The rider is in the car.
        case onTrip(trip: String)

        public var trip: String? {
            switch self {
            case .available: nil
            case .enRoute(let trip), .onTrip(let trip): trip
            }
        }

        /// `available`, `enRoute` or `onTrip`.
        public var name: String {
            switch self {
            case .available: "available"
            case .enRoute: "enRoute"
            case .onTrip: "onTrip"
            }
        }
    }

    /// What `GET /drivers/:id` and the claim answer.
    public struct Driver: Codable, Sendable, Equatable {
        public var id: String
        public var status: String
        public var tripId: String?
    }

    /// The body of a claim, a start and a release: which trip.
    public struct TripReference: Codable, Sendable {
        public var tripId: String
        public init(tripId: String) { self.tripId = tripId }
    }

    /// Counters for the report.
    public struct Stats: Sendable, Equatable {
        public var claims = 0
        public var claimsRefused = 0
        public var releases = 0
    }

    private struct State {
        var statuses: [Status]
        var assignments: [RidesLedger.Assignment] = []
        /// The open assignment of each driver (index into `assignments`).
        var open: [Int: Int] = [:]
        var clock = 0
        var stats = Stats()
    }

    private let state: Mutex<State>
    /// How many drivers there are (the fleet does not change during a run).
    public let count: Int
    private let work: WorkSimulator

    /// - Parameter count: drivers `d1` … `d{count}`, all available.
    public init(count: Int, work: WorkSimulator) {
        self.count = max(1, count)
        state = Mutex(State(statuses: Array(repeating: .available, count: self.count)))
        self.work = work
    }

    /// The number in a driver id (`d17` → 17), or nil.
    public static func number(of id: String) -> Int? {
        guard id.first == "d", let number = Int(id.dropFirst()), number > 0 else { return nil }
        return number
    }

    /// Driver `id`'s status, or nil for an unknown driver.
    public func status(of id: String) -> Status? {
        guard let index = index(of: id) else { return nil }
        return state.withLock { $0.statuses[index] }
    }

    private func index(of id: String) -> Int? {
        guard let number = Self.number(of: id), number <= count else { return nil }
        return number - 1
    }

    public var router: Router {
        var router = Router()
        router.post("/drivers/available") { [self] request, _ in
            let query = try request.decode(VehicleService.DriverList.self)
            try await work.work(0.2, 3)
            let available = state.withLock { state in
                query.driverIds.filter { id in index(of: id).map { state.statuses[$0] == .available } ?? false }
            }
            return .json(VehicleService.DriverList(driverIds: available))
        }
        router.post("/drivers/:id/claim") { [self] request, context in
            let (index, trip) = try target(request, context)
            try await work.work(0.3, 3)
            return try claim(index, trip: trip)
        }
        router.post("/drivers/:id/start") { [self] request, context in
            let (index, trip) = try target(request, context)
            let result = state.withLock { state -> Response in
                switch state.statuses[index] {
                case .enRoute(trip: trip), .onTrip(trip: trip):
                    state.statuses[index] = .onTrip(trip: trip)
                    return .json(driver(index, state.statuses[index]))
                case let other:
                    return .error(409, "driver d\(index + 1) is \(other.name)\(other.trip.map { " for trip \($0)" } ?? ""), not on trip \(trip)")
                }
            }
            return result
        }
        router.post("/drivers/:id/release") { [self] request, context in
            let (index, trip) = try target(request, context)
            return .json(release(index, trip: trip))
        }
        router.get("/drivers/:id") { [self] _, context in
            let id = try context.parameter("id")
            guard let index = index(of: id) else { throw HTTPError(404, "no driver '\(id)'") }
            return .json(state.withLock { driver(index, $0.statuses[index]) })
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    private func target(_ request: Request, _ context: RequestContext) throws -> (Int, String) {
        let id = try context.parameter("id")
        guard let index = index(of: id) else { throw HTTPError(404, "no driver '\(id)'") }
        let body = try request.decode(TripReference.self)
        return (index, body.tripId)
    }

    private func driver(_ index: Int, _ status: Status) -> Driver {
        Driver(id: "d\(index + 1)", status: status.name, tripId: status.trip)
    }

    /// Available → en route for `trip`, atomically; the same claim again is answered as before.
    private func claim(_ index: Int, trip: String) throws -> Response {
        try state.withLock { state in
            let current = state.statuses[index]
            if current.trip == trip { return .json(driver(index, current)) }
            guard current == .available else {
                state.stats.claimsRefused += 1
                throw HTTPError(409, "driver d\(index + 1) is busy: \(current.name) for trip \(current.trip ?? "?")")
            }
            state.clock += 1
            state.assignments.append(RidesLedger.Assignment(driverId: "d\(index + 1)", tripId: trip, statusBefore: current.name,
                                                            claimedAt: state.clock, releasedAt: nil))
            state.open[index] = state.assignments.count - 1
            state.statuses[index] = .enRoute(trip: trip)
            state.stats.claims += 1
            return .json(driver(index, state.statuses[index]))
        }
    }

    /// Frees the driver when it is committed to `trip`; otherwise leaves it as it is (a release
    /// is repeated safely, and never frees a driver from another trip).
    private func release(_ index: Int, trip: String) -> Driver {
        state.withLock { state in
            if state.statuses[index].trip == trip {
                state.clock += 1
                if let open = state.open.removeValue(forKey: index) { state.assignments[open].releasedAt = state.clock }
                state.statuses[index] = .available
                state.stats.releases += 1
            }
            return driver(index, state.statuses[index])
        }
    }

    // MARK: Reading

    public var statistics: Stats { state.withLock { $0.stats } }

    /// Every claim, in the order made.
    public func ledgerAssignments() -> [RidesLedger.Assignment] { state.withLock { $0.assignments } }

    /// Every driver's status now, by id.
    public func ledgerDrivers() -> [RidesLedger.DriverState] {
        state.withLock { state in
            state.statuses.enumerated().map { RidesLedger.DriverState(id: "d\($0.offset + 1)", status: $0.element.name, tripId: $0.element.trip) }
        }
    }
}
