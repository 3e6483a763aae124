import DemoSystems
import Randomness

/// The rides system's geo index: a nearby-driver search over a city's fleet, against a haversine
/// scan of every driver (the same answers, checked at set-up) measured in the same run.
func registerRidesBenchmarks(on runner: BenchmarkRunner) {
    let scan = "rides.nearby-scan-10k-drivers-2km"
    let indexed = "rides.nearby-index-10k-drivers-2km"
    runner.declareBaselines([scan])
    guard runner.shouldRun(scan) || runner.shouldRun(indexed) else { return }

    // 10,000 drivers uniform over a 20 km × 20 km square, queries anywhere in its middle 16 km.
    let drivers = 10_000
    let radius = 2_000.0
    let center = City.standard.center
    var random = SeededRandom(seed: 11, component: "bench.rides.drivers")
    func point(within halfSide: Double) -> GeoPoint {
        center.offset(northMeters: (random.nextUnitInterval() * 2 - 1) * halfSide, eastMeters: (random.nextUnitInterval() * 2 - 1) * halfSide)
    }
    let points = (0..<drivers).map { (id: $0, point: point(within: 10_000)) }
    var index = GeoIndex(cellSizeMeters: 500, referenceLatitude: center.latitude)
    for (id, point) in points { index.update(id: id, to: point) }
    let queries = (0..<1_024).map { _ in point(within: 8_000) }

    runner.require(indexed, index.count == drivers, "the index must hold \(drivers) drivers; it holds \(index.count)")
    let found = queries.prefix(64).map { NearbyScan.nearby(points, of: $0, within: radius) }
    runner.require(indexed, zip(queries.prefix(64), found).allSatisfy { index.nearby($0, within: radius) == $1 },
                   "the index must answer exactly as the scan does")
    let average = Double(found.reduce(0) { $0 + $1.count }) / Double(found.count)
    // 25 drivers per km² over a 2 km circle: about 314.
    runner.require(indexed, (250...380).contains(average), "a query must find about 314 drivers; found \(average) on average")
    let note = "10,000 drivers over 20 × 20 km, radius 2 km, ≈\(Int(average.rounded())) found per query, sorted nearest first"

    runner.measure(scan, iterations: 500, note: note + "; a haversine to every driver") { n in
        for query in 0..<n { blackHole(NearbyScan.nearby(points, of: queries[query & 1_023], within: radius)) }
    }
    runner.measure(indexed, baseline: scan, iterations: 20_000, note: note + "; 500 m grid cells; target ≤ 50 µs") { n in
        for query in 0..<n { blackHole(index.nearby(queries[query & 1_023], within: radius)) }
    }
}
