import DemoSystems
import Foundation
import Randomness
import Testing

/// The geo index against the deliberately naive reference, a haversine scan of every point:
/// random points, several radii, moves and removals, near the poles and across ±180°.
@Suite("Rides: the geo index against a brute-force haversine scan")
struct RidesGeoIndexTests {
    @Test("haversine distances match known great-circle distances", arguments: [
        (GeoPoint(latitude: 37.7749, longitude: -122.4194), GeoPoint(latitude: 34.0522, longitude: -118.2437), 559_121.35),
        (GeoPoint(latitude: 0, longitude: 179.9), GeoPoint(latitude: 0, longitude: -179.9), 22_239.02),
        (GeoPoint(latitude: 89.9, longitude: 0), GeoPoint(latitude: 89.9, longitude: 180), 22_239.02),
        (GeoPoint(latitude: 0, longitude: 0), GeoPoint(latitude: 0, longitude: 1), 111_195.08),
    ])
    func haversine(from: GeoPoint, to: GeoPoint, meters: Double) {
        #expect(abs(from.distance(to: to) - meters) < 0.01)
        #expect(from.distance(to: to) == to.distance(to: from))
        #expect(from.distance(to: from) == 0)
    }

    /// A set of points and a way to draw query centres, as one case of the property.
    struct Layout: Sendable, CustomTestStringConvertible {
        var name: String
        var cellSizeMeters: Double
        var referenceLatitude: Double
        var radii: [Double]
        var point: @Sendable (inout SeededRandom) -> GeoPoint
        var testDescription: String { name }
    }

    static let city = City.standard
    static let layouts: [Layout] = [
        Layout(name: "a city", cellSizeMeters: 500, referenceLatitude: city.center.latitude, radii: [0, 50, 400, 2_000, 5_000, 20_000]) { random in
            city.randomPoint(using: &random)
        },
        Layout(name: "a city, cells far larger than the radius", cellSizeMeters: 5_000, referenceLatitude: city.center.latitude, radii: [100, 1_000]) { random in
            city.randomPoint(using: &random)
        },
        Layout(name: "around the ±180° meridian", cellSizeMeters: 2_000, referenceLatitude: 0, radii: [1_000, 30_000, 200_000]) { random in
            GeoPoint(latitude: random.nextUnitInterval() * 4 - 2, longitude: wrap(180 + random.nextUnitInterval() * 4 - 2))
        },
        Layout(name: "near the north pole", cellSizeMeters: 10_000, referenceLatitude: 60, radii: [5_000, 100_000, 600_000]) { random in
            GeoPoint(latitude: 85 + random.nextUnitInterval() * 5, longitude: random.nextUnitInterval() * 360 - 180)
        },
        Layout(name: "the whole globe", cellSizeMeters: 200_000, referenceLatitude: 45, radii: [300_000, 3_000_000, 25_000_000]) { random in
            GeoPoint(latitude: asinDegrees(random.nextUnitInterval() * 2 - 1), longitude: random.nextUnitInterval() * 360 - 180)
        },
    ]

    @Test("every query answers exactly what the scan answers, in the same order", arguments: layouts)
    func matchesTheScan(layout: Layout) {
        for seed in UInt64(1)...5 {
            var random = SeededRandom(seed: seed, component: "test.geo.\(layout.name)")
            var index = GeoIndex(cellSizeMeters: layout.cellSizeMeters, referenceLatitude: layout.referenceLatitude)
            var points: [Int: GeoPoint] = [:]
            for id in 0..<600 {
                let point = layout.point(&random)
                index.update(id: id, to: point)
                points[id] = point
            }
            // Some move (within a cell and across cells), some leave.
            for _ in 0..<300 {
                let id = random.nextIndex(below: 600)
                if random.nextUnitInterval() < 0.2 {
                    index.remove(id: id)
                    points[id] = nil
                } else {
                    let point = layout.point(&random)
                    index.update(id: id, to: point)
                    points[id] = point
                }
            }
            #expect(index.count == points.count)
            let all = points.sorted { $0.key < $1.key }.map { (id: $0.key, point: $0.value) }
            for _ in 0..<40 {
                // Centres on existing points too, so some points sit at distance 0.
                let center = random.nextUnitInterval() < 0.3 ? all[random.nextIndex(below: all.count)].point : layout.point(&random)
                for radius in layout.radii {
                    let expected = NearbyScan.nearby(all, of: center, within: radius)
                    #expect(index.nearby(center, within: radius) == expected, "\(layout.name), seed \(seed), centre \(center), radius \(radius) m")
                    #expect(index.nearby(center, within: radius, limit: 5) == Array(expected.prefix(5)))
                }
            }
            for (id, point) in all { #expect(index.position(of: id) == point) }
        }
    }

    @Test("a point exactly on the circle is in; the limit keeps the nearest; an empty index finds nothing")
    func edges() throws {
        let center = GeoPoint(latitude: 37.7749, longitude: -122.4194)
        let east = center.offset(northMeters: 0, eastMeters: 1_000)
        var index = GeoIndex(cellSizeMeters: 500, referenceLatitude: 37.7)
        #expect(index.nearby(center, within: 10_000).isEmpty)
        index.update(id: 1, to: east)
        index.update(id: 2, to: center.offset(northMeters: 300, eastMeters: 0))
        index.update(id: 3, to: center.offset(northMeters: -300, eastMeters: 0))
        let exact = center.distance(to: east)
        #expect(index.nearby(center, within: exact).map(\.id) == [2, 3, 1], "equal distances by id, the edge included")
        #expect(index.nearby(center, within: exact.nextDown).map(\.id) == [2, 3])
        #expect(index.nearby(center, within: exact, limit: 1).map(\.id) == [2])
        index.remove(id: 2)
        index.remove(id: 2)
        #expect(index.nearby(center, within: exact).map(\.id) == [3, 1])
        #expect(index.position(of: 2) == nil)
        let found = try #require(index.nearby(center, within: 5_000).first)
        #expect(found.point == index.position(of: 3))
        #expect(abs(found.distanceMeters - 300) < 0.5)
    }

    private static func wrap(_ longitude: Double) -> Double {
        longitude > 180 ? longitude - 360 : longitude
    }

    /// A latitude whose sine is `sine`: uniform sines spread points evenly over the sphere.
    private static func asinDegrees(_ sine: Double) -> Double {
        asin(sine) * 180 / .pi
    }
}
