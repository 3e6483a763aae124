/// What a person (or a script) can ask a running system to do, through a dashboard source.
public enum ControlCommand: Codable, Sendable, Equatable {
    /// Force the breaker open by hand; with a duration it returns to automatic afterwards.
    case tripBreaker(id: String, forSeconds: Double? = nil)
    case forceBreakerClosed(id: String)
    /// Back to automatic (closed), with its window cleared.
    case resetBreaker(id: String)
    /// Inject a fault into every instance of a service; `.none` clears it.
    case setFault(service: String, fault: FaultSpec)
}

/// A fault to inject into a service, as the dashboard and the CLI name them.
public enum FaultSpec: Codable, Sendable, Equatable {
    case none
    /// This share of requests (0…1) fail with `status` (503 by default).
    case errors(ratio: Double, status: Int = 503)
    /// Every request takes this much longer.
    case latency(milliseconds: Double)
    /// Connections are refused.
    case down
    /// Requests never answer; callers wait until their timeout.
    case hang

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
