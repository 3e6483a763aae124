/// What a person (or a script) can ask a running system to do, through a dashboard source.
public enum ControlCommand: Codable, Sendable, Equatable {
    /// Force the breaker open by hand; with a duration it returns to automatic afterwards.
    case tripBreaker(id: String, forSeconds: Double? = nil)
    case forceBreakerClosed(id: String)
    /// Back to automatic (closed), with its window cleared.
    case resetBreaker(id: String)
    /// Inject a fault into every instance of a service, or into one instance when `service` names
    /// an instance (`content-service-1`); `.none` clears it.
    case setFault(service: String, fault: FaultSpec)
}
