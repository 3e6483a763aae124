import ServiceMesh

extension Marketplace {
    /// Customers' accounts: tier and default payment method (`GET /customers/:id`).
    public final class CustomerService: MeshService, Sendable {
        public let name = "customer-service"
        private let work: WorkSimulator

        public init(work: WorkSimulator) { self.work = work }

        public var router: Router {
            var router = Router()
            router.get("/customers/:id") { [work] _, context in
                let id = try context.parameter("id")
                guard let number = MarketplaceCatalog.number(in: id, prefix: "c"), number <= MarketplaceCatalog.customerCount else {
                    throw HTTPError(404, "no customer '\(id)'")
                }
                try await work.work(1, 6)
                return .json(MarketplaceCatalog.customer(number))
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }
    }
}
