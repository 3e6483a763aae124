import ServiceMesh
import Synchronization

/// Screens ride requests with ``FraudRules`` against each rider's recent requests. A flagged
/// request is answered `{"flagged": true, "reason": ...}`; dispatch refuses it.
public final class FraudService: MeshService, Sendable {
    public let name = "fraud-service"

    /// `POST /checks`.
    public struct Check: Codable, Sendable {
        public var riderId: String
        public var pickup: GeoPoint
        public var dropoff: GeoPoint

        public init(riderId: String, pickup: GeoPoint, dropoff: GeoPoint) {
            self.riderId = riderId
            self.pickup = pickup
            self.dropoff = dropoff
        }
    }

    public struct Verdict: Codable, Sendable, Equatable {
        public var flagged: Bool
        public var reason: FraudRules.Reason?
        public var message: String?
    }

    /// Counters for the report.
    public struct Stats: Sendable, Equatable {
        public var checks = 0
        public var flagged: [FraudRules.Reason: Int] = [:]
        public var flaggedTotal: Int { flagged.values.reduce(0, +) }
    }

    private struct State {
        /// Each rider's recent requests, oldest first.
        var history: [String: [FraudRules.Attempt]] = [:]
        var stats = Stats()
    }

    public let rules: FraudRules
    private let state = Mutex(State())
    private let now: @Sendable () -> Duration
    private let work: WorkSimulator

    public init(rules: FraudRules = FraudRules(), now: @escaping @Sendable () -> Duration, work: WorkSimulator) {
        self.rules = rules
        self.now = now
        self.work = work
    }

    public var router: Router {
        var router = Router()
        router.post("/checks") { [self] request, _ in
            let check = try request.decode(Check.self)
            for point in [check.pickup, check.dropoff] {
                if let problem = point.problem { throw BadRequestError(message: "not a position: \(problem)") }
            }
            try await work.work(0.5, 5) // the risk model
            return .json(evaluate(check))
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    /// Judges `check` and remembers it (flagged or not) as the rider's latest request.
    private func evaluate(_ check: Check) -> Verdict {
        let attempt = FraudRules.Attempt(at: now(), pickup: check.pickup, dropoff: check.dropoff)
        return state.withLock { state in
            var history = state.history[check.riderId] ?? []
            history.removeAll { attempt.at - $0.at > rules.memory }
            let verdict = rules.evaluate(attempt, history: history)
            history.append(attempt)
            state.history[check.riderId] = history
            state.stats.checks += 1
            guard let verdict else { return Verdict(flagged: false) }
            state.stats.flagged[verdict.reason, default: 0] += 1
            return Verdict(flagged: true, reason: verdict.reason, message: verdict.message)
        }
    }

    public var statistics: Stats { state.withLock { $0.stats } }
}
