import ServiceMesh

extension Streaming {
    /// billing-service: subscriptions (active or not, and the plan). `GET /subscriptions/:user`.
    public final class BillingService: MeshService, Sendable {
        public let name = "billing-service"
        private let subscriptions: [String: StreamingCatalog.Subscription]
        private let work: WorkSimulator

        public init(work: WorkSimulator) {
            subscriptions = Dictionary(uniqueKeysWithValues: StreamingCatalog.subscriptions.map { ($0.userId, $0) })
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.get("/subscriptions/:user") { [self] _, context in
                let user = try context.parameter("user")
                try await work.work(0.5, 4)
                guard let subscription = subscriptions[user] else { throw HTTPError(404, "no subscription for user '\(user)'") }
                return .json(subscription)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        /// Every subscription, by user id.
        public func ledgerSubscriptions() -> [String: StreamingLedger.Subscription] {
            subscriptions.mapValues { StreamingLedger.Subscription(active: $0.active, plan: $0.plan) }
        }
    }
}
