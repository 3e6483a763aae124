/// What a person (or a script) can ask a running system to do, through a dashboard source.
///
/// Its JSON is the body of `POST /api/v1/control`, one object with an `action`:
/// `{"action":"trip","breaker":"order-service->payment-service","seconds":30}` (`seconds` optional),
/// `{"action":"force-closed","breaker":…}`, `{"action":"reset","breaker":…}`,
/// `{"action":"disable","breaker":…}`, `{"action":"metrics-only","breaker":…}`,
/// `{"action":"fault","service":"payment-service","fault":{"kind":"errors","ratio":0.5}}`
/// (`{"kind":"none"}` clears it). A decoding error names the field and what it accepts.
public enum ControlCommand: Sendable, Equatable {
    /// Force the breaker open by hand; with a duration it returns to automatic afterwards.
    case tripBreaker(id: String, forSeconds: Double? = nil)
    case forceBreakerClosed(id: String)
    /// Back to automatic (closed), with its window cleared.
    case resetBreaker(id: String)
    /// Lets every call through and keeps no window; its policy runs in the shadow.
    case disableBreaker(id: String)
    /// Lets every call through but records outcomes, and evaluates the policy in the shadow
    /// (what it would have done) without acting on it.
    case metricsOnlyBreaker(id: String)
    /// Inject a fault into every instance of a service, or into one instance when `service` names
    /// an instance (`content-service-1`); `.none` clears it.
    case setFault(service: String, fault: FaultSpec)

    /// The `action` values, as the JSON names them.
    public enum Action: String, Codable, Sendable, CaseIterable {
        case trip
        case forceClosed = "force-closed"
        case reset
        case disable
        case metricsOnly = "metrics-only"
        case fault
    }

    public var action: Action {
        switch self {
        case .tripBreaker: .trip
        case .forceBreakerClosed: .forceClosed
        case .resetBreaker: .reset
        case .disableBreaker: .disable
        case .metricsOnlyBreaker: .metricsOnly
        case .setFault: .fault
        }
    }
}

extension ControlCommand: Codable {
    private enum CodingKeys: String, CodingKey {
        case action, breaker, seconds, service, fault
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name = try container.decode(String.self, forKey: .action)
        guard let action = Action(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .action, in: container,
                debugDescription: "unknown action \"\(name)\"; expected one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch action {
        case .trip:
            let seconds = try container.decodeIfPresent(Double.self, forKey: .seconds)
            if let seconds, !(seconds > 0 && seconds.isFinite) {
                throw DecodingError.dataCorruptedError(
                    forKey: .seconds, in: container, debugDescription: "seconds must be a positive number, got \(seconds)")
            }
            self = .tripBreaker(id: try container.decode(String.self, forKey: .breaker), forSeconds: seconds)
        case .forceClosed: self = .forceBreakerClosed(id: try container.decode(String.self, forKey: .breaker))
        case .reset: self = .resetBreaker(id: try container.decode(String.self, forKey: .breaker))
        case .disable: self = .disableBreaker(id: try container.decode(String.self, forKey: .breaker))
        case .metricsOnly: self = .metricsOnlyBreaker(id: try container.decode(String.self, forKey: .breaker))
        case .fault:
            self = .setFault(service: try container.decode(String.self, forKey: .service),
                             fault: try container.decode(FaultSpec.self, forKey: .fault))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        switch self {
        case .tripBreaker(let id, let seconds):
            try container.encode(id, forKey: .breaker)
            try container.encodeIfPresent(seconds, forKey: .seconds)
        case .forceBreakerClosed(let id), .resetBreaker(let id), .disableBreaker(let id), .metricsOnlyBreaker(let id):
            try container.encode(id, forKey: .breaker)
        case .setFault(let service, let fault):
            try container.encode(service, forKey: .service)
            try container.encode(fault, forKey: .fault)
        }
    }
}
