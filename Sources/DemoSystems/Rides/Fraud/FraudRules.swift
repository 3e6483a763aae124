/// The fraud checks on a ride request, as a pure function of the rider's recent requests: what
/// fraud-service refuses.
///
/// - **Impossible distance**: a ride longer than ``maximumTripMeters`` (no city ride is 300 km).
/// - **Impossible travel**: a pickup so far from the rider's previous one, so soon, that getting
///   there would take more than ``maximumTravelSpeed`` (a stolen account used in two places).
/// - **Too many requests**: more than ``maximumRequests`` from one rider within ``window``.
public struct FraudRules: Sendable, Equatable {
    public var maximumTripMeters: Double = 100_000
    /// Metres per second: 300 km/h, faster than any road.
    public var maximumTravelSpeed: Double = 300_000.0 / 3_600
    /// Jumps shorter than this are never flagged as travel (GPS noise, a rider walking).
    public var travelCheckMinimumMeters: Double = 50_000
    public var maximumRequests: Int = 3
    public var window: Duration = .seconds(10)
    /// How long a rider's requests are remembered for the checks.
    public var memory: Duration = .seconds(600)

    public init() {}

    /// One ride request as the rules see it.
    public struct Attempt: Sendable, Equatable {
        public var at: Duration
        public var pickup: GeoPoint
        public var dropoff: GeoPoint

        public init(at: Duration, pickup: GeoPoint, dropoff: GeoPoint) {
            self.at = at
            self.pickup = pickup
            self.dropoff = dropoff
        }
    }

    /// Why a request is refused.
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case impossibleDistance
        case impossibleTravel
        case tooManyRequests
    }

    /// The verdict on `attempt` given the same rider's earlier attempts (oldest first, all
    /// before it): nil when it passes, else the first rule it breaks and why, in words.
    public func evaluate(_ attempt: Attempt, history: [Attempt]) -> (reason: Reason, message: String)? {
        let tripMeters = attempt.pickup.distance(to: attempt.dropoff)
        if tripMeters > maximumTripMeters {
            return (.impossibleDistance, "a \(Int((tripMeters / 1_000).rounded())) km ride is longer than the \(Int(maximumTripMeters / 1_000)) km allowed")
        }
        if let previous = history.last {
            let jump = previous.pickup.distance(to: attempt.pickup)
            let elapsed = max(0.001, Self.seconds(attempt.at - previous.at))
            if jump >= travelCheckMinimumMeters, jump / elapsed > maximumTravelSpeed {
                return (.impossibleTravel, "the pickup is \(Int((jump / 1_000).rounded())) km from the rider's previous one, \(Int(elapsed)) s ago")
            }
        }
        let recent = history.count { attempt.at - $0.at < window } + 1
        if recent > maximumRequests {
            return (.tooManyRequests, "\(recent) ride requests within \(Int(Self.seconds(window))) s (at most \(maximumRequests))")
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
