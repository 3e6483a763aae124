/// How a ride is priced, as pure functions: a base plus distance × rate, times the rider's tier,
/// times surge; surge from the ratio of demand (ride requests in the pickup's zone lately) to
/// supply (available drivers near the pickup). Money in integer cents.
public struct FarePolicy: Sendable, Equatable {
    public var baseCents: Int = 250
    public var centsPerKilometer: Int = 120
    /// The least a ride costs before surge.
    public var minimumCents: Int = 600
    /// Road distance over great-circle distance: streets are not straight.
    public var detourFactor: Double = 1.3
    /// Demand over supply at which surge starts.
    public var surgeThreshold: Double = 1.0
    /// How much surge rises per unit of ratio above the threshold.
    public var surgeSlope: Double = 0.5
    public var maximumSurge: Double = 3.0

    public init() {}

    /// The surge multiplier for `demand` requests against `supply` drivers: 1 up to the
    /// threshold, then rising with the ratio, in steps of 0.1, capped at ``maximumSurge``.
    /// No supply counts as one driver, so a lone request is not surged.
    public func surge(demand: Int, supply: Int) -> Double {
        let ratio = Self.ratio(demand: demand, supply: supply)
        guard ratio > surgeThreshold else { return 1.0 }
        let raw = 1 + (ratio - surgeThreshold) * surgeSlope
        // Whole tenths, rounded down: what a rider is shown (1.7×). The nudge keeps a ratio that
        // is a whole tenth on paper (1.2 → 1.1×) from losing it to binary rounding (10.999…).
        return min(maximumSurge, (raw * 10 + 1e-9).rounded(.down) / 10)
    }

    /// Demand over supply, supply at least one.
    public static func ratio(demand: Int, supply: Int) -> Double {
        Double(max(0, demand)) / Double(max(1, supply))
    }

    /// The road distance a ride's fare is charged on, in metres.
    public func roadMeters(from pickup: GeoPoint, to dropoff: GeoPoint) -> Double {
        pickup.distance(to: dropoff) * detourFactor
    }

    /// The fare in cents: max(minimum, base + km × rate) × tier × surge, rounded to the cent.
    public func fareCents(roadMeters: Double, tier: RideTier, surge: Double) -> Int {
        let distanceFare = Double(baseCents) + roadMeters / 1_000 * Double(centsPerKilometer)
        let beforeSurge = max(Double(minimumCents), distanceFare) * tier.fareMultiplier
        return Int((beforeSurge * surge).rounded())
    }
}

/// The pricing zone a point falls in: a grid of about 1 km cells, where demand is counted.
public struct PricingZone: Hashable, Sendable, CustomStringConvertible {
    public var row: Int
    public var column: Int

    /// Zone height and width in degrees (about 1.1 km by 1.1 km at the city's latitude).
    static let latitudeStep = 0.01
    static let longitudeStep = 0.0125

    public init(_ point: GeoPoint) {
        row = Int((point.latitude / Self.latitudeStep).rounded(.down))
        column = Int((point.longitude / Self.longitudeStep).rounded(.down))
    }

    public var description: String { "zone \(row):\(column)" }
}
