import DemoSystems
import Foundation
import ServiceMesh
import Telemetry
import Testing

/// The rides system on a manual clock with no simulated work or network latency, and a small
/// fleet the tests place by hand: calls go through the real gateway, sidecars and services.
struct RidesHarness {
    let clock = ManualClock()
    let rides: Rides

    init(seed: UInt64 = 1, drivers: Int = 40, riders: Int = 300) {
        rides = Rides(clock: clock, seed: seed, workScale: 0, networkLatency: .zero,
                      time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000), drivers: drivers, riders: riders)
    }

    var mesh: Mesh { rides.mesh }
    var city: City { rides.city }

    /// A request through the gateway with `user`'s API key (none when nil).
    func send(_ method: HTTPMethod, _ path: String, as user: String?, body: (some Encodable)? = Optional<String>.none) async throws -> Response {
        var headers = Headers()
        if let user { headers[MeshHeader.apiKey] = "key-\(user)" }
        let request = try body.map { try Request(method: method, path: path, headers: headers, json: $0) } ?? Request(method: method, path: path, headers: headers)
        return await mesh.ingress(request)
    }

    /// Moves every driver to the city's far corner, then `placed` drivers to their points.
    func place(_ placed: [String: GeoPoint]) async throws {
        let corner = city.center.offset(northMeters: -5_900, eastMeters: -5_900)
        for number in 1...rides.drivers.count {
            let driver = "d\(number)"
            let response = try await send(.put, "/api/locations/\(driver)", as: driver, body: placed[driver] ?? corner)
            #expect(response.status == 204)
        }
    }

    /// The first rider of `tier` in good standing.
    func rider(of tier: RideTier) -> String {
        (1...rides.riders.count).lazy.map { "r\($0)" }.first { rides.riders.rider($0)!.tier == tier && !rides.riders.rider($0)!.suspended }!
    }

    /// Drivers whose vehicle serves standard rides (every one does), first `count` of them.
    func drivers(_ count: Int) -> [String] { (1...count).map { "d\($0)" } }

    /// A trip created as dispatch-service would, offered to `drivers`.
    func createTrip(offeredTo drivers: [String], rider: String = "r1", fare: Int = 1_500, tripSeconds: Int = 600) async throws -> TripService.Trip {
        let create = TripService.CreateTrip(riderId: rider, tier: .standard, pickup: city.center, dropoff: city.center.offset(northMeters: 3_000, eastMeters: 0),
                                            quotedFareCents: fare, surge: 1, offers: drivers.map { TripService.Offer(driverId: $0, pickupEtaSeconds: 200) },
                                            tripSeconds: tripSeconds)
        let response = try await mesh.client(as: "dispatch-service").post("trip-service", "/trips", json: create)
        #expect(response.status == 201)
        return try response.decode(TripService.Trip.self)
    }

    /// Every driver in `drivers` accepts `trip` at the same moment; the statuses by driver.
    func race(_ trip: String, _ drivers: [String]) async -> [String: Int] {
        await withTaskGroup(of: (String, Int).self) { group in
            for driver in drivers {
                group.addTask {
                    let response = await mesh.ingress(Request(method: .post, path: "/api/trips/\(trip)/accept", headers: [MeshHeader.apiKey: "key-\(driver)"]))
                    return (driver, response.status)
                }
            }
            var statuses: [String: Int] = [:]
            for await (driver, status) in group { statuses[driver] = status }
            return statuses
        }
    }
}

@Suite("Rides: each service's handlers")
struct RidesServiceTests {
    @Test("rider-service finds riders with their tier, says who is suspended, and 404s an unknown one")
    func riders() async throws {
        let test = RidesHarness()
        let client = test.mesh.client(as: "test")
        let rider = try await client.get("rider-service", "/riders/r7").decode(RiderService.Rider.self)
        #expect(rider.id == "r7" && !rider.suspended)
        #expect(try await client.get("rider-service", "/riders/r100").decode(RiderService.Rider.self).suspended)
        let unknown = try await client.get("rider-service", "/riders/r301")
        #expect(unknown.status == 404 && unknown.errorMessage == "no rider 'r301'")
    }

    @Test("vehicle-service keeps the drivers whose car may serve the tier")
    func vehicles() async throws {
        let test = RidesHarness()
        let all = test.drivers(40)
        let classes = Dictionary(uniqueKeysWithValues: all.map { ($0, test.rides.vehicles.vehicle(of: $0)!.vehicleClass) })
        for tier in RideTier.allCases {
            let response = try await test.mesh.client(as: "test").post("vehicle-service", "/vehicles/eligible", json: VehicleService.EligibilityQuery(driverIds: all + ["d999"], tier: tier))
            let eligible = try response.decode(VehicleService.DriverList.self).driverIds
            #expect(eligible == all.filter { tier.isServed(by: classes[$0]!) })
        }
        #expect(Set(classes.values).count == 3, "the fleet has every class")
    }

    @Test("location-service: a driver moves itself only, bad positions are refused, and a nearby search answers as the index does")
    func locations() async throws {
        let test = RidesHarness()
        let here = test.city.center.offset(northMeters: 100, eastMeters: -200)
        #expect(try await test.send(.put, "/api/locations/d3", as: "d3", body: here).status == 204)
        #expect(test.rides.locations.position(of: "d3") == here)
        let other = try await test.send(.put, "/api/locations/d4", as: "d3", body: here)
        #expect(other.status == 403 && other.errorMessage == "d3 may not report d4's position")
        #expect(try await test.send(.put, "/api/locations/d4", as: "r1", body: here).status == 403, "a rider may not move a driver")
        let bad = try await test.send(.put, "/api/locations/d3", as: "d3", body: GeoPoint(latitude: 91, longitude: 0))
        #expect(bad.status == 400 && bad.errorMessage == "not a position: latitude 91.0 is outside -90…90")
        #expect(try await test.mesh.client(as: "test").call("location-service", try Request(method: .put, path: "/locations/d41", json: here)).status == 404)

        let client = test.mesh.client(as: "test")
        let c = test.city.center
        let found = try await client.get("location-service", "/nearby?lat=\(c.latitude)&lon=\(c.longitude)&radius=3000&limit=10")
            .decode(LocationService.NearbyDrivers.self).drivers
        #expect(found == test.rides.locations.nearby(c, radiusMeters: 3_000, limit: 10))
        #expect(found.contains { $0.driverId == "d3" })
        #expect(found.map(\.distanceMeters) == found.map(\.distanceMeters).sorted())
        let wide = try await client.get("location-service", "/nearby?lat=\(c.latitude)&lon=\(c.longitude)&radius=60000")
        #expect(wide.status == 400 && wide.errorMessage == "radius must be above 0 and at most 50000 metres, got 60000.0")
        #expect(try await client.get("location-service", "/nearby?lat=abc&lon=1&radius=5").errorMessage == "query parameter 'lat' should be a number, got 'abc'")
    }

    @Test("eta-service times pickups from each origin and the ride itself")
    func etas() async throws {
        let test = RidesHarness()
        let c = test.city.center
        let query = EtaService.Query(pickup: c, dropoff: c.offset(northMeters: 1_000, eastMeters: 0), origins: [c, c.offset(northMeters: 0, eastMeters: 1_000)])
        let estimates = try await test.mesh.client(as: "test").post("eta-service", "/etas", json: query).decode(EtaService.Estimates.self)
        #expect(estimates == EtaService.Estimates(pickupSeconds: [30, 186], tripSeconds: 186))
    }

    @Test("pricing-service counts ride requests per zone in a sliding window, surges on demand over supply, and estimates add no demand")
    func pricing() async throws {
        let test = RidesHarness()
        let client = test.mesh.client(as: "test")
        let c = test.city.center
        func quote(supply: Int, request: Bool = true) async throws -> PricingService.Quote {
            let body = PricingService.QuoteRequest(pickup: c, dropoff: c.offset(northMeters: 10_000 / 1.3, eastMeters: 0), tier: .standard, supply: supply, isRideRequest: request)
            return try await client.post("pricing-service", "/quotes", json: body).decode(PricingService.Quote.self)
        }
        let first = try await quote(supply: 2)
        #expect(first.surge == 1 && first.demand == 1)
        #expect(abs(first.fareCents - 1_450) <= 1, "10 km of road: 250 + 10 × 120 cents")
        _ = try await quote(supply: 2)
        let third = try await quote(supply: 2)
        #expect(third.demand == 3 && third.surge == 1.2, "3 requests for 2 drivers: 1 + 0.5 × 0.5, in tenths")
        #expect(try await quote(supply: 2, request: false).demand == 3)
        test.clock.advance(by: PricingService.demandWindow)
        #expect(try await quote(supply: 2).demand == 1, "the window moved on")
        #expect(test.rides.pricing.statistics.maximumSurge == 1.2)
        #expect(try await client.post("pricing-service", "/quotes", json: PricingService.QuoteRequest(pickup: c, dropoff: c, tier: .standard, supply: -1, isRideRequest: true)).status == 400)
    }

    @Test("payment-service charges once per key: a repeat replays the first charge, another amount under the key is refused")
    func payments() async throws {
        let test = RidesHarness()
        let client = test.mesh.client(as: "test")
        let charge = RidePaymentService.ChargeRequest(tripId: "t-1", riderId: "r1", amountCents: 1_234)
        let key: Headers = [MeshHeader.idempotencyKey: "trip-t-1"]
        #expect(try await client.post("payment-service", "/payments", json: charge, headers: key).status == 201)
        let again = try await client.post("payment-service", "/payments", json: charge, headers: key)
        #expect(again.status == 200)
        #expect(try again.decode(RidePaymentService.Payment.self).captures == 1)
        var other = charge
        other.amountCents = 999
        #expect(try await client.post("payment-service", "/payments", json: other, headers: key).status == 409)
        #expect(try await client.post("payment-service", "/payments", json: charge, headers: [MeshHeader.idempotencyKey: "another"]).status == 409,
                "the trip was charged already")
        #expect(test.rides.payments.ledgerCharges() == [RidesLedger.Charge(tripId: "t-1", amountCents: 1_234, captures: 1)])
        #expect(test.rides.payments.replayCount == 1)
        other.amountCents = 0
        #expect(try await client.post("payment-service", "/payments", json: other).status == 400)
    }
}

@Suite("Rides: booking, the accept race and a trip's life")
struct RidesTripTests {
    @Test("a ride is priced, offered to the three nearest free drivers by pickup time, and created requested with its quoted fare")
    func dispatch() async throws {
        let test = RidesHarness()
        let c = test.city.center
        try await test.place(["d1": c.offset(northMeters: 900, eastMeters: 0), "d2": c.offset(northMeters: 0, eastMeters: 200),
                              "d3": c.offset(northMeters: -400, eastMeters: 0), "d4": c.offset(northMeters: 0, eastMeters: -2_500),
                              "d5": c.offset(northMeters: 0, eastMeters: 1_600)])
        // d2 is busy with another trip: it must not be offered this one.
        let busy = try await test.createTrip(offeredTo: ["d2"])
        #expect(await test.race(busy.id, ["d2"]) == ["d2": 200])

        let rider = test.rider(of: .standard)
        let dropoff = c.offset(northMeters: 4_000, eastMeters: 0)
        let response = try await test.send(.post, "/api/rides", as: rider, body: DispatchService.RideRequest(pickup: c, dropoff: dropoff))
        #expect(response.status == 201, "\(response.errorMessage ?? "")")
        let dispatched = try response.decode(DispatchService.Dispatched.self)
        #expect(dispatched.offeredTo == ["d3", "d1", "d5"])
        #expect(dispatched.surge == 1)
        let policy = FarePolicy()
        #expect(dispatched.quotedFareCents == policy.fareCents(roadMeters: policy.roadMeters(from: c, to: dropoff), tier: .standard, surge: 1))
        let trip = try #require(test.rides.trips.trip(id: dispatched.tripId))
        #expect(trip.status == .requested && trip.riderId == rider && trip.quotedFareCents == dispatched.quotedFareCents)
        #expect(test.rides.notifications.count(.rideOffer) == 3)
        #expect(test.rides.dispatch.statistics.dispatched == 1)
    }

    @Test("many drivers accept at once: exactly one gets 200, every other 409, and only the winner is committed", arguments: [2, 8, 20])
    func acceptRace(drivers count: Int) async throws {
        let test = RidesHarness()
        let drivers = test.drivers(count)
        for round in 1...5 {
            let trip = try await test.createTrip(offeredTo: drivers)
            let statuses = await test.race(trip.id, drivers)
            let winners = statuses.filter { $0.value == 200 }.map(\.key)
            #expect(winners.count == 1, "round \(round): \(statuses)")
            #expect(statuses.values.filter { $0 == 409 }.count == count - 1)
            let after = try #require(test.rides.trips.trip(id: trip.id))
            #expect(after.status == .enRoute && after.driverId == winners.first)
            for driver in drivers {
                let status = try #require(test.rides.drivers.status(of: driver))
                #expect(status == (driver == winners.first ? .enRoute(trip: trip.id) : .available), "\(driver)")
            }
            // Free the winner for the next round.
            _ = try await test.send(.post, "/api/trips/\(trip.id)/cancel", as: after.riderId, body: TripService.Cancel(reason: "next round"))
        }
        #expect(test.rides.trips.statistics.accepted == 5)
        #expect(test.rides.trips.statistics.racesLost + test.rides.trips.statistics.driversBusy == 5 * (count - 1))
        #expect(test.rides.trips.statistics.racesLost > 0)
        #expect(RidesInvariantChecker.check(test.rides.ledger()).isEmpty)
    }

    @Test("a driver offered two trips who accepts both at once wins one; the other trip stays open for another driver")
    func oneDriverTwoTrips() async throws {
        let test = RidesHarness()
        let first = try await test.createTrip(offeredTo: ["d1", "d2"])
        let second = try await test.createTrip(offeredTo: ["d1", "d3"])
        let statuses = await withTaskGroup(of: Int.self) { group in
            for trip in [first.id, second.id] {
                group.addTask { await test.mesh.ingress(Request(method: .post, path: "/api/trips/\(trip)/accept", headers: [MeshHeader.apiKey: "key-d1"])).status }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.sorted() == [200, 409])
        let open = [first, second].first { test.rides.trips.trip(id: $0.id)!.status == .requested }!
        let other = open.id == first.id ? "d2" : "d3"
        #expect(await test.race(open.id, [other]) == [other: 200])
        #expect(test.rides.trips.statistics.driversBusy == 1)
        #expect(RidesInvariantChecker.check(test.rides.ledger(), drained: false).isEmpty)
    }

    @Test("accepting is for offered drivers only, and the same accept again answers as the first did")
    func acceptRules() async throws {
        let test = RidesHarness()
        let trip = try await test.createTrip(offeredTo: ["d1"])
        #expect(try await test.send(.post, "/api/trips/\(trip.id)/accept", as: "d2").status == 403)
        #expect(try await test.send(.post, "/api/trips/\(trip.id)/accept", as: "r1").errorMessage == "r1 is not a driver")
        #expect(try await test.send(.post, "/api/trips/t-404/accept", as: "d1").status == 404)
        #expect(try await test.send(.post, "/api/trips/\(trip.id)/accept", as: "d1").status == 200)
        #expect(try await test.send(.post, "/api/trips/\(trip.id)/accept", as: "d1").status == 200)
        #expect(test.rides.trips.statistics.accepted == 1)
        #expect(test.rides.ledger().wins.count == 1)
    }

    @Test("a trip is picked up and completed when due, charged its quoted fare once, and its driver freed")
    func lifeOfATrip() async throws {
        let test = RidesHarness()
        let trip = try await test.createTrip(offeredTo: ["d1", "d2"], fare: 2_345, tripSeconds: 600)
        _ = await test.race(trip.id, ["d1", "d2"])
        let accepted = try #require(test.rides.trips.trip(id: trip.id))
        let driver = try #require(accepted.driverId)
        #expect(test.rides.locations.trackedTrips == [trip.id])
        #expect(test.rides.notifications.count(.driverAssigned) == 1)

        // Pickup is due 200 city seconds later: 2 s of the run.
        await test.rides.advanceTrips()
        #expect(test.rides.trips.trip(id: trip.id)?.status == .enRoute)
        test.clock.advance(by: .seconds(2))
        await test.rides.advanceTrips()
        #expect(test.rides.trips.trip(id: trip.id)?.status == .inProgress)
        #expect(test.rides.drivers.status(of: driver) == .onTrip(trip: trip.id))
        #expect(test.rides.locations.position(of: driver) == test.city.center)

        // The ride takes 600 city seconds: 6 s.
        test.clock.advance(by: .seconds(6))
        await test.rides.advanceTrips()
        #expect(test.rides.trips.trip(id: trip.id)?.status == .completed)
        #expect(test.rides.payments.ledgerCharges() == [RidesLedger.Charge(tripId: trip.id, amountCents: 2_345, captures: 1)])
        #expect(test.rides.drivers.status(of: driver) == .available)
        #expect(test.rides.locations.trackedTrips.isEmpty)
        #expect(test.rides.locations.position(of: driver) == accepted.dropoff)

        // Completing again changes nothing.
        #expect(try await test.send(.post, "/api/trips/\(trip.id)/complete", as: driver).status == 200)
        #expect(test.rides.payments.ledgerCharges().map(\.captures) == [1])
        #expect(test.rides.trips.statistics.completed == 1)
        #expect(RidesInvariantChecker.check(test.rides.ledger()).isEmpty)
    }

    @Test("a rider cancels while the driver is on the way (the driver is freed); a trip in progress cannot be cancelled; strangers may not cancel")
    func cancelling() async throws {
        let test = RidesHarness()
        let trip = try await test.createTrip(offeredTo: ["d1"])
        _ = await test.race(trip.id, ["d1"])
        #expect(try await test.send(.post, "/api/trips/\(trip.id)/cancel", as: "r2", body: TripService.Cancel(reason: "x")).status == 403)
        let cancelled = try await test.send(.post, "/api/trips/\(trip.id)/cancel", as: "r1", body: TripService.Cancel(reason: "changed my mind"))
        #expect(cancelled.status == 200)
        #expect(try cancelled.decode(TripService.Trip.self).reason == "changed my mind")
        #expect(test.rides.drivers.status(of: "d1") == .available)

        let riding = try await test.createTrip(offeredTo: ["d1"])
        _ = await test.race(riding.id, ["d1"])
        #expect(try await test.send(.post, "/api/trips/\(riding.id)/pickup", as: "d1").status == 200)
        let refused = try await test.send(.post, "/api/trips/\(riding.id)/cancel", as: "r1", body: TripService.Cancel(reason: "too late"))
        #expect(refused.status == 409)
        #expect(refused.errorMessage == "trip \(riding.id): cannot cancel a trip that is inProgress (allowed from: requested, accepted, enRoute)")
    }

    @Test("offers nobody accepts expire after 3 s and the trip is cancelled")
    func expiry() async throws {
        let test = RidesHarness()
        let trip = try await test.createTrip(offeredTo: ["d1", "d2"])
        await test.rides.advanceTrips()
        #expect(test.rides.trips.trip(id: trip.id)?.status == .requested)
        test.clock.advance(by: TripService.offerTimeout)
        await test.rides.advanceTrips()
        let expired = try #require(test.rides.trips.trip(id: trip.id))
        #expect(expired.status == .cancelled && expired.reason == "no offered driver accepted within 3 s")
        #expect(test.rides.trips.statistics.expired == 1)
        #expect(try await test.send(.post, "/api/trips/\(trip.id)/accept", as: "d1").errorMessage == "trip \(trip.id) is cancelled and can no longer be accepted")
    }

    @Test("fraud-service refuses an impossible distance and a burst of requests; a suspended or unknown rider is refused too")
    func refusals() async throws {
        let test = RidesHarness()
        let c = test.city.center
        let rider = test.rider(of: .standard)
        let far = try await test.send(.post, "/api/rides", as: rider, body: DispatchService.RideRequest(pickup: c, dropoff: c.offset(northMeters: 250_000, eastMeters: 0)))
        #expect(far.status == 403)
        #expect(far.errorMessage == "ride refused: a 250 km ride is longer than the 100 km allowed")

        let other = test.rider(of: .comfort)
        var statuses: [Int] = []
        for _ in 1...5 {
            statuses.append(try await test.send(.post, "/api/rides", as: other, body: DispatchService.RideRequest(pickup: c, dropoff: c.offset(northMeters: 2_000, eastMeters: 0))).status)
        }
        #expect(!statuses.prefix(3).contains(403))
        #expect(Array(statuses.suffix(2)) == [403, 403])
        #expect(test.rides.fraud.statistics.flagged == [.impossibleDistance: 1, .tooManyRequests: 2])

        let suspended = try await test.send(.post, "/api/rides", as: "r100", body: DispatchService.RideRequest(pickup: c, dropoff: c))
        #expect(suspended.status == 403 && suspended.errorMessage == "rider r100 is suspended and may not book rides")
        #expect(try await test.send(.post, "/api/rides", as: "r9999", body: DispatchService.RideRequest(pickup: c, dropoff: c)).status == 401)
        let outside = try await test.send(.post, "/api/rides", as: rider, body: DispatchService.RideRequest(pickup: c.offset(northMeters: 20_000, eastMeters: 0), dropoff: c))
        #expect(outside.status == 422)
        #expect(try await test.send(.post, "/api/rides", as: "d1", body: DispatchService.RideRequest(pickup: c, dropoff: c)).status == 403, "drivers do not book rides")
    }

    @Test("settling completes the trip in progress (charged), cancels the rest, and leaves every driver free")
    func settling() async throws {
        let test = RidesHarness()
        let riding = try await test.createTrip(offeredTo: ["d1"], fare: 1_111)
        _ = await test.race(riding.id, ["d1"])
        #expect(try await test.send(.post, "/api/trips/\(riding.id)/pickup", as: "d1").status == 200)
        let onTheWay = try await test.createTrip(offeredTo: ["d2"])
        _ = await test.race(onTheWay.id, ["d2"])
        let waiting = try await test.createTrip(offeredTo: ["d3"])

        await test.rides.settle(clock: test.clock, timeout: .seconds(5))
        #expect(test.rides.trips.trip(id: riding.id)?.status == .completed)
        #expect(test.rides.trips.trip(id: onTheWay.id)?.status == .cancelled)
        #expect(test.rides.trips.trip(id: waiting.id)?.status == .cancelled)
        #expect(test.rides.payments.ledgerCharges() == [RidesLedger.Charge(tripId: riding.id, amountCents: 1_111)])
        #expect(test.rides.checkInvariants().isEmpty)
    }
}
