import ServiceMesh
import Synchronization

/// Takes a ride request from a rider to a trip offered to drivers:
///
///     validate the rider → fraud check → nearby drivers (location-service's geo index)
///       → which are available (driver-service) and may serve the tier (vehicle-service)
///       → price with surge (pricing-service) → pickup times (eta-service)
///       → create the trip (trip-service) → offer it to the nearest few (notification-service)
///
/// Drivers then race to accept through trip-service. When location-service cannot answer (its
/// breaker open, a timeout) dispatch degrades: it offers to the drivers it last found in the
/// pickup's zone, if that list is recent, and otherwise answers 503 at once.
public final class DispatchService: MeshService, Sendable {
    public let name = "dispatch-service"

    /// `POST /rides`.
    public struct RideRequest: Codable, Sendable {
        public var pickup: GeoPoint
        public var dropoff: GeoPoint

        public init(pickup: GeoPoint, dropoff: GeoPoint) {
            self.pickup = pickup
            self.dropoff = dropoff
        }
    }

    /// `POST /rides`' answer: the trip, its quoted fare and who it was offered to.
    public struct Dispatched: Codable, Sendable, Equatable {
        public var tripId: String
        public var quotedFareCents: Int
        public var surge: Double
        public var offeredTo: [String]
        /// City seconds until the nearest offered driver could be there.
        public var pickupEtaSeconds: Int
    }

    /// `POST /rides/estimates`: a price and a pickup time, without booking.
    public struct EstimateRequest: Codable, Sendable {
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        public var tier: RideTier

        public init(pickup: GeoPoint, dropoff: GeoPoint, tier: RideTier) {
            self.pickup = pickup
            self.dropoff = dropoff
            self.tier = tier
        }
    }

    public struct Estimate: Codable, Sendable, Equatable {
        public var fareCents: Int
        public var surge: Double
        /// Nil when no driver is near.
        public var pickupEtaSeconds: Int?
        public var tripSeconds: Int
    }

    /// Counters for the report.
    public struct Stats: Sendable, Equatable {
        public var requested = 0
        public var dispatched = 0
        public var ridersRefused = 0
        public var fraudRefused = 0
        public var fraudChecksSkipped = 0
        public var noDriverFound = 0
        public var degraded = 0
        public var fromCache = 0
        public var estimates = 0
    }

    /// How far dispatch looks for drivers, and how many it looks at.
    public static let searchRadiusMeters = 3_000.0
    public static let searchLimit = 30
    /// Available drivers this close to the pickup count as its supply for surge.
    public static let supplyRadiusMeters = 1_500.0
    /// How many drivers a trip is offered to (they race to accept).
    public static let offersPerTrip = 3
    /// How old a zone's last driver list may be and still be used when location-service is down.
    public static let cacheFreshness = Duration.seconds(30)
    public static let locationBreakerID = "dispatch-service->location-service"

    private struct State {
        var lastFound: [PricingZone: (at: Duration, drivers: [LocationService.NearbyDriver])] = [:]
        var stats = Stats()
    }

    private let state = Mutex(State())
    private let city: City
    private let mesh: Mesh
    private let work: WorkSimulator

    public init(city: City, mesh: Mesh, work: WorkSimulator) {
        self.city = city
        self.mesh = mesh
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/rides") { [self] request, context in
            guard let riderId = request.headers[MeshHeader.userID] else { throw HTTPError(401, "no rider: rides are requested through the gateway, signed in") }
            let body = try request.decode(RideRequest.self)
            try validate(body.pickup, body.dropoff)
            count { $0.requested += 1 }
            return try await dispatch(riderId: riderId, body, client: context.client)
        }
        router.post("/rides/estimates") { [self] request, context in
            let body = try request.decode(EstimateRequest.self)
            try validate(body.pickup, body.dropoff)
            count { $0.estimates += 1 }
            return try await estimate(body, client: context.client)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public var healthChecks: [HealthCheck] {
        [
            HealthCheck(name: "dispatch") { .pass },
            HealthCheck(name: "location-service", isDependency: true) { [mesh] in
                let state = mesh.resilience.breaker(id: Self.locationBreakerID)?.status().state
                return state == .open || state == .forcedOpen ? .fail("breaker \(state!)") : .pass
            },
        ]
    }

    private func validate(_ pickup: GeoPoint, _ dropoff: GeoPoint) throws {
        if let problem = pickup.problem { throw BadRequestError(message: "pickup is not a position: \(problem)") }
        if let problem = dropoff.problem { throw BadRequestError(message: "dropoff is not a position: \(problem)") }
        guard city.contains(pickup) else { throw HTTPError(422, "the pickup \(pickup) is outside the \(city.name) service area") }
    }

    private func count(_ change: (inout Stats) -> Void) {
        state.withLock { change(&$0.stats) }
    }

    // MARK: Booking

    private func dispatch(riderId: String, _ ride: RideRequest, client: MeshClient) async throws -> Response {
        // 1. The rider.
        let riderResponse = try await client.get("rider-service", "/riders/\(riderId)")
        if riderResponse.status == 404 {
            count { $0.ridersRefused += 1 }
            return .error(422, "unknown rider '\(riderId)'")
        }
        try Self.expect(riderResponse, "rider-service")
        let rider = try riderResponse.decode(RiderService.Rider.self)
        if rider.suspended {
            count { $0.ridersRefused += 1 }
            return .error(403, "rider \(riderId) is suspended and may not book rides")
        }

        // 2. Fraud. When the check cannot be made the ride goes ahead: refusing every ride while
        // fraud-service is down costs more than the rare fraud it would catch.
        var verdict: Response?
        do {
            verdict = try await client.post("fraud-service", "/checks", json: FraudService.Check(riderId: riderId, pickup: ride.pickup, dropoff: ride.dropoff))
        } catch {
            verdict = nil
        }
        if let verdict, !verdict.isServerError {
            try Self.expect(verdict, "fraud-service")
            let decoded = try verdict.decode(FraudService.Verdict.self)
            if decoded.flagged {
                count { $0.fraudRefused += 1 }
                return .error(403, "ride refused: \(decoded.message ?? decoded.reason?.rawValue ?? "flagged")")
            }
        } else {
            count { $0.fraudChecksSkipped += 1 }
        }

        // 3. Drivers near the pickup that are free and may serve the tier.
        let candidates = try await candidates(near: ride.pickup, tier: rider.tier, client: client)

        // 4. The price, with surge from this zone's demand against the free drivers near it.
        let quoteResponse = try await client.post("pricing-service", "/quotes", json: PricingService.QuoteRequest(
            pickup: ride.pickup, dropoff: ride.dropoff, tier: rider.tier, supply: candidates.supply, isRideRequest: true))
        try Self.expect(quoteResponse, "pricing-service")
        let quote = try quoteResponse.decode(PricingService.Quote.self)

        guard !candidates.eligible.isEmpty else {
            count { $0.noDriverFound += 1 }
            return .error(409, "no available \(rider.tier.rawValue) driver within \(Int(Self.searchRadiusMeters / 1_000)) km of the pickup; try again shortly")
        }

        // 5. Who is quickest to the pickup.
        let nearest = Array(candidates.eligible.prefix(Self.offersPerTrip * 2))
        let etaResponse = try await client.post("eta-service", "/etas", json: EtaService.Query(pickup: ride.pickup, dropoff: ride.dropoff, origins: nearest.map(\.position)))
        try Self.expect(etaResponse, "eta-service")
        let etas = try etaResponse.decode(EtaService.Estimates.self)
        let ranked = zip(nearest, etas.pickupSeconds).enumerated()
            .sorted { $0.element.1 != $1.element.1 ? $0.element.1 < $1.element.1 : $0.offset < $1.offset }
            .prefix(Self.offersPerTrip)
        let offers = ranked.map { TripService.Offer(driverId: $0.element.0.driverId, pickupEtaSeconds: $0.element.1) }

        // 6. The trip, then the offers.
        let create = TripService.CreateTrip(riderId: riderId, tier: rider.tier, pickup: ride.pickup, dropoff: ride.dropoff,
                                            quotedFareCents: quote.fareCents, surge: quote.surge, offers: offers, tripSeconds: etas.tripSeconds)
        let tripResponse = try await client.post("trip-service", "/trips", json: create)
        try Self.expect(tripResponse, "trip-service")
        let trip = try tripResponse.decode(TripService.Trip.self)
        let offerNotes = offers.map {
            RideNotificationService.Notification(recipient: $0.driverId, kind: .rideOffer, tripId: trip.id,
                                                 message: "ride offer: pickup in \($0.pickupEtaSeconds / 60 + 1) min, \(quote.fareCents) cents")
        }
        // Offers are pushed best effort: a driver's app also polls for open offers.
        _ = try? await client.post("notification-service", "/notifications/batch", json: RideNotificationService.Batch(notifications: offerNotes))
        count { $0.dispatched += 1 }
        return .json(Dispatched(tripId: trip.id, quotedFareCents: quote.fareCents, surge: quote.surge, offeredTo: offers.map(\.driverId),
                                pickupEtaSeconds: offers.first?.pickupEtaSeconds ?? 0), status: 201)
    }

    private func estimate(_ ride: EstimateRequest, client: MeshClient) async throws -> Response {
        let candidates = try await candidates(near: ride.pickup, tier: ride.tier, client: client)
        let quoteResponse = try await client.post("pricing-service", "/quotes", json: PricingService.QuoteRequest(
            pickup: ride.pickup, dropoff: ride.dropoff, tier: ride.tier, supply: candidates.supply, isRideRequest: false))
        try Self.expect(quoteResponse, "pricing-service")
        let quote = try quoteResponse.decode(PricingService.Quote.self)
        let origins = candidates.eligible.prefix(1).map(\.position)
        let etaResponse = try await client.post("eta-service", "/etas", json: EtaService.Query(pickup: ride.pickup, dropoff: ride.dropoff, origins: origins))
        try Self.expect(etaResponse, "eta-service")
        let etas = try etaResponse.decode(EtaService.Estimates.self)
        return .json(Estimate(fareCents: quote.fareCents, surge: quote.surge, pickupEtaSeconds: etas.pickupSeconds.first, tripSeconds: etas.tripSeconds))
    }

    /// Free drivers near `pickup` whose vehicle may serve `tier`, nearest first, and the supply
    /// (free drivers of any tier within ``supplyRadiusMeters``).
    private func candidates(near pickup: GeoPoint, tier: RideTier, client: MeshClient) async throws -> (eligible: [LocationService.NearbyDriver], supply: Int) {
        let nearby = try await nearbyDrivers(pickup, client: client)
        guard !nearby.isEmpty else { return ([], 0) }
        let availableResponse = try await client.post("driver-service", "/drivers/available", json: VehicleService.DriverList(driverIds: nearby.map(\.driverId)))
        try Self.expect(availableResponse, "driver-service")
        let available = Set(try availableResponse.decode(VehicleService.DriverList.self).driverIds)
        let free = nearby.filter { available.contains($0.driverId) }
        let supply = free.count { $0.distanceMeters <= Self.supplyRadiusMeters }
        guard !free.isEmpty else { return ([], supply) }
        let eligibleResponse = try await client.post("vehicle-service", "/vehicles/eligible", json: VehicleService.EligibilityQuery(driverIds: free.map(\.driverId), tier: tier))
        try Self.expect(eligibleResponse, "vehicle-service")
        let eligible = Set(try eligibleResponse.decode(VehicleService.DriverList.self).driverIds)
        return (free.filter { eligible.contains($0.driverId) }, supply)
    }

    /// location-service's drivers near `pickup`; when it cannot answer, the zone's last list if
    /// it is recent (the degraded mode), else a 503.
    private func nearbyDrivers(_ pickup: GeoPoint, client: MeshClient) async throws -> [LocationService.NearbyDriver] {
        let zone = PricingZone(pickup)
        let path = "/nearby?lat=\(pickup.latitude)&lon=\(pickup.longitude)&radius=\(Int(Self.searchRadiusMeters))&limit=\(Self.searchLimit)"
        let failure: String
        do {
            let response = try await client.get("location-service", path)
            if response.isSuccess {
                let drivers = try response.decode(LocationService.NearbyDrivers.self).drivers
                let now = mesh.now()
                state.withLock { $0.lastFound[zone] = (now, drivers) }
                return drivers
            }
            failure = "\(response.status) \(response.errorMessage ?? "")"
        } catch let error as MeshCallError {
            failure = error.message
        }
        let now = mesh.now()
        let cached: [LocationService.NearbyDriver]? = state.withLock { state in
            state.stats.degraded += 1
            guard let last = state.lastFound[zone], now - last.at <= Self.cacheFreshness else { return nil }
            state.stats.fromCache += 1
            return last.drivers
        }
        if let cached { return cached }
        throw HTTPError(503, "dispatch degraded: location-service cannot answer (\(failure)) and there is no recent driver list for \(zone)")
    }

    private static func expect(_ response: Response, _ service: String) throws {
        guard response.isSuccess else {
            // A dependency's 4xx here is our own bug, not the client's: answer 502, never pass it on.
            let status = response.status >= 500 ? 503 : 502
            throw HTTPError(status, "\(service) answered \(response.status): \(response.errorMessage ?? "no message")")
        }
    }

    public var statistics: Stats { state.withLock { $0.stats } }
}
