import ServiceMesh

extension Marketplace {
    /// Product reviews: the rating and the newest few (`GET /reviews/:productId`), derived from
    /// the product's number so every run shows the same ones.
    public final class ReviewService: MeshService, Sendable {
        public let name = "review-service"

        public struct Summary: Codable, Sendable, Equatable {
            public var productId: String
            public var averageStars: Double
            public var count: Int
            public var newest: [String]
        }

        private let work: WorkSimulator

        public init(work: WorkSimulator) { self.work = work }

        static let phrases = ["works as described", "arrived early", "good value", "sturdier than expected", "would buy again", "smaller than pictured"]

        public var router: Router {
            var router = Router()
            router.get("/reviews/:productId") { [work] _, context in
                let id = try context.parameter("productId")
                guard let number = MarketplaceCatalog.number(in: id, prefix: "m"), number <= MarketplaceCatalog.productCount else {
                    throw HTTPError(404, "no product '\(id)'")
                }
                try await work.work(1, 8)
                let newest = (0..<3).map { Self.phrases[(number + $0 * 5) % Self.phrases.count] }
                return .json(Summary(productId: id, averageStars: 3 + Double(number % 21) / 10, count: 5 + number * 37 % 900, newest: newest))
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }
    }
}
