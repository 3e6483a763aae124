import ServiceMesh
import Synchronization

extension Marketplace {
    /// Prices per product and tier from the ``PriceBook`` (with the promotion running now), and
    /// quotes: a cart priced once, kept under an id, so the order charges what the customer was
    /// shown even if a promotion ends before the payment.
    public final class PricingService: MeshService, Sendable {
        public let name = "pricing-service"

        public struct Price: Codable, Sendable, Equatable {
            public var productId: String
            public var tier: MarketplaceCatalog.Tier
            public var unitCents: Int
            public var promotion: PriceBook.Promotion?
        }

        public struct QuoteRequest: Codable, Sendable {
            public var customerId: String
            public var tier: MarketplaceCatalog.Tier
            public var items: [LineItem]
        }

        public struct Quote: Codable, Sendable, Equatable {
            public struct Line: Codable, Sendable, Equatable {
                public var productId: String
                public var quantity: Int
                public var listCents: Int
                public var unitCents: Int
                public var promotion: PriceBook.Promotion?

                public init(productId: String, quantity: Int, listCents: Int, unitCents: Int, promotion: PriceBook.Promotion? = nil) {
                    self.productId = productId
                    self.quantity = quantity
                    self.listCents = listCents
                    self.unitCents = unitCents
                    self.promotion = promotion
                }
            }

            public var id: String
            public var customerId: String
            public var tier: MarketplaceCatalog.Tier
            /// When it was quoted (time since the run's start).
            public var quotedAt: Duration
            public var lines: [Line]
            public var totalCents: Int

            public init(id: String, customerId: String, tier: MarketplaceCatalog.Tier, quotedAt: Duration, lines: [Line], totalCents: Int) {
                self.id = id
                self.customerId = customerId
                self.tier = tier
                self.quotedAt = quotedAt
                self.lines = lines
                self.totalCents = totalCents
            }
        }

        public struct Stats: Sendable, Equatable {
            public var quotes = 0
            public var promotionsApplied = 0
        }

        private struct State {
            var quotes: [String: Quote] = [:]
            var next = 0
            var stats = Stats()
        }

        private let state = Mutex(State())
        private let now: @Sendable () -> Duration
        private let work: WorkSimulator

        public init(now: @escaping @Sendable () -> Duration, work: WorkSimulator) {
            self.now = now
            self.work = work
        }

        /// Product `id`'s price for `tier` at `time`; nil for an unknown product.
        public static func price(of id: String, tier: MarketplaceCatalog.Tier, at time: Duration) -> Price? {
            guard let number = MarketplaceCatalog.number(in: id, prefix: "m"), number <= MarketplaceCatalog.productCount else { return nil }
            let promotion = PriceBook.promotion(on: number, at: time)
            let unit = PriceBook.unitCents(listCents: MarketplaceCatalog.product(number).listCents, tier: tier, percentOff: promotion?.percentOff)
            return Price(productId: id, tier: tier, unitCents: unit, promotion: promotion)
        }

        static func tier(_ request: Request) throws(BadRequestError) -> MarketplaceCatalog.Tier {
            guard let raw = request.query["tier"] else { return .standard }
            guard let tier = MarketplaceCatalog.Tier(rawValue: raw) else {
                throw BadRequestError(message: "unknown tier '\(raw)'; expected one of \(MarketplaceCatalog.Tier.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return tier
        }

        public var router: Router {
            var router = Router()
            router.get("/prices/:productId") { [self] request, context in
                let id = try context.parameter("productId")
                let tier = try Self.tier(request)
                try await work.work(0.5, 4)
                guard let price = Self.price(of: id, tier: tier, at: now()) else { throw HTTPError(404, "no product '\(id)'") }
                return .json(price)
            }
            router.post("/quotes") { [self] request, _ in
                let body = try request.decode(QuoteRequest.self)
                guard !body.items.isEmpty else { throw BadRequestError(message: "a quote needs at least one item") }
                try await work.work(1, 8)
                let time = now()
                var lines: [Quote.Line] = []
                for item in body.items {
                    guard let price = Self.price(of: item.productId, tier: body.tier, at: time) else { throw HTTPError(404, "no product '\(item.productId)'") }
                    let list = MarketplaceCatalog.product(MarketplaceCatalog.number(in: item.productId, prefix: "m")!).listCents
                    lines.append(Quote.Line(productId: item.productId, quantity: item.quantity, listCents: list, unitCents: price.unitCents, promotion: price.promotion))
                }
                let quote = state.withLock { state in
                    state.next += 1
                    let quote = Quote(id: "q-\(state.next)", customerId: body.customerId, tier: body.tier, quotedAt: time, lines: lines,
                                      totalCents: lines.reduce(0) { $0 + $1.unitCents * $1.quantity })
                    state.quotes[quote.id] = quote
                    state.stats.quotes += 1
                    state.stats.promotionsApplied += lines.filter { $0.promotion != nil }.count
                    return quote
                }
                return .json(quote, status: 201)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        /// Every quote given, by id.
        public func ledgerQuotes() -> [String: Quote] { state.withLock { $0.quotes } }
    }
}
