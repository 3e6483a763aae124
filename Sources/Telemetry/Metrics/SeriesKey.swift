/// Identifies one metric series: a label plus its dimensions (`requests_total{service="user-service",status="200"}`).
///
/// Dimensions are kept sorted by name, so the same label and dimensions given in any order name the
/// same series. Keep dimensions bounded (service, route, status class), never per-request values.
public struct SeriesKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let label: String
    /// `(name, value)` pairs, sorted by name.
    public let dimensions: [Dimension]

    public struct Dimension: Hashable, Sendable, Comparable {
        public let name: String
        public let value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }

        public static func < (lhs: Dimension, rhs: Dimension) -> Bool {
            (lhs.name, lhs.value) < (rhs.name, rhs.value)
        }
    }

    public init(label: String, dimensions: [(String, String)] = []) {
        self.label = label
        self.dimensions = dimensions.map { Dimension($0.0, $0.1) }.sorted()
    }

    /// The value of dimension `name`, if the series has it.
    public subscript(dimension name: String) -> String? {
        dimensions.first { $0.name == name }?.value
    }

    public static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        if lhs.label != rhs.label { return lhs.label < rhs.label }
        return lhs.dimensions.lexicographicallyPrecedes(rhs.dimensions)
    }

    public var description: String {
        if dimensions.isEmpty { return label }
        return label + "{" + dimensions.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}

/// Chooses series: a label and dimension values they must all have (other dimensions may be anything).
///
/// `SeriesSelector(label: "requests_total", matching: ["service": "user-service"])` selects every route
/// and status of user-service.
public struct SeriesSelector: Sendable, Hashable {
    public var label: String
    public var matching: [String: String]
    /// When set, the series' dimension `name` must have one of these values (for example status codes ≥ 500).
    public var predicate: DimensionPredicate?

    public init(label: String, matching: [String: String] = [:], where predicate: DimensionPredicate? = nil) {
        self.label = label
        self.matching = matching
        self.predicate = predicate
    }

    public func matches(_ key: SeriesKey) -> Bool {
        guard key.label == label else { return false }
        for (name, value) in matching where key[dimension: name] != value { return false }
        if let predicate, !predicate.matches(key) { return false }
        return true
    }
}

/// A test on one dimension's value, for selectors such as "status is a server error".
public struct DimensionPredicate: Sendable, Hashable {
    public var name: String
    public var prefixes: [String]

    /// The dimension's value starts with one of `prefixes` (`status` starting with `5`).
    public init(dimension name: String, hasPrefix prefixes: [String]) {
        self.name = name
        self.prefixes = prefixes
    }

    public func matches(_ key: SeriesKey) -> Bool {
        guard let value = key[dimension: name] else { return false }
        return prefixes.contains { value.hasPrefix($0) }
    }
}
