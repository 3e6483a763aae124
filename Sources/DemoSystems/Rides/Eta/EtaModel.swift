/// How long driving takes in the city, as a pure function of distance: road distance (the
/// great-circle distance times a detour factor) at an average city speed, plus a fixed overhead
/// (parking, finding the rider).
public struct EtaModel: Sendable, Equatable {
    /// Metres per second: 30 km/h.
    public var averageSpeed: Double = 30_000.0 / 3_600
    public var detourFactor: Double = 1.3
    public var overheadSeconds: Double = 30

    public init() {}

    /// Seconds of city time to drive from `from` to `to`, to the nearest second.
    public func seconds(from: GeoPoint, to: GeoPoint) -> Int {
        let road = from.distance(to: to) * detourFactor
        return Int((overheadSeconds + road / averageSpeed).rounded())
    }
}
