/// One saga (a distributed transaction of steps with compensations), for the dashboard.
public struct SagaStatus: Codable, Sendable, Equatable, Identifiable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case running, completed, compensating, compensated, stuck
    }

    public struct Step: Codable, Sendable, Equatable {
        public enum State: String, Codable, Sendable {
            case pending, running, completed, failed, compensating, compensated, compensationFailed
        }

        public var name: String
        public var state: State
        public var message: String?

        public init(name: String, state: State, message: String? = nil) {
            self.name = name
            self.state = state
            self.message = message
        }
    }

    public var id: String
    /// The saga's type, for example `place-order`.
    public var name: String
    public var state: State
    public var steps: [Step]
    /// Seconds since the system started.
    public var startedAtSeconds: Double
    public var updatedAtSeconds: Double
    public var traceId: String?

    public init(id: String, name: String, state: State, steps: [Step], startedAtSeconds: Double, updatedAtSeconds: Double, traceId: String? = nil) {
        self.id = id
        self.name = name
        self.state = state
        self.steps = steps
        self.startedAtSeconds = startedAtSeconds
        self.updatedAtSeconds = updatedAtSeconds
        self.traceId = traceId
    }
}
