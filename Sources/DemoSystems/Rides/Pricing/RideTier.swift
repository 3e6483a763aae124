/// The kind of car a rider books: it scales the fare and decides which vehicles may take the ride.
public enum RideTier: String, Sendable, Codable, CaseIterable, Comparable {
    case standard
    case comfort
    case premium

    /// What the tier multiplies the distance fare by.
    public var fareMultiplier: Double {
        switch self {
        case .standard: 1.0
        case .comfort: 1.35
        case .premium: 2.0
        }
    }

    /// Whether a vehicle of class `vehicle` may serve a ride of this tier: a car serves its own
    /// tier and every tier below it.
    public func isServed(by vehicle: RideTier) -> Bool { vehicle >= self }

    public static func < (lhs: RideTier, rhs: RideTier) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
