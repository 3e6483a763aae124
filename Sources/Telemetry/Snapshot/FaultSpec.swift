/// A fault injected into a service: what ``ControlCommand/setFault(service:fault:)`` sets and what
/// ``ServiceStatus/fault`` reports. A typed value end to end; ``summary`` makes the words where a
/// person reads them.
///
/// JSON, stable: an object with the `kind` and that kind's values, as in `{"kind":"errors",
/// "ratio":0.5,"status":503}`, `{"kind":"latency","milliseconds":300}`, `{"kind":"down"}`.
public enum FaultSpec: Sendable, Equatable {
    case none
    /// This share of requests (0…1) fail with `status` (503 by default).
    case errors(ratio: Double, status: Int = 503)
    /// Every request takes this much longer.
    case latency(milliseconds: Double)
    /// Connections are refused.
    case down
    /// Requests never answer; callers wait until their timeout.
    case hang

    /// The kind alone, as JSON's `kind` names it.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case none, errors, latency, down, hang
    }

    public var kind: Kind {
        switch self {
        case .none: .none
        case .errors: .errors
        case .latency: .latency
        case .down: .down
        case .hang: .hang
        }
    }

    /// In words, as the Services view shows it (`errors 50%`, `latency 300ms`, `down`); nil for `.none`.
    public var summary: String? {
        switch self {
        case .none: nil
        case .errors(let ratio, let status): status == 503 ? "errors \(Int((ratio * 100).rounded()))%" : "errors \(Int((ratio * 100).rounded()))% (\(status))"
        case .latency(let ms): "latency \(Int(ms.rounded()))ms"
        case .down: "down"
        case .hang: "hang"
        }
    }
}

extension FaultSpec: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, ratio, status, milliseconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .kind)
        guard let kind = Kind(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown fault kind \"\(name)\"; expected one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch kind {
        case .none: self = .none
        case .errors: self = .errors(ratio: try container.decode(Double.self, forKey: .ratio), status: try container.decodeIfPresent(Int.self, forKey: .status) ?? 503)
        case .latency: self = .latency(milliseconds: try container.decode(Double.self, forKey: .milliseconds))
        case .down: self = .down
        case .hang: self = .hang
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .errors(let ratio, let status):
            try container.encode(ratio, forKey: .ratio)
            try container.encode(status, forKey: .status)
        case .latency(let milliseconds):
            try container.encode(milliseconds, forKey: .milliseconds)
        case .none, .down, .hang:
            break
        }
    }
}
