import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The body of `POST /api/v1/control` read into a ``ControlCommand``, or a 400 naming the field
/// that is wrong and what it accepts. Pure: tested without a server.
public enum ControlBody {
    /// The fields each action takes, as the error messages list them.
    public static let fields: [ControlCommand.Action: [String]] = [
        .trip: ["action", "breaker", "seconds"],
        .forceClosed: ["action", "breaker"],
        .reset: ["action", "breaker"],
        .disable: ["action", "breaker"],
        .metricsOnly: ["action", "breaker"],
        .fault: ["action", "service", "fault"],
        .policy: ["action", "edge", "timeoutMs", "maxAttempts", "restore"],
    ]

    /// The accepted bodies, one per action, for messages that cannot name a single field.
    public static let accepted = #"{"action":"trip","breaker":ID,"seconds":N (optional)}, {"action":"force-closed","breaker":ID}, "#
        + #"{"action":"reset","breaker":ID}, {"action":"disable","breaker":ID}, {"action":"metrics-only","breaker":ID}, "#
        + #"{"action":"fault","service":NAME,"fault":{"kind":"errors","ratio":0.5} (kinds: "#
        + FaultSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ") + ")}, "
        + #"{"action":"policy","edge":"CALLER->TARGET","timeoutMs":N,"maxAttempts":N} (either or both), {"action":"policy","edge":…,"restore":true}"#

    /// - Throws: ``APIError`` (400) with `field` set to the JSON path of the culprit
    ///   (`breaker`, `fault.kind`), or unset when the body is not a JSON object at all.
    public static func decode(_ data: Data) throws(APIError) -> ControlCommand {
        guard !data.isEmpty else {
            throw APIError(.badRequest, "the body is empty; send one JSON object: \(accepted)")
        }
        // Fields the action does not take are refused, so a typo (`"second": 30`) is not silently
        // dropped; first, so the typo is named rather than the field it should have been.
        if let object = try? JSONDecoder().decode(ObjectKeys.self, from: data), let action = object.action {
            let allowed = fields[action] ?? []
            if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw .badRequest(unknown, "unknown field \"\(unknown)\" for action \(action.rawValue); it takes: \(allowed.joined(separator: ", "))")
            }
        }
        let command: ControlCommand
        do {
            command = try JSONDecoder().decode(ControlCommand.self, from: data)
        } catch let error as DecodingError {
            throw apiError(for: error)
        } catch {
            throw APIError(.badRequest, "the body is not a ControlCommand (\(error)); send one of \(accepted)")
        }
        switch command {
        case .setFault(_, let fault):
            try check(fault)
        case .tripBreaker(_, let seconds?) where seconds > maximumTripSeconds:
            // The mesh holds durations in Int64 nanoseconds: an unbounded number would overflow there.
            throw .badRequest("seconds", "seconds is how long the breaker stays forced open, at most \(Int(maximumTripSeconds)) (a year), got \(seconds); leave it out to trip until reset")
        default:
            break
        }
        return command
    }

    /// The longest a trip may last: a year.
    public static let maximumTripSeconds: Double = 31_536_000
    /// The largest injected latency: an hour.
    public static let maximumLatencyMilliseconds: Double = 3_600_000

    /// Values FaultSpec's JSON decodes but no fault can mean.
    private static func check(_ fault: FaultSpec) throws(APIError) {
        switch fault {
        case .errors(let ratio, let status):
            guard (0...1).contains(ratio) else {
                throw .badRequest("fault.ratio", "fault.ratio is the share of requests that fail, 0…1, got \(ratio)")
            }
            guard (400...599).contains(status) else {
                throw .badRequest("fault.status", "fault.status is the HTTP status of the failures, 400…599, got \(status)")
            }
        case .latency(let milliseconds):
            guard (0...maximumLatencyMilliseconds).contains(milliseconds) else {
                throw .badRequest("fault.milliseconds", "fault.milliseconds is the added latency, 0…\(Int(maximumLatencyMilliseconds)) (an hour), got \(milliseconds)")
            }
        case .none, .down, .hang:
            break
        }
    }

    /// A `DecodingError` as the client should read it: which field, what was wrong, what is accepted.
    static func apiError(for error: DecodingError) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            let path = fieldPath(context.codingPath + [key])
            return .badRequest(path, "missing field \"\(path)\"; accepted: \(accepted)")
        case .typeMismatch(let type, let context):
            let path = fieldPath(context.codingPath)
            guard !path.isEmpty else {
                return APIError(.badRequest, "the body must be one JSON object: \(accepted)")
            }
            return .badRequest(path, "\(path) must be \(describe(type))")
        case .valueNotFound(let type, let context):
            let path = fieldPath(context.codingPath)
            return .badRequest(path, "\(path) is null; it must be \(describe(type))")
        case .dataCorrupted(let context):
            let path = fieldPath(context.codingPath)
            guard !path.isEmpty else {
                return APIError(.badRequest, "the body is not valid JSON; send one object: \(accepted)")
            }
            return .badRequest(path, context.debugDescription)
        @unknown default:
            return APIError(.badRequest, "the body is not a ControlCommand; send one of \(accepted)")
        }
    }

    /// `fault.kind` for the path [fault, kind]; array positions as `[0]`.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type, is Float.Type: "a number"
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: "a JSON object" + (String(describing: type).contains("Dictionary") ? "" : " (\(type))")
        }
    }

    /// The keys of a JSON object, whatever their values, and its action when it names a known one.
    private struct ObjectKeys: Decodable {
        var keys: [String]
        var action: ControlCommand.Action?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            keys = container.allKeys.map(\.stringValue)
            action = (try? container.decodeIfPresent(String.self, forKey: AnyKey(stringValue: "action"))).flatMap { $0.flatMap(ControlCommand.Action.init) }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
