import Randomness
import ServiceMesh

extension RequestKind {
    /// A shopper opens a product page (price, reviews, recommendations).
    public static let viewProduct = RequestKind("viewProduct")
    /// A shopper checks one product's price for their tier.
    public static let checkPrice = RequestKind("checkPrice")
    /// A signed-in shopper puts a product in the cart.
    public static let addToCart = RequestKind("addToCart")
    /// A shopper fills the cart and places it, then sends the same order again with the same
    /// Idempotency-Key (a double click, or a retry after a lost answer).
    public static let placeOrderReplayed = RequestKind("placeOrderReplayed")
    /// A customer looks up where a recent order's parcel is.
    public static let trackOrder = RequestKind("trackOrder")
    /// A shopper whose token has expired tries to add to the cart: 401.
    public static let expiredSignIn = RequestKind("expiredSignIn")

    /// The marketplace's kinds.
    public static let marketplace: [RequestKind] = [.search, .viewProduct, .checkPrice, .addToCart, .placeOrder, .placeOrderReplayed, .trackOrder, .expiredSignIn]
}

extension TrafficMix {
    /// The marketplace's default. As in a real shop, browsing is most of it (searches, product
    /// pages, prices: two thirds); a sixth are cart adds; one request in ten places an order
    /// (filling the cart first), one in fifty repeats its order with the same key; tracking
    /// lookups follow the orders, and a few shoppers' tokens have expired.
    public static let marketplace = constant([
        .search: 22,
        .viewProduct: 34,
        .checkPrice: 8,
        .addToCart: 16,
        .placeOrder: 10,
        .placeOrderReplayed: 2,
        .trackOrder: 7,
        .expiredSignIn: 1,
    ])
}

extension Marketplace {
    /// The root of every request's own stream.
    private var requestSeed: UInt64 { SeededRandom.derivedSeed(seed, component: "marketplace.requests") }

    /// Share of replayed orders whose two requests go at the same moment (a double click); the
    /// rest repeat once the first has answered (a retry after a lost answer).
    static let concurrentReplayShare = 0.5

    /// Sends one arrival through the gateway, as shoppers' apps would; per-request choices come
    /// from the seed and `index`. An order first fills the cart (one to three adds). Returns the
    /// arrival's last response (the order's, the lookup's…).
    @discardableResult
    public func send(_ kind: RequestKind, index: Int) async -> Response {
        var random = SeededRandom(seed: requestSeed, stream: UInt64(index))
        switch kind {
        case .search:
            let word = MarketplaceCatalog.searchWords[random.nextIndex(below: MarketplaceCatalog.searchWords.count)]
            return await mesh.ingress(Request(path: "/api/search?q=\(word)"))
        case .viewProduct:
            let product = Self.popularProduct(using: &random)
            let tier = MarketplaceCatalog.customer(Self.customerNumber(using: &random)).tier
            return await mesh.ingress(Request(path: "/api/products/\(product)?tier=\(tier.rawValue)"))
        case .checkPrice:
            let product = Self.popularProduct(using: &random)
            let tier = MarketplaceCatalog.customer(Self.customerNumber(using: &random)).tier
            return await mesh.ingress(Request(path: "/api/prices/\(product)?tier=\(tier.rawValue)"))
        case .addToCart:
            return await addToCart(Self.customerNumber(using: &random), using: &random)
        case .expiredSignIn:
            let expired = 50 * (random.nextIndex(below: MarketplaceCatalog.customerCount / 50) + 1)
            return await addToCart(expired, using: &random)
        case .placeOrder, .placeOrderReplayed:
            let customer = Self.customerNumber(using: &random)
            for _ in 0...random.nextIndex(below: 3) { await addToCart(customer, using: &random) }
            let order = Self.placeOrder(customer, key: "checkout-\(index)")
            guard kind == .placeOrderReplayed else { return await mesh.ingress(order) }
            if random.nextUnitInterval() < Self.concurrentReplayShare {
                return await withTaskGroup(of: Response.self) { group in
                    group.addTask { await self.mesh.ingress(order) }
                    group.addTask { await self.mesh.ingress(order) }
                    var last = Response(status: 500)
                    for await response in group { last = response }
                    return last
                }
            }
            _ = await mesh.ingress(order)
            return await mesh.ingress(order)
        case .trackOrder:
            guard let (orderId, customer) = tracking.recentShipment(random.nextIndex(below: 200)) else {
                // Nothing shipped yet: the lookup of an order not shipped, 404.
                return await mesh.ingress(Request(path: "/api/tracking/mo-0", headers: Self.signedIn(1)))
            }
            let number = MarketplaceCatalog.number(in: customer, prefix: "c") ?? 1
            return await mesh.ingress(Request(path: "/api/tracking/\(orderId)", headers: Self.signedIn(number)))
        default:
            // Not one of ``TrafficMix/marketplace``'s kinds: sent as asked, the gateway answers 404.
            return await mesh.ingress(Request(path: "/api/\(kind.rawValue)"))
        }
    }

    @discardableResult
    private func addToCart(_ customer: Int, using random: inout SeededRandom) async -> Response {
        let body = CartService.AddItem(productId: Self.popularProduct(using: &random), quantity: random.nextIndex(below: 2) + 1)
        let request = (try? Request(method: .post, path: "/api/carts/items", headers: Self.signedIn(customer), json: body)) ?? Request(method: .post, path: "/api/carts/items")
        return await mesh.ingress(request)
    }

    /// `POST /api/orders` for customer `number` with an Idempotency-Key.
    public static func placeOrder(_ number: Int, key: String) -> Request {
        var headers = signedIn(number)
        headers[MeshHeader.idempotencyKey] = key
        return Request(method: .post, path: "/api/orders", headers: headers)
    }

    /// Customer `number`'s bearer token as a header.
    public static func signedIn(_ number: Int) -> Headers {
        [MeshHeader.authorization: "Bearer \(MarketplaceCatalog.token(of: number))"]
    }

    /// A customer whose token is valid.
    static func customerNumber(using random: inout SeededRandom) -> Int {
        let number = random.nextIndex(below: MarketplaceCatalog.customerCount) + 1
        return MarketplaceCatalog.hasExpiredToken(number) ? number - 1 : number
    }

    /// A product, the first ones far more often (as bestsellers are).
    static func popularProduct(using random: inout SeededRandom) -> String {
        let u = random.nextUnitInterval()
        return "m\(Int(Double(MarketplaceCatalog.productCount) * u * u) + 1)"
    }
}
