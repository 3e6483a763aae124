#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Points by id in a uniform grid of latitude/longitude cells, for "who is within r metres of
/// here" without looking at every point: location-service's index of driver positions.
///
/// A query visits only the cells that overlap the bounding box of the search circle (the box
/// from Matuschek, "Finding Points Within a Distance of a Latitude/Longitude Using Bounding
/// Coordinates", which handles the poles and the ±180° meridian), then keeps the points whose
/// great-circle (haversine) distance is within the radius. Results are exactly those of a scan
/// of every point (``NearbyScan``), in the same order: nearest first, ties by id.
///
/// Cells are `cellSizeMeters` tall everywhere; their width is `cellSizeMeters` at
/// `referenceLatitude` (a city's), so they stay square near it and still correct, only less
/// even, anywhere else.
///
/// A value type; not synchronised (location-service keeps it behind a lock).
public struct GeoIndex: Sendable {
    /// A point found by ``nearby(_:within:limit:)``.
    public struct Neighbor: Sendable, Equatable, CustomStringConvertible {
        public var id: Int
        public var point: GeoPoint
        /// Great-circle distance from the query's centre.
        public var distanceMeters: Double

        public init(id: Int, point: GeoPoint, distanceMeters: Double) {
            self.id = id
            self.point = point
            self.distanceMeters = distanceMeters
        }

        public var description: String { "\(id)@\(Int(distanceMeters.rounded()))m" }

        /// Nearest first; equal distances by id, so the order never depends on insertion.
        @inline(__always)
        static func precedes(_ lhs: Neighbor, _ rhs: Neighbor) -> Bool {
            lhs.distanceMeters != rhs.distanceMeters ? lhs.distanceMeters < rhs.distanceMeters : lhs.id < rhs.id
        }
    }

    struct Entry: Sendable {
        var id: Int
        var point: GeoPoint
        var prepared: GeoMath.Prepared
    }

    struct Cell: Sendable {
        var entries: [Entry] = []
    }

    /// Where an id's entry is: its cell and its slot in that cell.
    struct Location: Sendable {
        var cell: Int
        var slot: Int
    }

    public let cellSizeMeters: Double
    /// Cell height and width, in degrees.
    let cellLatitude: Double
    let cellLongitude: Double
    let rows: Int
    let columns: Int
    private var cells: [Cell] = []
    private var cellByKey: [Int: Int] = [:]
    private var locations: [Int: Location] = [:]

    /// - Parameters:
    ///   - cellSizeMeters: a cell's side; about half the usual search radius works well.
    ///   - referenceLatitude: where cells are square (the city's latitude).
    public init(cellSizeMeters: Double = 500, referenceLatitude: Double = 0) {
        precondition(cellSizeMeters > 0 && cellSizeMeters.isFinite, "a cell's size must be a positive number of metres, got \(cellSizeMeters)")
        precondition((-90...90).contains(referenceLatitude), "the reference latitude must lie in -90…90, got \(referenceLatitude)")
        self.cellSizeMeters = cellSizeMeters
        cellLatitude = min(180, cellSizeMeters / GeoMath.metersPerDegreeOfLatitude)
        let cosine = max(0.01, cos(referenceLatitude * .pi / 180))
        cellLongitude = min(360, cellSizeMeters / (GeoMath.metersPerDegreeOfLatitude * cosine))
        rows = Int((180 / cellLatitude).rounded(.up))
        columns = Int((360 / cellLongitude).rounded(.up))
    }

    /// How many points the index holds.
    public var count: Int { locations.count }

    /// Where `id` is, or nil when it is not in the index.
    public func position(of id: Int) -> GeoPoint? {
        guard let location = locations[id] else { return nil }
        return cells[location.cell].entries[location.slot].point
    }

    /// Puts `id` at `point`, moving it when it is already in the index.
    ///
    /// - Precondition: `point.isValid` (callers validate what they were sent).
    public mutating func update(id: Int, to point: GeoPoint) {
        precondition(point.isValid, "not a position: \(point.problem ?? "\(point)")")
        let entry = Entry(id: id, point: point, prepared: GeoMath.Prepared(point))
        let cell = cellIndex(forKey: key(row: row(of: point.latitude), column: column(of: point.longitude)))
        if let location = locations[id] {
            if location.cell == cell {
                cells[cell].entries[location.slot] = entry
                return
            }
            removeEntry(at: location)
        }
        cells[cell].entries.append(entry)
        locations[id] = Location(cell: cell, slot: cells[cell].entries.count - 1)
    }

    /// Takes `id` out of the index; nothing happens when it is not there.
    public mutating func remove(id: Int) {
        guard let location = locations.removeValue(forKey: id) else { return }
        removeEntry(at: location)
    }

    /// Every point within `radiusMeters` of `center` (great-circle distance, the radius included),
    /// nearest first, at most `limit`.
    public func nearby(_ center: GeoPoint, within radiusMeters: Double, limit: Int = .max) -> [Neighbor] {
        precondition(center.isValid, "not a position: \(center.problem ?? "\(center)")")
        guard radiusMeters >= 0, limit > 0, !locations.isEmpty else { return [] }
        let origin = GeoMath.Prepared(center)
        let box = boundingBox(center, origin: origin, radiusMeters: radiusMeters)
        let firstRow = row(of: box.minLatitude)
        let lastRow = row(of: box.maxLatitude)
        let spans = columnSpans(box)
        let boxCells = (lastRow - firstRow + 1) * spans.reduce(0) { $0 + $1.count }
        // The cells to look in, and room for every point they hold: one allocation for the answer.
        var visit: [Int] = []
        if boxCells >= cells.count {
            // A box wider than the occupied area: every cell is cheaper than the box's.
            visit = Array(cells.indices)
        } else {
            visit.reserveCapacity(boxCells)
            for row in firstRow...lastRow {
                for span in spans {
                    for column in span {
                        if let cell = cellByKey[key(row: row, column: column)] { visit.append(cell) }
                    }
                }
            }
        }
        var found: [Neighbor] = []
        found.reserveCapacity(visit.reduce(0) { $0 + cells[$1].entries.count })
        // The haversine term grows with the distance: a candidate whose term is clearly above
        // the radius's is skipped without the square root and arcsine; the rest are decided
        // on the distance itself, exactly as the scan decides.
        let half = sin(min(.pi / 2, radiusMeters / GeoPoint.earthRadiusMeters / 2))
        let cutoff = half * half * (1 + 1e-9) + 1e-18
        for cell in visit {
            cells[cell].entries.withUnsafeBufferPointer { entries in
                for entry in entries {
                    let term = GeoMath.haversineTerm(origin, entry.prepared)
                    guard term <= cutoff else { continue }
                    let distance = GeoMath.meters(haversineTerm: term)
                    if distance <= radiusMeters {
                        found.append(Neighbor(id: entry.id, point: entry.point, distanceMeters: distance))
                    }
                }
            }
        }
        return Self.nearestFirst(found, radius: radiusMeters, limit: limit)
    }

    /// `found` (all within `radius`) sorted nearest first and cut to `limit`.
    ///
    /// A full answer is bucket-sorted: points are spread by squared distance (a uniform density
    /// fills equal steps of d² evenly) into as many buckets as points, then one insertion pass
    /// orders each bucket's few; on this machine a comparison sort of 300 neighbours cost three
    /// times the whole search. A small limit (dispatch wants 30 of a few hundred) keeps a sorted
    /// prefix by insertion instead.
    static func nearestFirst(_ found: [Neighbor], radius: Double, limit: Int) -> [Neighbor] {
        if limit < found.count / 4 { return nearestPrefix(found, limit: limit) }
        var sorted = found.count > 16 && radius > 0 ? bucketed(found, radius: radius) : found
        insertionSort(&sorted)
        if sorted.count > limit { sorted.removeSubrange(limit...) }
        return sorted
    }

    /// `found` in buckets of squared distance, in bucket order (each bucket unordered).
    private static func bucketed(_ found: [Neighbor], radius: Double) -> [Neighbor] {
        let count = found.count
        let scale = Double(count) / (radius * radius)
        var starts = [Int](repeating: 0, count: count + 1)
        var buckets = [Int](repeating: 0, count: count)
        for index in 0..<count {
            let distance = found[index].distanceMeters
            // Monotonic in the distance, so the buckets are in order of it.
            let bucket = min(count - 1, Int(distance * distance * scale))
            buckets[index] = bucket
            starts[bucket + 1] += 1
        }
        for bucket in 0..<count { starts[bucket + 1] += starts[bucket] }
        return [Neighbor](unsafeUninitializedCapacity: count) { output, initialized in
            for index in 0..<count {
                let bucket = buckets[index]
                (output.baseAddress! + starts[bucket]).initialize(to: found[index])
                starts[bucket] += 1
            }
            initialized = count
        }
    }

    /// Insertion sort: linear on an array whose elements are out of order only within small runs.
    private static func insertionSort(_ neighbors: inout [Neighbor]) {
        guard neighbors.count > 1 else { return }
        for index in 1..<neighbors.count {
            let moving = neighbors[index]
            var slot = index
            while slot > 0, Neighbor.precedes(moving, neighbors[slot - 1]) {
                neighbors[slot] = neighbors[slot - 1]
                slot -= 1
            }
            neighbors[slot] = moving
        }
    }

    /// The `limit` nearest of `found`, sorted, kept by binary insertion.
    private static func nearestPrefix(_ found: [Neighbor], limit: Int) -> [Neighbor] {
        var kept: [Neighbor] = []
        kept.reserveCapacity(limit + 1)
        for neighbor in found {
            if kept.count == limit, !Neighbor.precedes(neighbor, kept[limit - 1]) { continue }
            var low = 0
            var high = kept.count
            while low < high {
                let middle = (low + high) / 2
                if Neighbor.precedes(kept[middle], neighbor) { low = middle + 1 } else { high = middle }
            }
            kept.insert(neighbor, at: low)
            if kept.count > limit { kept.removeLast() }
        }
        return kept
    }

    // MARK: Cells

    private func row(of latitude: Double) -> Int {
        min(rows - 1, max(0, Int(((latitude + 90) / cellLatitude).rounded(.down))))
    }

    private func column(of longitude: Double) -> Int {
        min(columns - 1, max(0, Int(((longitude + 180) / cellLongitude).rounded(.down))))
    }

    private func key(row: Int, column: Int) -> Int { row * columns + column }

    private mutating func cellIndex(forKey key: Int) -> Int {
        if let index = cellByKey[key] { return index }
        cells.append(Cell())
        cellByKey[key] = cells.count - 1
        return cells.count - 1
    }

    /// Removes the entry at `location` by moving the cell's last entry into its slot.
    private mutating func removeEntry(at location: Location) {
        let last = cells[location.cell].entries.count - 1
        if location.slot != last {
            let moved = cells[location.cell].entries[last]
            cells[location.cell].entries[location.slot] = moved
            locations[moved.id] = location
        }
        cells[location.cell].entries.removeLast()
    }

    // MARK: The search box

    /// Latitudes and longitudes in degrees; longitudes may run past ±180 (wrapped by ``columnSpans(_:)``).
    struct Box {
        var minLatitude: Double
        var maxLatitude: Double
        var minLongitude: Double
        var maxLongitude: Double
        /// True when the circle reaches a pole: every longitude is in.
        var allLongitudes: Bool
    }

    /// The smallest latitude/longitude box holding the circle, a hair wider so no point the
    /// haversine puts on the circle's edge falls outside it by rounding.
    func boundingBox(_ center: GeoPoint, origin: GeoMath.Prepared, radiusMeters: Double) -> Box {
        let angle = radiusMeters / GeoPoint.earthRadiusMeters * (1 + 1e-9) + 1e-12
        let degrees = 180 / Double.pi
        let minLatitude = origin.latitude - angle
        let maxLatitude = origin.latitude + angle
        if angle >= .pi / 2 || minLatitude <= -.pi / 2 || maxLatitude >= .pi / 2 {
            return Box(minLatitude: max(-90, minLatitude * degrees), maxLatitude: min(90, maxLatitude * degrees),
                       minLongitude: -180, maxLongitude: 180, allLongitudes: true)
        }
        let ratio = min(1, sin(angle) / origin.cosLatitude)
        let spread = (asin(ratio) * (1 + 1e-9) + 1e-12) * degrees
        if spread >= 180 {
            return Box(minLatitude: minLatitude * degrees, maxLatitude: maxLatitude * degrees, minLongitude: -180, maxLongitude: 180, allLongitudes: true)
        }
        return Box(minLatitude: minLatitude * degrees, maxLatitude: maxLatitude * degrees,
                   minLongitude: center.longitude - spread, maxLongitude: center.longitude + spread, allLongitudes: false)
    }

    /// The columns a box covers: one range, or two when it crosses the ±180° meridian.
    func columnSpans(_ box: Box) -> [ClosedRange<Int>] {
        if box.allLongitudes { return [0...(columns - 1)] }
        if box.minLongitude < -180 {
            return [column(of: box.minLongitude + 360)...(columns - 1), 0...column(of: box.maxLongitude)]
        }
        if box.maxLongitude > 180 {
            return [column(of: box.minLongitude)...(columns - 1), 0...column(of: box.maxLongitude - 360)]
        }
        return [column(of: box.minLongitude)...column(of: box.maxLongitude)]
    }
}

/// The deliberately naive nearby search: the haversine distance to every point, kept when within
/// the radius, sorted (a plain comparison sort). The reference the index is tested against, and its benchmark's baseline.
public enum NearbyScan {
    public static func nearby(_ points: [(id: Int, point: GeoPoint)], of center: GeoPoint, within radiusMeters: Double,
                              limit: Int = .max) -> [GeoIndex.Neighbor] {
        guard limit > 0 else { return [] }
        let origin = GeoMath.Prepared(center)
        var found: [GeoIndex.Neighbor] = []
        for (id, point) in points {
            // As `center.distance(to: point)` computes it, the centre's part once per query.
            let distance = GeoMath.haversineMeters(origin, GeoMath.Prepared(point))
            if distance <= radiusMeters { found.append(GeoIndex.Neighbor(id: id, point: point, distanceMeters: distance)) }
        }
        found.sort(by: GeoIndex.Neighbor.precedes)
        return Array(found.prefix(limit))
    }
}
