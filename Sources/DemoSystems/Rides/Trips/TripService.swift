import ServiceMesh
import Synchronization

/// Trips and their life (``TripStateMachine``), and the race to accept them.
///
/// Accepting is two compare-and-sets: driver-service claims the driver (available → en route,
/// so a driver wins at most one trip), then the trip moves requested → accepted under this
/// service's lock (so a trip has at most one driver). A driver who loses the second is released.
/// The winner is sent on its way: the rider is notified, location tracking starts, and the trip
/// is en route until the driver's app reports the pickup.
///
/// What a trip still owes once it ends (the charge, the driver's release, the end of tracking) is
/// done at once when possible and otherwise kept as a follow-up, retried by
/// ``processFollowUps(client:)`` until it succeeds. Every request is idempotent: accepting,
/// picking up, completing or cancelling twice answers as the first time did.
public final class TripService: MeshService, Sendable {
    public let name = "trip-service"

    /// A driver a trip is offered to, and how long they would take to reach the pickup.
    public struct Offer: Codable, Sendable, Equatable {
        public var driverId: String
        /// City seconds.
        public var pickupEtaSeconds: Int

        public init(driverId: String, pickupEtaSeconds: Int) {
            self.driverId = driverId
            self.pickupEtaSeconds = pickupEtaSeconds
        }
    }

    /// `POST /trips`, from dispatch-service.
    public struct CreateTrip: Codable, Sendable {
        public var riderId: String
        public var tier: RideTier
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        /// The fare quoted to the rider, surge included: what a completed trip is charged.
        public var quotedFareCents: Int
        public var surge: Double
        public var offers: [Offer]
        /// City seconds from pickup to dropoff.
        public var tripSeconds: Int

        public init(riderId: String, tier: RideTier, pickup: GeoPoint, dropoff: GeoPoint, quotedFareCents: Int, surge: Double, offers: [Offer], tripSeconds: Int) {
            self.riderId = riderId
            self.tier = tier
            self.pickup = pickup
            self.dropoff = dropoff
            self.quotedFareCents = quotedFareCents
            self.surge = surge
            self.offers = offers
            self.tripSeconds = tripSeconds
        }
    }

    public struct Trip: Codable, Sendable, Equatable {
        public var id: String
        public var riderId: String
        public var tier: RideTier
        public var pickup: GeoPoint
        public var dropoff: GeoPoint
        public var status: TripStatus
        public var driverId: String?
        public var quotedFareCents: Int
        public var surge: Double
        public var offers: [Offer]
        public var tripSeconds: Int
        /// Seconds on the mesh's clock.
        public var requestedAt: Double
        /// When the driver's app will report the pickup (en route) or the dropoff (in progress).
        public var dueAt: Double?
        /// Why it was cancelled.
        public var reason: String?
    }

    /// `POST /trips/:id/cancel`.
    public struct Cancel: Codable, Sendable {
        public var reason: String?
        public init(reason: String?) { self.reason = reason }
    }

    /// Something a trip's driver app does when it is due: report the pickup or the dropoff.
    public struct DriverAction: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case pickUp, dropOff }
        public var tripId: String
        public var driverId: String
        public var kind: Kind
        /// Where the driver is when it happens.
        public var at: GeoPoint
    }

    /// Counters for the report.
    public struct Stats: Sendable, Equatable {
        public var created = 0
        public var accepted = 0
        /// Accepts answered 409 because another driver had the trip.
        public var racesLost = 0
        /// Accepts answered 409 because the driver was already claimed for another trip.
        public var driversBusy = 0
        public var pickedUp = 0
        public var completed = 0
        public var cancelled = 0
        /// Trips cancelled because no offered driver accepted in time.
        public var expired = 0
        /// Completed trips whose charge had to be retried later.
        public var chargesDeferred = 0
    }

    /// What an ended trip still owes, retried until done.
    enum FollowUp: Hashable, Sendable, CustomStringConvertible {
        case charge(trip: String)
        case release(driver: String, trip: String)
        case stopTracking(trip: String)

        var description: String {
            switch self {
            case .charge(let trip): "charge for trip \(trip)"
            case .release(let driver, let trip): "release of driver \(driver) from trip \(trip)"
            case .stopTracking(let trip): "end of tracking for trip \(trip)"
            }
        }
    }

    private struct State {
        var trips: [String: Trip] = [:]
        /// Trips not yet completed or cancelled.
        var open: Set<String> = []
        var wins: [RidesLedger.Win] = []
        var followUps: [FollowUp] = []
        var nextNumber = 0
        var stats = Stats()
    }

    /// How long offered drivers have to accept before the trip is cancelled.
    public static let offerTimeout = Duration.seconds(3)

    private let state = Mutex(State())
    private let mesh: Mesh
    /// City seconds per second of the run: trips play faster than real time.
    public let cityTimeScale: Double

    /// - Parameter cityTimeScale: city seconds per second of the run (100: a 10-minute ride
    ///   takes 6 s). ETAs are in city seconds; due times are on the mesh's clock.
    public init(mesh: Mesh, cityTimeScale: Double) {
        precondition(cityTimeScale > 0, "the city time scale must be above 0, got \(cityTimeScale)")
        self.mesh = mesh
        self.cityTimeScale = cityTimeScale
    }

    private var now: Double { Self.seconds(mesh.now()) }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    public var router: Router {
        var router = Router()
        router.post("/trips") { [self] request, context in
            guard context.caller == "dispatch-service" else { throw HTTPError(403, "trips are created by dispatch-service, not \(context.caller ?? "an outside client")") }
            let body = try request.decode(CreateTrip.self)
            guard body.quotedFareCents > 0 else { throw BadRequestError(message: "quotedFareCents must be above 0, got \(body.quotedFareCents)") }
            guard !body.offers.isEmpty else { throw BadRequestError(message: "a trip must be offered to at least one driver") }
            return .json(create(body), status: 201)
        }
        router.get("/trips/:id") { [self] _, context in
            .json(try trip(context.parameter("id")))
        }
        router.post("/trips/:id/accept") { [self] request, context in
            let driver = try signedInDriver(request)
            return try await accept(context.parameter("id"), by: driver, client: context.client)
        }
        router.post("/trips/:id/pickup") { [self] request, context in
            let driver = try signedInDriver(request)
            return try await pickUp(context.parameter("id"), by: driver, client: context.client)
        }
        router.post("/trips/:id/complete") { [self] request, context in
            let driver = try signedInDriver(request)
            let id = try context.parameter("id")
            let trip = try trip(id)
            guard trip.driverId == driver else { throw HTTPError(403, "\(driver) is not the driver of trip \(id)") }
            return .json(try await complete(id, client: context.client))
        }
        router.post("/trips/:id/cancel") { [self] request, context in
            let id = try context.parameter("id")
            let trip = try trip(id)
            if let user = request.headers[MeshHeader.userID], user != trip.riderId, user != trip.driverId {
                throw HTTPError(403, "\(user) is neither the rider nor the driver of trip \(id)")
            }
            let reason = (try? request.decode(Cancel.self))?.reason ?? "cancelled by \(request.headers[MeshHeader.userID] ?? context.caller ?? "the system")"
            return .json(try await cancel(id, reason: reason, client: context.client))
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    private func signedInDriver(_ request: Request) throws -> String {
        guard let user = request.headers[MeshHeader.userID] else { throw HTTPError(401, "no driver: sign in as a driver") }
        guard (request.headers[MeshHeader.userRoles] ?? "").split(separator: ",").contains("driver") else {
            throw HTTPError(403, "\(user) is not a driver")
        }
        return user
    }

    private func trip(_ id: String) throws -> Trip {
        guard let trip = state.withLock({ $0.trips[id] }) else { throw HTTPError(404, "no trip '\(id)'") }
        return trip
    }

    // MARK: Transitions

    /// Applies `event` to trip `id` under the lock, then `change`: a compare-and-set on the status.
    private func apply(_ event: TripEvent, to id: String, _ change: (inout Trip, inout Stats) -> Void = { _, _ in }) throws -> Trip {
        try state.withLock { state in
            guard var trip = state.trips[id] else { throw HTTPError(404, "no trip '\(id)'") }
            do {
                trip.status = try TripStateMachine.next(trip.status, on: event)
            } catch {
                throw HTTPError(409, "trip \(id): \(error)")
            }
            change(&trip, &state.stats)
            state.trips[id] = trip
            if trip.status.isFinal { state.open.remove(id) }
            return trip
        }
    }

    private func create(_ body: CreateTrip) -> Trip {
        let now = self.now
        return state.withLock { state in
            state.nextNumber += 1
            let trip = Trip(id: "t-\(state.nextNumber)", riderId: body.riderId, tier: body.tier, pickup: body.pickup, dropoff: body.dropoff,
                            status: .requested, driverId: nil, quotedFareCents: body.quotedFareCents, surge: body.surge, offers: body.offers,
                            tripSeconds: body.tripSeconds, requestedAt: now)
            state.trips[trip.id] = trip
            state.open.insert(trip.id)
            state.stats.created += 1
            return trip
        }
    }

    /// The race: claim the driver, then take the trip; exactly one offered driver gets 200.
    ///
    /// Safe against the handler being cut short (its caller's timeout cancels it): a claim whose
    /// outcome is unknown, or that lost, is released, at once or as a follow-up; and the winner
    /// is accepted and sent on its way in one step, so no trip is left accepted with no pickup due.
    func accept(_ id: String, by driver: String, client: MeshClient) async throws -> Response {
        let trip = try trip(id)
        guard let offer = trip.offers.first(where: { $0.driverId == driver }) else {
            throw HTTPError(403, "trip \(id) was not offered to \(driver)")
        }
        if trip.status != .requested {
            if trip.driverId == driver { return .json(trip) }
            return lost(trip, driver)
        }
        let claim: Response
        do {
            claim = try await client.post("driver-service", "/drivers/\(driver)/claim", json: DriverService.TripReference(tripId: id))
        } catch {
            // The claim may have been made: undo it (a release of a claim never made is a no-op).
            enqueue(.release(driver: driver, trip: id))
            throw error
        }
        if claim.status == 409 {
            state.withLock { $0.stats.driversBusy += 1 }
            return .error(409, claim.errorMessage ?? "driver \(driver) is busy with another trip")
        }
        guard claim.isSuccess else {
            enqueue(.release(driver: driver, trip: id))
            return .error(503, "driver-service could not claim \(driver): \(claim.status) \(claim.errorMessage ?? "")")
        }

        let pickupDue = now + Double(offer.pickupEtaSeconds) / cityTimeScale
        let won: Trip? = state.withLock { state in
            guard var trip = state.trips[id], let accepted = try? TripStateMachine.next(trip.status, on: .accept),
                  let departed = try? TripStateMachine.next(accepted, on: .depart) else { return nil }
            trip.status = departed
            trip.driverId = driver
            trip.dueAt = pickupDue
            state.trips[id] = trip
            state.wins.append(RidesLedger.Win(tripId: id, driverId: driver))
            state.stats.accepted += 1
            return trip
        }
        guard let won else {
            if await !perform(.release(driver: driver, trip: id), client: client) { enqueue(.release(driver: driver, trip: id)) }
            return lost(try self.trip(id), driver)
        }

        // Won: tell the rider and start following the driver (both best effort).
        _ = try? await client.post("notification-service", "/notifications", json: RideNotificationService.Notification(
            recipient: won.riderId, kind: .driverAssigned, tripId: id, message: "\(driver) is on the way: about \(offer.pickupEtaSeconds / 60 + 1) min"))
        _ = try? await client.post("location-service", "/tracking", json: LocationService.Tracking(tripId: id, driverId: driver))
        let now = try self.trip(id)
        // Cancelled meanwhile: its end of tracking may have come before this start.
        if now.status.isFinal, await !perform(.stopTracking(trip: id), client: client) { enqueue(.stopTracking(trip: id)) }
        return .json(now)
    }

    /// The 409 for a driver whose accept came too late.
    private func lost(_ trip: Trip, _ driver: String) -> Response {
        if trip.driverId != nil {
            state.withLock { $0.stats.racesLost += 1 }
            return .error(409, "trip \(trip.id) was already accepted by another driver")
        }
        return .error(409, "trip \(trip.id) is \(trip.status.rawValue) and can no longer be accepted")
    }

    private func pickUp(_ id: String, by driver: String, client: MeshClient) async throws -> Response {
        let trip = try trip(id)
        guard trip.driverId == driver else { throw HTTPError(403, "\(driver) is not the driver of trip \(id)") }
        if trip.status == .inProgress || trip.status == .completed { return .json(trip) }
        let dropoffDue = now + Double(trip.tripSeconds) / cityTimeScale
        let pickedUp = try apply(.pickUp, to: id) { trip, stats in
            trip.dueAt = dropoffDue
            stats.pickedUp += 1
        }
        // The driver's status follows (en route → on trip); if this fails the driver stays
        // committed to the same trip, which is all the claim guarantees.
        _ = try? await client.post("driver-service", "/drivers/\(driver)/start", json: DriverService.TripReference(tripId: id))
        return .json(pickedUp)
    }

    /// Completes trip `id` (in progress → completed) and does what it owes: the charge of its
    /// quoted fare, the driver's release and the end of tracking. Completing twice is harmless.
    func complete(_ id: String, client: MeshClient) async throws -> Trip {
        let trip = try trip(id)
        if trip.status == .completed { return trip }
        let completed = try apply(.dropOff, to: id) { trip, stats in
            trip.dueAt = nil
            stats.completed += 1
        }
        for followUp in [FollowUp.charge(trip: id), .release(driver: completed.driverId!, trip: id), .stopTracking(trip: id)] {
            guard await !perform(followUp, client: client) else { continue }
            if case .charge = followUp { state.withLock { $0.stats.chargesDeferred += 1 } }
            enqueue(followUp)
        }
        _ = try? await client.post("notification-service", "/notifications", json: RideNotificationService.Notification(
            recipient: completed.riderId, kind: .receipt, tripId: id, message: "trip \(id): \(completed.quotedFareCents) cents"))
        return completed
    }

    /// Cancels trip `id` (from requested, accepted or en route) and frees its driver.
    func cancel(_ id: String, reason: String, expired: Bool = false, client: MeshClient) async throws -> Trip {
        let trip = try trip(id)
        if trip.status == .cancelled { return trip }
        let cancelled = try apply(.cancel, to: id) { trip, stats in
            trip.reason = reason
            trip.dueAt = nil
            stats.cancelled += 1
            if expired { stats.expired += 1 }
        }
        if let driver = cancelled.driverId {
            for followUp in [FollowUp.release(driver: driver, trip: id), .stopTracking(trip: id)] {
                if await !perform(followUp, client: client) { enqueue(followUp) }
            }
            _ = try? await client.post("notification-service", "/notifications", json: RideNotificationService.Notification(
                recipient: driver, kind: .tripCancelled, tripId: id, message: "trip \(id) was cancelled: \(reason)"))
        }
        return cancelled
    }

    // MARK: Follow-ups

    private func enqueue(_ followUp: FollowUp) {
        state.withLock { state in
            if !state.followUps.contains(followUp) { state.followUps.append(followUp) }
        }
    }

    /// Does one follow-up; false when it has to be tried again.
    private func perform(_ followUp: FollowUp, client: MeshClient) async -> Bool {
        do {
            switch followUp {
            case .charge(let id):
                guard let trip = state.withLock({ $0.trips[id] }) else { return true }
                let charge = RidePaymentService.ChargeRequest(tripId: id, riderId: trip.riderId, amountCents: trip.quotedFareCents)
                return try await client.post("payment-service", "/payments", json: charge, headers: [MeshHeader.idempotencyKey: "trip-\(id)"]).isSuccess
            case .release(let driver, let trip):
                return try await client.post("driver-service", "/drivers/\(driver)/release", json: DriverService.TripReference(tripId: trip)).isSuccess
            case .stopTracking(let trip):
                return try await client.call("location-service", Request(method: .delete, path: "/tracking/\(trip)")).isSuccess
            }
        } catch {
            return false
        }
    }

    /// Retries every follow-up owed, oldest first; returns how many are still owed.
    @discardableResult
    public func processFollowUps(client: MeshClient) async -> Int {
        let batch = state.withLock { state in
            defer { state.followUps.removeAll() }
            return state.followUps
        }
        for followUp in batch {
            if await !perform(followUp, client: client) { enqueue(followUp) }
        }
        return pendingFollowUpCount
    }

    public var pendingFollowUpCount: Int { state.withLock { $0.followUps.count } }

    // MARK: The clock's work

    /// What drivers' apps report now: pickups and dropoffs that are due, by trip id.
    public func dueDriverActions() -> [DriverAction] {
        let now = self.now
        return state.withLock { state in
            state.open.compactMap { id -> DriverAction? in
                guard let trip = state.trips[id], let due = trip.dueAt, due <= now, let driver = trip.driverId else { return nil }
                switch trip.status {
                case .enRoute: return DriverAction(tripId: id, driverId: driver, kind: .pickUp, at: trip.pickup)
                case .inProgress: return DriverAction(tripId: id, driverId: driver, kind: .dropOff, at: trip.dropoff)
                default: return nil
                }
            }
        }.sorted { RidesInvariantChecker.idOrder($0.tripId, $1.tripId) }
    }

    /// Cancels trips no offered driver accepted within ``offerTimeout``.
    public func expireOffers(client: MeshClient) async {
        let cutoff = now - Self.seconds(Self.offerTimeout)
        let stale = state.withLock { state in
            state.open.filter { state.trips[$0].map { $0.status == .requested && $0.requestedAt <= cutoff } ?? false }
        }.sorted(by: RidesInvariantChecker.idOrder)
        for id in stale {
            _ = try? await cancel(id, reason: "no offered driver accepted within \(Int(Self.seconds(Self.offerTimeout))) s", expired: true, client: client)
        }
    }

    /// Ends every open trip the run's way: a trip in progress is completed (the rider is dropped
    /// off, and charged the quoted fare as upfront pricing does), any other is cancelled. Then
    /// retries what is owed. Returns how many trips are still open (0 unless a transition failed).
    @discardableResult
    public func endOpenTrips(reason: String, client: MeshClient) async -> Int {
        let open = state.withLock { Array($0.open) }.sorted(by: RidesInvariantChecker.idOrder)
        for id in open {
            guard let status = state.withLock({ $0.trips[id]?.status }) else { continue }
            if status == .inProgress {
                _ = try? await complete(id, client: client)
            } else if !status.isFinal {
                _ = try? await cancel(id, reason: reason, client: client)
            }
        }
        await processFollowUps(client: client)
        return state.withLock { $0.open.count }
    }

    // MARK: Reading

    public var statistics: Stats { state.withLock { $0.stats } }

    public var openTripCount: Int { state.withLock { $0.open.count } }

    /// The trip with id `id`, or nil.
    public func trip(id: String) -> Trip? { state.withLock { $0.trips[id] } }

    public func ledgerTrips() -> [RidesLedger.Trip] {
        state.withLock { $0.trips.values.map { RidesLedger.Trip(id: $0.id, status: $0.status, driverId: $0.driverId, quotedFareCents: $0.quotedFareCents) } }
            .sorted { RidesInvariantChecker.idOrder($0.id, $1.id) }
    }

    public func ledgerWins() -> [RidesLedger.Win] { state.withLock { $0.wins } }

    public func pendingFollowUps() -> [String] { state.withLock { $0.followUps.map(\.description) } }
}
