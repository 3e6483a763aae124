#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Randomness
import ServiceMesh

extension RequestKind {
    /// A driver's app reports where the driver is (`PUT /api/locations/:id`).
    public static let moveDriver = RequestKind("moveDriver")
    /// A rider requests a ride; the drivers it is offered to race to accept it, and now and then
    /// the rider cancels while the driver is on the way.
    public static let requestRide = RequestKind("requestRide")
    /// A rider asks what a ride would cost and how soon a car would come.
    public static let estimateFare = RequestKind("estimateFare")
    /// A ride 200–400 km long: fraud-service refuses it.
    public static let requestRideImpossibleDistance = RequestKind("requestRideImpossibleDistance")
    /// One rider requesting five rides in a row: fraud-service refuses those over its limit.
    public static let requestRideBurst = RequestKind("requestRideBurst")
    /// A suspended rider requests a ride: refused with 403.
    public static let requestRideSuspendedRider = RequestKind("requestRideSuspendedRider")

    /// The rides system's kinds.
    public static let rides: [RequestKind] = [
        .moveDriver, .requestRide, .estimateFare, .requestRideImpossibleDistance, .requestRideBurst, .requestRideSuspendedRider,
    ]
}

extension TrafficMix {
    /// The rides system's default. As in a real fleet, drivers' position updates are most of it;
    /// a fifth are ride requests (each a dozen calls, then its accept race and the trip's life),
    /// a tenth estimates, and a few requests fraud checks or suspensions refuse.
    public static let rides = constant([
        .moveDriver: 64,
        .requestRide: 20,
        .estimateFare: 10,
        .requestRideImpossibleDistance: 2,
        .requestRideBurst: 1,
        .requestRideSuspendedRider: 3,
    ])
}

extension Rides {
    /// Share of ride pickups drawn in a hot spot.
    static let hotSpotShare = 0.5
    /// Share of accepted rides the rider cancels while the driver is on the way.
    static let riderCancelShare = 0.04
    /// Rides a burst sends, one after the other.
    static let burstLength = 5

    /// The root of every request's own stream (see ``request(for:index:)``).
    private var requestSeed: UInt64 { SeededRandom.derivedSeed(seed, component: "rides.requests") }

    /// The first request a traffic arrival of `kind` sends, drawn from the seed and its index (so
    /// it does not depend on which task runs first). A driver's move starts from where
    /// location-service last saw the driver, as the driver's phone would.
    public func request(for kind: RequestKind, index: Int) -> Request {
        var random = SeededRandom(seed: requestSeed, stream: UInt64(index))
        return request(for: kind, random: &random)
    }

    private func request(for kind: RequestKind, random: inout SeededRandom) -> Request {
        switch kind {
        case .moveDriver:
            let driver = "d\(random.nextIndex(below: drivers.count) + 1)"
            let from = locations.position(of: driver) ?? city.center
            let step = 50 + random.nextUnitInterval() * 250
            let to = city.randomPoint(near: from, radiusMeters: step, using: &random)
            return encoded(.put, "/api/locations/\(driver)", as: driver, to)
        case .requestRide, .requestRideBurst:
            let pickup = city.randomPickup(hotShare: Self.hotSpotShare, using: &random)
            return ride(from: pickup, to: dropoff(from: pickup, using: &random), as: activeRider(using: &random))
        case .estimateFare:
            let pickup = city.randomPickup(hotShare: Self.hotSpotShare, using: &random)
            let tier = RideTier.allCases[random.nextIndex(below: RideTier.allCases.count)]
            let body = DispatchService.EstimateRequest(pickup: pickup, dropoff: dropoff(from: pickup, using: &random), tier: tier)
            return encoded(.post, "/api/rides/estimates", as: activeRider(using: &random), body)
        case .requestRideImpossibleDistance:
            let pickup = city.randomPoint(using: &random)
            let far = pickup.offset(northMeters: 200_000 + random.nextUnitInterval() * 200_000, eastMeters: 0)
            return ride(from: pickup, to: far, as: activeRider(using: &random))
        case .requestRideSuspendedRider:
            let pickup = city.randomPickup(hotShare: Self.hotSpotShare, using: &random)
            let suspended = 100 * (random.nextIndex(below: max(1, riders.count / 100)) + 1)
            return ride(from: pickup, to: dropoff(from: pickup, using: &random), as: "r\(suspended)")
        default:
            // Not one of ``TrafficMix/rides``'s kinds: sent as asked, the gateway answers 404.
            return Request(path: "/api/\(kind.rawValue)")
        }
    }

    /// Sends one arrival through the gateway, as riders' and drivers' apps would. A ride request
    /// is followed by every offered driver accepting at once (each accept its own request, from
    /// a task of its own), and sometimes by the rider cancelling. Returns the first response.
    @discardableResult
    public func send(_ kind: RequestKind, index: Int) async -> Response {
        var random = SeededRandom(seed: requestSeed, stream: UInt64(index))
        let first = request(for: kind, random: &random)
        let response = await mesh.ingress(first)
        switch kind {
        case .requestRide:
            guard response.status == 201, let dispatched = try? response.decode(DispatchService.Dispatched.self) else { return response }
            await race(for: dispatched)
            if random.nextUnitInterval() < Self.riderCancelShare, let rider = first.headers[MeshHeader.apiKey] {
                let cancel = (try? Request(method: .post, path: "/api/trips/\(dispatched.tripId)/cancel", headers: [MeshHeader.apiKey: rider],
                                           json: TripService.Cancel(reason: "the rider changed their mind"))) ?? Request(path: "/")
                _ = await mesh.ingress(cancel)
            }
        case .requestRideBurst:
            // The same rider again at once, from about the same place: the fraud window fills up.
            for _ in 1..<Self.burstLength {
                var again = first
                let body = try? first.decode(DispatchService.RideRequest.self)
                if let body, let next = try? Request(method: .post, path: first.path, headers: first.headers,
                                                     json: DispatchService.RideRequest(pickup: city.randomPoint(near: body.pickup, radiusMeters: 200, using: &random),
                                                                                       dropoff: body.dropoff)) {
                    again = next
                }
                _ = await mesh.ingress(again)
            }
        default:
            break
        }
        return response
    }

    /// Every driver the trip was offered to accepts at the same moment; one wins, the rest get 409.
    private func race(for dispatched: DispatchService.Dispatched) async {
        await withTaskGroup(of: Void.self) { group in
            for driver in dispatched.offeredTo {
                group.addTask {
                    _ = await self.mesh.ingress(Request(method: .post, path: "/api/trips/\(dispatched.tripId)/accept", headers: [MeshHeader.apiKey: "key-\(driver)"]))
                }
            }
        }
    }

    /// A rider in good standing (not one of the suspended hundredths).
    private func activeRider(using random: inout SeededRandom) -> String {
        var number = random.nextIndex(below: riders.count) + 1
        if RiderService.isSuspended(number) { number = number > 1 ? number - 1 : number + 1 }
        return "r\(number)"
    }

    /// A destination 0.8–7 km from `pickup`, in a random direction, inside the city.
    private func dropoff(from pickup: GeoPoint, using random: inout SeededRandom) -> GeoPoint {
        let distance = 800 + random.nextUnitInterval() * 6_200
        let angle = random.nextUnitInterval() * 2 * .pi
        return city.clamped(pickup.offset(northMeters: distance * cos(angle), eastMeters: distance * sin(angle)))
    }

    private func ride(from pickup: GeoPoint, to dropoff: GeoPoint, as rider: String) -> Request {
        encoded(.post, "/api/rides", as: rider, DispatchService.RideRequest(pickup: pickup, dropoff: dropoff))
    }

    private func encoded<Body: Encodable>(_ method: HTTPMethod, _ path: String, as user: String, _ body: Body) -> Request {
        let headers: Headers = [MeshHeader.apiKey: "key-\(user)"]
        return (try? Request(method: method, path: path, headers: headers, json: body)) ?? Request(method: method, path: path, headers: headers)
    }
}
