#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceMesh
import Telemetry

/// A run to play: a request rate, a duration, an optional seed and faults switched on and off over time.
///
/// The JSON form (`demo/storefront/payment-outage.json`):
/// ```json
/// {
///   "name": "payment-outage",
///   "description": "payment fails 60% of the time between 10 s and 30 s",
///   "rps": 200,
///   "duration": "60s",
///   "seed": 42,
///   "faults": [
///     { "at": "10s", "service": "payment-service", "fault": "errors:0.6" },
///     { "at": "30s", "service": "payment-service", "fault": "none" }
///   ]
/// }
/// ```
/// `description`, `seed` and `faults` may be left out. Durations use ``DurationParser``'s forms,
/// faults ``FaultArgument``'s `KIND[:VALUE]` forms. Unknown fields are errors (a typo such as
/// `"durtion"` must not silently fall back to a default).
///
/// Load files with ``load(path:knownServices:)``: its errors name the file, the field and what is expected.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var description: String?
    /// Requests per second the traffic generator sends; > 0.
    public var rps: Double
    public var duration: Duration
    /// The run's seed; nil leaves it to the command line (or its default).
    public var seed: UInt64?
    /// Fault changes in file order; ``validate(knownServices:)`` checks they fall within the run.
    public var faults: [ScheduledFault]

    public init(name: String, description: String? = nil, rps: Double, duration: Duration, seed: UInt64? = nil, faults: [ScheduledFault] = []) {
        self.name = name
        self.description = description
        self.rps = rps
        self.duration = duration
        self.seed = seed
        self.faults = faults
    }

    /// The highest rate a scenario or `--rps` may ask for: beyond it one process cannot generate traffic honestly.
    public static let maximumRPS: Double = 100_000

    /// Checks what a single field cannot: every fault happens within the run, and (when
    /// `knownServices` is given) names a known service.
    ///
    /// - Parameter duration: the run's length, when the command line overrides the scenario's.
    /// - Throws: ``ScenarioError`` naming the field (`faults[1].at`) with `file` as given.
    public func validate(file: String, knownServices: [String]? = nil, duration runDuration: Duration? = nil) throws(ScenarioError) {
        let end = runDuration ?? duration
        for (index, fault) in faults.enumerated() {
            if fault.at > end {
                let source = runDuration == nil ? "" : " (the run was shortened with --duration)"
                throw ScenarioError(
                    file: file,
                    field: "faults[\(index)].at",
                    problem: "\(DurationParser.format(fault.at)) is after the end of the run at \(DurationParser.format(end))\(source); expected a time from 0s to \(DurationParser.format(end))"
                )
            }
            if let knownServices, !knownServices.contains(fault.service) {
                throw ScenarioError(
                    file: file,
                    field: "faults[\(index)].service",
                    problem: "unknown service \"\(fault.service)\"; expected \(FaultArgument.describeTargets(knownServices))"
                )
            }
        }
    }

    /// Reads, decodes and validates a scenario file.
    ///
    /// - Throws: ``ScenarioError`` with `path`, the field's JSON path and what is expected — never a raw `DecodingError`.
    public static func load(path: String, knownServices: [String]? = nil) throws(ScenarioError) -> Scenario {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let problem = switch DemoOptions.pathKindOnDisk(path) {
            case .missing: "no such file"
            case .directory: "it is a directory; expected a JSON file"
            case .file: "it cannot be read (\(error))"
            }
            throw ScenarioError(file: path, field: nil, problem: problem)
        }
        let scenario = try decode(data, file: path)
        try scenario.validate(file: path, knownServices: knownServices)
        return scenario
    }

    /// Decodes a scenario from JSON bytes; `file` only labels the errors.
    public static func decode(_ data: Data, file: String) throws(ScenarioError) -> Scenario {
        do {
            return try JSONDecoder().decode(Scenario.self, from: data)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                // The decoder does not say where; find the place ourselves.
                if let problem = JSONSyntaxCheck.firstProblem(in: Array(data)) {
                    throw ScenarioError(file: file, field: nil, problem: "not valid JSON: \(problem)")
                }
            }
            throw ScenarioError(file: file, decodingError: error)
        } catch {
            throw ScenarioError(file: file, field: nil, problem: "not valid JSON (\(error))")
        }
    }
}

/// One fault change in a scenario: at this time, give this service this fault (`.none` clears it).
public struct ScheduledFault: Sendable, Equatable {
    /// Time since the run started.
    public var at: Duration
    public var service: String
    public var fault: FaultSpec
    /// Who asked for it, as the event log records it: ``ActionOrigin/scenario`` for a scenario
    /// file's change (the only origin a file can give), ``ActionOrigin/cli`` for `--fault`.
    public var origin: ActionOrigin

    public init(at: Duration, service: String, fault: FaultSpec, origin: ActionOrigin = .scenario) {
        self.at = at
        self.service = service
        self.fault = fault
        self.origin = origin
    }
}

/// A scenario that could not be used: the file, the field (a JSON path such as `faults[1].at`,
/// nil for the file as a whole) and the problem with what is expected.
public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var field: String?
    public var problem: String

    public init(file: String, field: String?, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    public var description: String {
        if let field { "invalid scenario '\(file)': \(field): \(problem)" } else { "invalid scenario '\(file)': \(problem)" }
    }

    /// Turns a decoder's error into the field it is about and what was expected there.
    init(file: String, decodingError: DecodingError) {
        self.file = file
        switch decodingError {
        case .typeMismatch(let type, let context):
            field = JSONPath.render(context.codingPath)
            problem = "expected \(JSONPath.describe(type)), found something else"
        case .valueNotFound(let type, let context):
            field = JSONPath.render(context.codingPath)
            problem = "expected \(JSONPath.describe(type)), found null"
        case .keyNotFound(let key, let context):
            field = JSONPath.render(context.codingPath + [key])
            problem = "is missing; expected \(Scenario.expectations[key.stringValue] ?? "a value")"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                field = nil
                let detail = context.underlyingError.map { " (\(String(describing: $0)))" } ?? ""
                problem = "not valid JSON\(detail)"
            } else {
                field = JSONPath.render(context.codingPath)
                problem = context.debugDescription
            }
        @unknown default:
            field = nil
            problem = String(describing: decodingError)
        }
    }
}

// MARK: Decoding and encoding

extension Scenario: Codable {
    private enum Field: String, CodingKey, CaseIterable {
        case name, description, rps, duration, seed, faults
    }

    /// What each field must hold, for error messages.
    static let expectations: [String: String] = [
        "name": "a string",
        "description": "a string",
        "rps": "a number of requests per second, greater than 0 and at most \(Int(Scenario.maximumRPS))",
        "duration": "a duration, \(DurationParser.acceptedForms)",
        "seed": "a whole number from 0 to \(UInt64.max)",
        "faults": "a list of { \"at\": DURATION, \"service\": NAME, \"fault\": KIND[:VALUE] }",
        "at": "a duration since the start of the run, \(DurationParser.acceptedForms)",
        "service": "a service name, such as \"payment-service\"",
        "fault": FaultArgument.acceptedKinds,
    ]

    public init(from decoder: any Decoder) throws {
        try JSONPath.rejectUnknownKeys(in: decoder, known: Field.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: Field.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        do {
            rps = try container.decode(Double.self, forKey: .rps)
        } catch let error as DecodingError {
            throw error
        } catch {
            // The JSON decoder throws its own internal error for a number it cannot represent.
            throw DecodingError.dataCorruptedError(forKey: .rps, in: container, debugDescription: "the number cannot be represented; expected \(Scenario.expectations["rps"]!)")
        }
        guard rps > 0, rps <= Scenario.maximumRPS, rps.isFinite else {
            throw DecodingError.dataCorruptedError(forKey: .rps, in: container, debugDescription: "\(JSONPath.plain(rps)) is out of range; expected \(Scenario.expectations["rps"]!)")
        }
        duration = try JSONPath.decodeDuration(container, .duration)
        guard duration > .zero else {
            throw DecodingError.dataCorruptedError(forKey: .duration, in: container, debugDescription: "the run must last longer than 0s; expected \(Scenario.expectations["duration"]!)")
        }
        do {
            seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
        } catch {
            // Includes the decoder's internal error for -1 or 1.5, which would otherwise surface without a path.
            throw DecodingError.dataCorruptedError(forKey: .seed, in: container, debugDescription: "expected \(Scenario.expectations["seed"]!)")
        }
        faults = try container.decodeIfPresent([ScheduledFault].self, forKey: .faults) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(rps, forKey: .rps)
        try container.encode(DurationParser.format(duration), forKey: .duration)
        try container.encodeIfPresent(seed, forKey: .seed)
        try container.encode(faults, forKey: .faults)
    }
}

extension ScheduledFault: Codable {
    private enum Field: String, CodingKey, CaseIterable {
        case at, service, fault
    }

    public init(from decoder: any Decoder) throws {
        try JSONPath.rejectUnknownKeys(in: decoder, known: Field.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: Field.self)
        at = try JSONPath.decodeDuration(container, .at)
        service = try container.decode(String.self, forKey: .service)
        guard !service.trimmingSpaces.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .service, in: container, debugDescription: "the service name is empty; expected \(Scenario.expectations["service"]!)")
        }
        origin = .scenario
        let faultText = try container.decode(String.self, forKey: .fault)
        do {
            fault = try FaultArgument.parseFault(faultText)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .fault, in: container, debugDescription: "\(error.problem) (got \"\(faultText)\"); expected \(error.accepted)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(DurationParser.format(at), forKey: .at)
        try container.encode(service, forKey: .service)
        try container.encode(FaultArgument.format(fault), forKey: .fault)
    }
}

/// Coding paths in the form people read in JSON: `faults[1].at`.
enum JSONPath {
    static func render(_ path: [any CodingKey]) -> String {
        let text = MeshJSON.fieldPath(path)
        return text.isEmpty ? "(top level)" : text
    }

    /// `200` rather than `200.0`, for messages.
    static func plain(_ number: Double) -> String {
        number.isFinite && number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Float.Type, is Int.Type: "a number"
        case is UInt64.Type: "a whole number ≥ 0"
        case is Bool.Type: "true or false"
        case is [ScheduledFault].Type: "a list"
        default: String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }

    /// A string field holding a duration; a bad one is a `dataCorrupted` error at that field.
    static func decodeDuration<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> Duration {
        let text = try container.decode(String.self, forKey: key)
        do {
            let duration = try DurationParser.parse(text)
            return duration
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(error.problem) (got \"\(text)\"); expected \(Scenario.expectations[key.stringValue] ?? DurationParser.acceptedForms)")
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws a `dataCorrupted` error at the first key that is not in `known`, listing the known ones.
    static func rejectUnknownKeys(in decoder: any Decoder, known: [String]) throws {
        // Only objects have keys; a wrong type is reported by the typed decode that follows.
        guard let container = try? decoder.container(keyedBy: AnyKey.self) else { return }
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [key],
                debugDescription: "unknown field; expected only \(known.joined(separator: ", "))"
            ))
        }
    }
}
