#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A position on the Earth in degrees (WGS 84 latitude and longitude), as a driver's phone reports it.
///
/// JSON: `{"lat": 37.7749, "lon": -122.4194}`.
public struct GeoPoint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Degrees north, -90…90.
    public var latitude: Double
    /// Degrees east, -180…180.
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    enum CodingKeys: String, CodingKey {
        case latitude = "lat"
        case longitude = "lon"
    }

    /// The mean Earth radius (IUGG), in metres: what great-circle distances are measured on.
    public static let earthRadiusMeters = 6_371_008.8

    /// Whether both coordinates are finite and in range.
    public var isValid: Bool {
        latitude.isFinite && longitude.isFinite && (-90...90).contains(latitude) && (-180...180).contains(longitude)
    }

    /// What is wrong with the point, for a 400 answer; nil when it is valid.
    public var problem: String? {
        if !latitude.isFinite || !(-90...90).contains(latitude) { return "latitude \(latitude) is outside -90…90" }
        if !longitude.isFinite || !(-180...180).contains(longitude) { return "longitude \(longitude) is outside -180…180" }
        return nil
    }

    /// The great-circle distance to `other` in metres, by the haversine formula.
    public func distance(to other: GeoPoint) -> Double {
        let from = GeoMath.Prepared(self)
        let to = GeoMath.Prepared(other)
        return GeoMath.haversineMeters(from, to)
    }

    /// The point `north` metres north and `east` metres east of this one (negative for south and
    /// west), on a local flat approximation: good to well under a metre over a few kilometres.
    /// Latitude is clamped at the poles and longitude wrapped into -180…180.
    public func offset(northMeters north: Double, eastMeters east: Double) -> GeoPoint {
        let metersPerDegree = GeoMath.metersPerDegreeOfLatitude
        let latitude = min(90, max(-90, self.latitude + north / metersPerDegree))
        let cosine = max(1e-6, cos(self.latitude * .pi / 180))
        var longitude = self.longitude + east / (metersPerDegree * cosine)
        while longitude > 180 { longitude -= 360 }
        while longitude < -180 { longitude += 360 }
        return GeoPoint(latitude: latitude, longitude: longitude)
    }

    public var description: String {
        "(\(Self.format(latitude)), \(Self.format(longitude)))"
    }

    private static func format(_ value: Double) -> String {
        let scaled = (value * 100_000).rounded() / 100_000
        return "\(scaled)"
    }
}

/// The haversine formula, split so an index can keep each point's trigonometry: both the index
/// and the brute-force scan go through ``haversineMeters(_:_:)`` with values prepared the same
/// way, so they agree to the last bit.
///
/// sin(Δφ/2) and sin(Δλ/2) come from each point's sines and cosines of half its latitude and
/// longitude (sin(a − b) = sin a cos b − cos a sin b), so comparing two prepared points takes
/// no trigonometric call; only a distance that is kept needs a square root and an arcsine.
enum GeoMath {
    static let metersPerDegreeOfLatitude = GeoPoint.earthRadiusMeters * .pi / 180

    /// A point's half-angle sines and cosines, and the cosine of its latitude.
    struct Prepared: Sendable, Equatable {
        var sinHalfLatitude: Double
        var cosHalfLatitude: Double
        var sinHalfLongitude: Double
        var cosHalfLongitude: Double
        var cosLatitude: Double
        /// The latitude in radians, for the search box.
        var latitude: Double

        @inline(__always)
        init(_ point: GeoPoint) {
            latitude = point.latitude * .pi / 180
            let longitude = point.longitude * .pi / 180
            sinHalfLatitude = sin(latitude / 2)
            cosHalfLatitude = cos(latitude / 2)
            sinHalfLongitude = sin(longitude / 2)
            cosHalfLongitude = cos(longitude / 2)
            // cos φ = 1 − 2 sin²(φ/2): one call fewer per point, for a scan too.
            cosLatitude = 1 - 2 * sinHalfLatitude * sinHalfLatitude
        }
    }

    /// `a` of the haversine formula: sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2); the distance grows with it.
    @inline(__always)
    static func haversineTerm(_ from: Prepared, _ to: Prepared) -> Double {
        let halfLatitude = to.sinHalfLatitude * from.cosHalfLatitude - to.cosHalfLatitude * from.sinHalfLatitude
        let halfLongitude = to.sinHalfLongitude * from.cosHalfLongitude - to.cosHalfLongitude * from.sinHalfLongitude
        return halfLatitude * halfLatitude + from.cosLatitude * to.cosLatitude * halfLongitude * halfLongitude
    }

    /// The distance for a haversine term, in metres.
    @inline(__always)
    static func meters(haversineTerm a: Double) -> Double {
        2 * GeoPoint.earthRadiusMeters * asin(min(1, a.squareRoot()))
    }

    @inline(__always)
    static func haversineMeters(_ from: Prepared, _ to: Prepared) -> Double {
        meters(haversineTerm: haversineTerm(from, to))
    }
}
