import ServiceMesh
import Synchronization

extension Marketplace {
    /// The products, and the product page: the product with its price for the reader's tier,
    /// read in parallel with its reviews and recommendations (`GET /products/:id?tier=`). Reviews
    /// and recommendations are extras: without them the page is still served, marked degraded;
    /// without a price it is not. Every listing and update is published on ``catalogTopic``,
    /// which feeds search-service's index.
    public final class CatalogService: MeshService, Sendable {
        public let name = "catalog-service"
        public static let catalogTopic = "catalog"

        public struct ProductEvent: Codable, Sendable, Equatable {
            public var productId: String
            public var title: String
            public var category: String
            public var version: Int
        }

        public struct Page: Codable, Sendable {
            public var product: MarketplaceCatalog.Product
            public var price: PricingService.Price
            public var reviews: ReviewService.Summary?
            public var recommendations: [String]?
            /// What the page went without.
            public var omitted: [String]
        }

        public struct Stats: Sendable, Equatable {
            public var pages = 0
            public var degradedPages = 0
            public var updates = 0
        }

        private struct State {
            var versions: [Int]
            var stats = Stats()
        }

        private let state = Mutex(State(versions: Array(repeating: 0, count: MarketplaceCatalog.productCount + 1)))
        private let mesh: Mesh
        private let work: WorkSimulator

        public init(mesh: Mesh, work: WorkSimulator) {
            self.mesh = mesh
            self.work = work
        }

        /// Product `number` as the catalog has it now.
        public func product(_ number: Int) -> MarketplaceCatalog.Product {
            var product = MarketplaceCatalog.product(number)
            product.title = MarketplaceCatalog.title(number, version: state.withLock { $0.versions[number] })
            return product
        }

        public var router: Router {
            var router = Router()
            router.get("/products/:id") { [self] request, context in
                let id = try context.parameter("id")
                guard let number = MarketplaceCatalog.number(in: id, prefix: "m"), number <= MarketplaceCatalog.productCount else {
                    throw HTTPError(404, "no product '\(id)'")
                }
                let tier = try PricingService.tier(request)
                try await work.work(1, 5)
                return try await page(product(number), tier: tier, client: context.client)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        private enum Part: Sendable {
            case price(PricingService.Price?)
            case reviews(ReviewService.Summary?)
            case recommendations([String]?)
        }

        private func page(_ product: MarketplaceCatalog.Product, tier: MarketplaceCatalog.Tier, client: MeshClient) async throws -> Response {
            let id = product.id
            let parts = await withTaskGroup(of: Part.self) { group in
                group.addTask { .price(try? await client.get("pricing-service", "/prices/\(id)?tier=\(tier.rawValue)").decodeIfSuccess(PricingService.Price.self)) }
                group.addTask { .reviews(try? await client.get("review-service", "/reviews/\(id)").decodeIfSuccess(ReviewService.Summary.self)) }
                group.addTask { .recommendations(try? await client.get("recommendation-service", "/recommendations/\(id)").decodeIfSuccess([String].self)) }
                var parts: [Part] = []
                for await part in group { parts.append(part) }
                return parts
            }
            var price: PricingService.Price?
            var reviews: ReviewService.Summary?
            var recommendations: [String]?
            for part in parts {
                switch part {
                case .price(let value): price = value
                case .reviews(let value): reviews = value
                case .recommendations(let value): recommendations = value
                }
            }
            guard let price else { throw HTTPError(503, "no price for \(id): pricing-service did not answer") }
            let omitted = (reviews == nil ? ["reviews"] : []) + (recommendations == nil ? ["recommendations"] : [])
            state.withLock { state in
                state.stats.pages += 1
                if !omitted.isEmpty { state.stats.degradedPages += 1 }
            }
            return .json(Page(product: product, price: price, reviews: reviews, recommendations: recommendations, omitted: omitted))
        }

        /// Publishes every product's listing (at start, for search-service's index).
        public func publishListings() {
            for number in 1...MarketplaceCatalog.productCount { publish(product(number), version: 0) }
        }

        /// Rewords product `number`'s title (a merchant editing the listing) and publishes it.
        public func update(_ number: Int) {
            let version = state.withLock { state in
                state.versions[number] += 1
                state.stats.updates += 1
                return state.versions[number]
            }
            publish(product(number), version: version)
        }

        private func publish(_ product: MarketplaceCatalog.Product, version: Int) {
            _ = try? mesh.eventBus.publish(Self.catalogTopic, type: version == 0 ? "product.listed" : "product.updated",
                                           data: ProductEvent(productId: product.id, title: product.title, category: product.category, version: version), source: name)
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        /// Each product's listing version, by product id.
        public func ledgerVersions() -> [String: Int] {
            state.withLock { state in Dictionary(uniqueKeysWithValues: (1...MarketplaceCatalog.productCount).map { ("m\($0)", state.versions[$0]) }) }
        }
    }
}

extension Response {
    /// The body decoded when the status is a success; nil otherwise.
    func decodeIfSuccess<T: Decodable>(_ type: T.Type) -> T? {
        guard isSuccess else { return nil }
        return try? decode(type)
    }
}
