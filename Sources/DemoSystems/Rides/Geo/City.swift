#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Randomness

/// The city the rides system serves: a square around a centre, with hot spots where many rides
/// start (a station, a stadium, downtown at rush hour), so demand outruns supply there and
/// surge pricing shows. Positions are drawn from seeded generators only.
public struct City: Sendable, Equatable {
    /// A place where rides cluster.
    public struct HotSpot: Sendable, Equatable {
        public var name: String
        public var center: GeoPoint
        public var radiusMeters: Double
    }

    public var name: String
    public var center: GeoPoint
    /// Half the side of the served square, in metres.
    public var halfSideMeters: Double
    public var hotSpots: [HotSpot]

    /// A San Francisco-sized square, 12 km a side, with three hot spots.
    public static let standard: City = {
        let center = GeoPoint(latitude: 37.7749, longitude: -122.4194)
        return City(name: "bay city", center: center, halfSideMeters: 6_000, hotSpots: [
            HotSpot(name: "downtown", center: center.offset(northMeters: 1_200, eastMeters: 2_000), radiusMeters: 500),
            HotSpot(name: "station", center: center.offset(northMeters: -1_500, eastMeters: 2_800), radiusMeters: 400),
            HotSpot(name: "stadium", center: center.offset(northMeters: -3_000, eastMeters: -2_500), radiusMeters: 450),
        ])
    }()

    /// Whether `point` lies in the served square.
    public func contains(_ point: GeoPoint) -> Bool {
        let (north, east) = metersFromCenter(point)
        return abs(north) <= halfSideMeters && abs(east) <= halfSideMeters
    }

    /// A point drawn uniformly over the square.
    public func randomPoint(using random: inout SeededRandom) -> GeoPoint {
        center.offset(northMeters: (random.nextUnitInterval() * 2 - 1) * halfSideMeters,
                      eastMeters: (random.nextUnitInterval() * 2 - 1) * halfSideMeters)
    }

    /// A point drawn uniformly within `radius` metres of `point` (kept inside the square).
    public func randomPoint(near point: GeoPoint, radiusMeters radius: Double, using random: inout SeededRandom) -> GeoPoint {
        // sqrt of a uniform draw: uniform over the disc's area rather than crowded at its centre.
        let distance = radius * random.nextUnitInterval().squareRoot()
        let angle = random.nextUnitInterval() * 2 * .pi
        return clamped(point.offset(northMeters: distance * cos(angle), eastMeters: distance * sin(angle)))
    }

    /// A ride's pickup: in a hot spot with probability `hotShare`, else anywhere.
    public func randomPickup(hotShare: Double, using random: inout SeededRandom) -> GeoPoint {
        if !hotSpots.isEmpty, random.nextUnitInterval() < hotShare {
            let spot = hotSpots[random.nextIndex(below: hotSpots.count)]
            return randomPoint(near: spot.center, radiusMeters: spot.radiusMeters, using: &random)
        }
        return randomPoint(using: &random)
    }

    /// `point` moved to the nearest point of the square.
    public func clamped(_ point: GeoPoint) -> GeoPoint {
        let (north, east) = metersFromCenter(point)
        guard abs(north) > halfSideMeters || abs(east) > halfSideMeters else { return point }
        return center.offset(northMeters: min(halfSideMeters, max(-halfSideMeters, north)),
                             eastMeters: min(halfSideMeters, max(-halfSideMeters, east)))
    }

    /// Metres north and east of the centre, on the same flat approximation as ``GeoPoint/offset(northMeters:eastMeters:)``.
    func metersFromCenter(_ point: GeoPoint) -> (north: Double, east: Double) {
        let perDegree = GeoMath.metersPerDegreeOfLatitude
        return ((point.latitude - center.latitude) * perDegree,
                (point.longitude - center.longitude) * perDegree * cos(center.latitude * .pi / 180))
    }
}
