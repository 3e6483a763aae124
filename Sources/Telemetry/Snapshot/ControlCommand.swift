/// What a person (or a script) can ask a running system to do, through a dashboard source.
///
/// Its JSON is the body of `POST /api/v1/control`, one object with an `action`:
/// `{"action":"trip","breaker":"order-service->payment-service","seconds":30}` (`seconds` optional),
/// `{"action":"force-closed","breaker":…}`, `{"action":"reset","breaker":…}`,
/// `{"action":"disable","breaker":…}`, `{"action":"metrics-only","breaker":…}`,
/// `{"action":"fault","service":"payment-service","fault":{"kind":"errors","ratio":0.5}}`
/// (`{"kind":"none"}` clears it),
/// `{"action":"policy","edge":"order-service->payment-service","timeoutMs":200,"maxAttempts":2}`
/// (either field alone), `{"action":"policy","edge":…,"restore":true}`. A decoding error names the
/// field and what it accepts.
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
    /// Change the resilience policy of the calls from one service to another (`edge` is
    /// `CALLER->TARGET`, as a breaker id): a patch on top of its current policy, or back to the
    /// policy the system was built with.
    case setPolicy(edge: String, change: PolicyChange)

    /// The `action` values, as the JSON names them.
    public enum Action: String, Codable, Sendable, CaseIterable {
        case trip
        case forceClosed = "force-closed"
        case reset
        case disable
        case metricsOnly = "metrics-only"
        case fault
        case policy
    }

    public var action: Action {
        switch self {
        case .tripBreaker: .trip
        case .forceBreakerClosed: .forceClosed
        case .resetBreaker: .reset
        case .disableBreaker: .disable
        case .metricsOnlyBreaker: .metricsOnly
        case .setFault: .fault
        case .setPolicy: .policy
        }
    }
}

extension ControlCommand: Codable {
    private enum CodingKeys: String, CodingKey {
        case action, breaker, seconds, service, fault, edge, timeoutMs, maxAttempts, restore
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
        case .policy:
            self = .setPolicy(edge: try container.decode(String.self, forKey: .edge), change: try Self.policyChange(in: container))
        }
    }

    /// A whole number, read as any JSON number so `2.5` is refused naming its field (an `Int`
    /// decode of it fails with no field); one beyond `Int` is held at its bounds for the range check.
    private static func wholeNumber(_ key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>) throws -> Int? {
        guard container.contains(key) else { return nil }
        // Null is refused rather than read as absent, so the JSON accepted is exactly the schema's.
        if try container.decodeNil(forKey: key) {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "\(key.stringValue) is null; it must be a whole number (leave it out to keep the edge's)")
        }
        let number = try container.decode(Double.self, forKey: key)
        guard number.rounded() == number else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "\(key.stringValue) must be a whole number, got \(number)")
        }
        return Int(exactly: number) ?? (number < 0 ? .min : .max)
    }

    private static func policyChange(in container: KeyedDecodingContainer<CodingKeys>) throws -> PolicyChange {
        let patch = PolicyPatch(timeoutMilliseconds: try wholeNumber(.timeoutMs, in: container),
                                maxAttempts: try wholeNumber(.maxAttempts, in: container))
        if container.contains(.restore) {
            let restore = try container.decodeNil(forKey: .restore) ? false : try container.decode(Bool.self, forKey: .restore)
            guard restore else {
                throw DecodingError.dataCorruptedError(
                    forKey: .restore, in: container,
                    debugDescription: "restore takes only true (back to the policy the system was built with); leave it out to patch with timeoutMs or maxAttempts")
            }
            guard patch.isEmpty else {
                throw DecodingError.dataCorruptedError(
                    forKey: patch.timeoutMilliseconds != nil ? .timeoutMs : .maxAttempts, in: container,
                    debugDescription: "\"restore\":true takes no other policy field; send the patch (timeoutMs, maxAttempts) without restore")
            }
            return .restore
        }
        if let problem = patch.problem {
            throw DecodingError.dataCorruptedError(forKey: CodingKeys(stringValue: problem.field) ?? .timeoutMs, in: container,
                                                   debugDescription: problem.message)
        }
        return .patch(patch)
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
        case .setPolicy(let edge, let change):
            try container.encode(edge, forKey: .edge)
            switch change {
            case .patch(let patch):
                try container.encodeIfPresent(patch.timeoutMilliseconds, forKey: .timeoutMs)
                try container.encodeIfPresent(patch.maxAttempts, forKey: .maxAttempts)
            case .restore:
                try container.encode(true, forKey: .restore)
            }
        }
    }
}
