import ServiceMesh

extension Marketplace {
    /// "Customers also bought": four products of the same category (`GET /recommendations/:productId`).
    public final class RecommendationService: MeshService, Sendable {
        public let name = "recommendation-service"
        private let work: WorkSimulator

        public init(work: WorkSimulator) { self.work = work }

        /// The products shown next to product `number`: the next four of its category, wrapping.
        public static func recommendations(for number: Int) -> [String] {
            let step = MarketplaceCatalog.categories.count
            return (1...4).map { offset in
                let next = (number - 1 + offset * step) % MarketplaceCatalog.productCount + 1
                return "m\(next)"
            }
        }

        public var router: Router {
            var router = Router()
            router.get("/recommendations/:productId") { [work] _, context in
                let id = try context.parameter("productId")
                guard let number = MarketplaceCatalog.number(in: id, prefix: "m"), number <= MarketplaceCatalog.productCount else {
                    throw HTTPError(404, "no product '\(id)'")
                }
                try await work.work(2, 15)
                return .json(Self.recommendations(for: number))
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }
    }
}
