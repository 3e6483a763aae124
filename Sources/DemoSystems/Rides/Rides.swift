import Randomness
import Resilience
import ServiceMesh
import Telemetry

/// The ride-hailing system: riders request rides, dispatch finds nearby drivers through a geo
/// index and offers each trip to a few of them, the drivers race to accept (exactly one wins),
/// and trips run requested → accepted → en route → in progress → completed, charged the fare
/// quoted up front (surge included), once.
///
/// ```swift
/// let rides = Rides(clock: ContinuousClock(), seed: 42)
/// let response = await rides.send(.requestRide, index: 0)
/// let violations = RidesInvariantChecker.check(rides.ledger())
/// ```
///
/// Trips play on a compressed clock: a second of the run is ``cityTimeScale`` seconds of city
/// time, so a 10-minute ride lasts 6 s. ``runBackgroundWork(clock:)`` plays the drivers' apps:
/// it reports pickups and dropoffs when they are due, expires offers nobody accepted and retries
/// what ended trips still owe.
public final class Rides: DemoSystem {
    public static let systemName = "rides"
    public static let profile = SystemProfile(
        name: systemName,
        summary: "Ride hailing: a geo index of moving drivers, surge pricing, drivers racing to accept a trip, fraud checks, a location breaker",
        services: ["gateway", "rider-service", "driver-service", "vehicle-service", "location-service", "eta-service", "pricing-service",
                   "dispatch-service", "trip-service", "payment-service", "notification-service", "fraud-service"],
        instances: ["gateway": 2, "rider-service": 2, "driver-service": 2, "location-service": 2, "eta-service": 2, "pricing-service": 2,
                    "dispatch-service": 2, "trip-service": 2, "payment-service": 2, "fraud-service": 2],
        invariants: Invariant.rides)

    public static func make<C: Clock>(clock: C, seed: UInt64, time: TimeSource?) -> Rides where C.Duration == Duration {
        Rides(clock: clock, seed: seed, time: time)
    }

    public var trafficMix: TrafficMix { .rides }
    public static let locationBreakerID = DispatchService.locationBreakerID
    /// City seconds per second of the run.
    public static let cityTimeScale = 100.0

    public let mesh: Mesh
    public let seed: UInt64
    public let city: City
    public let riders: RiderService
    public let drivers: DriverService
    public let vehicles: VehicleService
    public let locations: LocationService
    public let etas: EtaService
    public let pricing: PricingService
    public let dispatch: DispatchService
    public let trips: TripService
    public let payments: RidePaymentService
    public let notifications: RideNotificationService
    public let fraud: FraudService
    /// How the background work and settling call trip-service's follow-ups: as trip-service.
    private let tripClient: MeshClient

    /// - Parameters:
    ///   - workScale: multiplies the simulated work time of handlers (0 for none, as in unit tests).
    ///   - networkLatency: added to every hop.
    ///   - drivers: the fleet, `d1` … `dN`, spread over the city.
    ///   - riders: rider accounts `r1` … `rN`.
    public init<C: Clock>(clock: C, seed: UInt64, workScale: Double = 1, networkLatency: Duration = .microseconds(300),
                          time: TimeSource? = nil, drivers driverCount: Int = 2_000, riders riderCount: Int = 20_000) where C.Duration == Duration {
        precondition(driverCount > 0 && riderCount > 0, "the rides system needs at least one driver and one rider")
        self.seed = seed
        city = .standard
        let telemetry = MeshTelemetry(time: time ?? TimeSource(clock: clock), seed: seed)
        let mesh = Mesh(name: Self.systemName, clock: clock, telemetry: telemetry,
                        configuration: Mesh.Configuration(networkLatency: networkLatency, seed: seed),
                        controlPlane: ControlPlane(defaultPolicy: Self.defaultPolicy))
        self.mesh = mesh
        // Requesting a ride is not idempotent (each is a new trip): the gateway must not retry it.
        // It gets 2 s: dispatch makes nine calls in a row.
        var booking = Self.defaultPolicy
        booking.retry = nil
        booking.timeout = .seconds(2)
        mesh.controlPlane.setPolicy(booking, caller: "gateway", target: "dispatch-service")
        // A nearby search is quick or useless: 250 ms an attempt, so a slow location-service
        // trips dispatch's breaker and dispatch degrades instead of holding every ride.
        var search = Self.defaultPolicy
        search.timeout = Self.locationSearchTimeout
        mesh.controlPlane.setPolicy(search, caller: "dispatch-service", target: "location-service")

        let now: @Sendable () -> Duration = { mesh.now() }
        let work = { (salt: UInt64) in WorkSimulator(clock: clock, seed: seed &+ salt, scale: workScale) }
        riders = RiderService(count: riderCount, seed: seed, work: work(11))
        drivers = DriverService(count: driverCount, work: work(12))
        vehicles = VehicleService(drivers: driverCount, seed: seed, work: work(13))
        locations = LocationService(drivers: driverCount, city: city, seed: seed, work: work(14))
        etas = EtaService(work: work(15))
        pricing = PricingService(now: now, work: work(16))
        dispatch = DispatchService(city: city, mesh: mesh, work: work(17))
        trips = TripService(mesh: mesh, cityTimeScale: Self.cityTimeScale)
        payments = RidePaymentService(work: work(18))
        notifications = RideNotificationService(work: work(19))
        fraud = FraudService(now: now, work: work(20))
        tripClient = mesh.client(as: "trip-service")

        var keys: [String: Principal] = [:]
        keys.reserveCapacity(riderCount + driverCount)
        for number in 1...riderCount { keys["key-r\(number)"] = Principal(userID: "r\(number)", roles: ["rider"]) }
        for number in 1...driverCount { keys["key-d\(number)"] = Principal(userID: "d\(number)", roles: ["driver"]) }
        let gateway = Gateway(
            routes: [
                Gateway.Route(prefix: "rides", service: "dispatch-service", requiredRoles: [.post: ["rider"]]),
                Gateway.Route(prefix: "trips", service: "trip-service"),
                Gateway.Route(prefix: "locations", service: "location-service", requiredRoles: [.put: ["driver"]]),
            ],
            apiKeys: keys,
            // No per-client buckets: each keeps metric series of its own, and the city has
            // thousands of clients. Riders are limited by fraud-service's per-rider window.
            rateLimit: nil, clock: clock, metrics: telemetry.metrics)

        Self.profile.deploy([gateway, riders, drivers, vehicles, locations, etas, pricing, dispatch, trips, payments, notifications, fraud], on: mesh)
    }

    /// The per-attempt timeout of dispatch-service's nearby searches.
    public static let locationSearchTimeout = Duration.milliseconds(250)

    /// ``CallPolicy/demoDefault``: what every call gets unless set otherwise above.
    public static let defaultPolicy = CallPolicy.demoDefault

    // MARK: The drivers' apps

    /// The clock's work: drivers report due pickups and dropoffs (through the gateway, as their
    /// apps would), unaccepted offers expire, and owed follow-ups are retried; every 100 ms until
    /// the calling task is cancelled. ``SystemRun`` runs it next to the mesh runtime.
    public func runBackgroundWork<C: Clock>(clock: C) async where C.Duration == Duration {
        while !Task.isCancelled {
            await advanceTrips()
            do { try await clock.sleep(for: .milliseconds(100)) } catch { return }
        }
    }

    /// One round of the background work.
    public func advanceTrips() async {
        let due = trips.dueDriverActions()
        await withTaskGroup(of: Void.self) { group in
            for action in due {
                group.addTask { await self.report(action) }
            }
        }
        await trips.expireOffers(client: tripClient)
        await trips.processFollowUps(client: tripClient)
    }

    /// A driver's app reporting a pickup or a dropoff: its position, then the trip's step.
    private func report(_ action: TripService.DriverAction) async {
        let key: Headers = [MeshHeader.apiKey: "key-\(action.driverId)"]
        if let move = try? Request(method: .put, path: "/api/locations/\(action.driverId)", headers: key, json: action.at) {
            _ = await mesh.ingress(move)
        }
        let step = action.kind == .pickUp ? "pickup" : "complete"
        _ = await mesh.ingress(Request(method: .post, path: "/api/trips/\(action.tripId)/\(step)", headers: key))
    }

    // MARK: Settling and checking

    /// Ends a run so its invariants can be checked: lifts every injected fault, then ends every
    /// open trip (completing those in progress, cancelling the rest) and retries what they owe
    /// (charges, drivers' releases) until nothing is owed or `timeout` has passed.
    public func settle<C: Clock>(clock: C, timeout: Duration = .seconds(20)) async where C.Duration == Duration {
        liftFaults()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let open = await trips.endOpenTrips(reason: "the run ended before the pickup", client: tripClient)
            if open == 0, trips.pendingFollowUpCount == 0 { break }
            guard clock.now < deadline else { break }
            do { try await clock.sleep(for: .milliseconds(100)) } catch { break }
        }
    }

    /// The system's state as the invariant checker reads it, from each service's own data.
    public func ledger() -> RidesLedger {
        RidesLedger(trips: trips.ledgerTrips(), assignments: drivers.ledgerAssignments(), wins: trips.ledgerWins(),
                    charges: payments.ledgerCharges(), drivers: drivers.ledgerDrivers(), pendingFollowUps: trips.pendingFollowUps())
    }

    public func checkInvariants() -> [Violation] {
        RidesInvariantChecker.check(ledger())
    }

    /// The services' own counters.
    public func domainFigures() -> DomainFigures {
        let dispatched = dispatch.statistics
        let trip = trips.statistics
        let located = locations.statistics
        let priced = pricing.statistics
        return DomainFigures([
            "ridesRequested": .count(dispatched.requested),
            "ridesDispatched": .count(dispatched.dispatched),
            "ridesAccepted": .count(trip.accepted),
            "racesLost": .count(trip.racesLost),
            "driversBusy": .count(trip.driversBusy),
            "ridesCompleted": .count(trip.completed),
            "ridesCancelled": .count(trip.cancelled),
            "offersExpired": .count(trip.expired),
            "fraudRefused": .count(fraud.statistics.flaggedTotal),
            "ridersRefused": .count(dispatched.ridersRefused),
            "noDriverFound": .count(dispatched.noDriverFound),
            "dispatchDegraded": .count(dispatched.degraded),
            "dispatchedFromCache": .count(dispatched.fromCache),
            "surgedQuotes": .count(priced.surgedQuotes),
            "surgeRatioMax": .ratio(priced.maximumSurge),
            "fareEstimates": .count(dispatched.estimates),
            "locationUpdates": .count(located.updates),
            "nearbySearches": .count(located.searches),
            "trackedUpdates": .count(located.trackedUpdates),
            "paymentsCaptured": .count(payments.paymentCount),
            "paymentReplays": .count(payments.replayCount),
            "chargesDeferred": .count(trip.chargesDeferred),
            "notificationsSent": .count(notifications.total),
        ])
    }
}
