#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Two systems run on the same seed, traffic and faults, side by side: what `meshtop compare A B`
/// prints (``renderText()``) or, with `--json`, encodes (``jsonString()``).
///
/// JSON (camelCase, keys sorted):
/// ```
/// systems[], durationSeconds, rps, seed,
/// faults[] {atSeconds, component, fault, targets[] {system, target|null}},
/// sides[] {system, report {…the headless report…}, traffic {sent, targetRPS, achievedRPS, …},
///          routes[] {route, requests, ok, queued, rejected, failed}, resources {cpuSeconds, peakRSSBytes}},
/// ratios {cpuPerRequest, p50, p95, p99, peakRSS}: the second system's over the first's (null when unknown)
/// ```
public struct Comparison: Sendable, Equatable, Codable {
    public var systems: [String]
    public var durationSeconds: Double
    public var rps: Double
    public var seed: UInt64
    public var faults: [MappedFault]
    public var sides: [CompareSideResult]
    public var ratios: Ratios

    /// The second side's figure over the first's: how much more (or less) the second costs.
    public struct Ratios: Sendable, Equatable, Codable {
        public var cpuPerRequest: Double?
        public var p50: Double?
        public var p95: Double?
        public var p99: Double?
        public var peakRSS: Double?

        private enum CodingKeys: String, CodingKey { case cpuPerRequest, p50, p95, p99, peakRSS }

        // Written by hand so an unknown ratio is an explicit null, not a missing key.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(cpuPerRequest, forKey: .cpuPerRequest)
            try container.encode(p50, forKey: .p50)
            try container.encode(p95, forKey: .p95)
            try container.encode(p99, forKey: .p99)
            try container.encode(peakRSS, forKey: .peakRSS)
        }
    }

    public init(options: CompareOptions, sides: [CompareSideResult]) {
        systems = options.systems
        durationSeconds = options.duration.seconds
        rps = options.rps
        seed = options.seed
        faults = options.mappedFaults
        self.sides = sides
        func ratio(_ figure: (CompareSideResult) -> Double?) -> Double? {
            guard sides.count == 2, let first = figure(sides[0]), let second = figure(sides[1]), first > 0 else { return nil }
            return second / first
        }
        ratios = Ratios(cpuPerRequest: ratio(\.cpuSecondsPerThousand), p50: ratio { $0.edge?.p50Ms }, p95: ratio { $0.edge?.p95Ms },
                        p99: ratio { $0.edge?.p99Ms }, peakRSS: ratio { $0.resources.map { Double($0.peakRSSBytes) } })
    }

    /// 0 when every side's invariants hold, 1 otherwise (as `meshtop demo --headless`).
    public var exitStatus: Int32 { sides.allSatisfy(\.report.invariants.ok) ? 0 : 1 }

    /// Pretty-printed, keys sorted (stable for diffs and scripts).
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
