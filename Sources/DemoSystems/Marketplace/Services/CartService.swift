import ServiceMesh
import Synchronization

extension Marketplace {
    /// Shopping carts, one per customer (`X-User-ID`): add items, read the cart, and check out.
    /// A checkout removes an order's lines from the cart and records which order took them
    /// (idempotent by order id); a restore puts them back when the order is compensated. So a
    /// cart is cleared exactly when, and as often as, an order is placed from it.
    public final class CartService: MeshService, Sendable {
        public let name = "cart-service"

        public struct Cart: Codable, Sendable, Equatable {
            public var customerId: String
            public var items: [LineItem]
            /// Bumped on every change.
            public var version: Int
        }

        public struct AddItem: Codable, Sendable {
            public var productId: String
            public var quantity: Int
            public init(productId: String, quantity: Int) {
                self.productId = productId
                self.quantity = quantity
            }
        }

        struct Checkout: Codable { var orderId: String; var items: [LineItem] }
        struct Restore: Codable { var orderId: String }

        /// Lines a cart may hold, units a line may have: a shopper, not a wholesaler.
        public static let maxLines = 5
        public static let maxQuantity = 3

        public struct Stats: Sendable, Equatable {
            public var adds = 0
            public var checkouts = 0
            public var restores = 0
        }

        private struct State {
            var carts: [String: Cart] = [:]
            /// Order id → what its checkout took from which customer's cart.
            var checkouts: [String: (customerId: String, items: [LineItem])] = [:]
            var stats = Stats()
        }

        private let state = Mutex(State())
        private let work: WorkSimulator

        public init(work: WorkSimulator) { self.work = work }

        public var router: Router {
            var router = Router()
            router.get("/carts/:customerId") { [self] _, context in
                let customer = try context.parameter("customerId")
                try await work.work(0.5, 3)
                return .json(state.withLock { $0.carts[customer] } ?? Cart(customerId: customer, items: [], version: 0))
            }
            router.post("/carts/items") { [self] request, _ in
                guard let customer = request.headers[MeshHeader.userID] else { throw HTTPError(401, "no customer: carts are changed through the gateway, signed in") }
                let body = try request.decode(AddItem.self)
                guard (1...Self.maxQuantity).contains(body.quantity) else { throw BadRequestError(message: "quantity must be 1 to \(Self.maxQuantity) (got \(body.quantity))") }
                guard let number = MarketplaceCatalog.number(in: body.productId, prefix: "m"), number <= MarketplaceCatalog.productCount else {
                    throw HTTPError(404, "no product '\(body.productId)'")
                }
                try await work.work(0.5, 4)
                let cart = try state.withLock { state throws(HTTPError) -> Cart in
                    var cart = state.carts[customer] ?? Cart(customerId: customer, items: [], version: 0)
                    if let line = cart.items.firstIndex(where: { $0.productId == body.productId }) {
                        cart.items[line].quantity = min(Self.maxQuantity, cart.items[line].quantity + body.quantity)
                    } else {
                        guard cart.items.count < Self.maxLines else { throw HTTPError(409, "the cart is full (\(Self.maxLines) lines)") }
                        cart.items.append(LineItem(productId: body.productId, quantity: body.quantity))
                    }
                    cart.version += 1
                    state.carts[customer] = cart
                    state.stats.adds += 1
                    return cart
                }
                return .json(cart)
            }
            router.post("/carts/:customerId/checkout") { [self] request, context in
                let customer = try context.parameter("customerId")
                let body = try request.decode(Checkout.self)
                try await work.work(0.5, 3)
                try state.withLock { state throws(HTTPError) in
                    if state.checkouts[body.orderId] != nil { return }
                    var cart = state.carts[customer] ?? Cart(customerId: customer, items: [], version: 0)
                    for item in body.items {
                        guard let line = cart.items.firstIndex(where: { $0.productId == item.productId }), cart.items[line].quantity >= item.quantity else {
                            throw HTTPError(409, "the cart changed: \(item.productId) × \(item.quantity) is no longer in it")
                        }
                        cart.items[line].quantity -= item.quantity
                    }
                    cart.items.removeAll { $0.quantity == 0 }
                    cart.version += 1
                    state.carts[customer] = cart
                    state.checkouts[body.orderId] = (customer, body.items)
                    state.stats.checkouts += 1
                }
                return Response(status: 204)
            }
            router.post("/carts/:customerId/restore") { [self] request, context in
                let customer = try context.parameter("customerId")
                let body = try request.decode(Restore.self)
                try await work.work(0.5, 3)
                state.withLock { state in
                    guard let taken = state.checkouts.removeValue(forKey: body.orderId) else { return }
                    var cart = state.carts[customer] ?? Cart(customerId: customer, items: [], version: 0)
                    for item in taken.items {
                        if let line = cart.items.firstIndex(where: { $0.productId == item.productId }) {
                            cart.items[line].quantity += item.quantity
                        } else {
                            cart.items.append(item)
                        }
                    }
                    cart.version += 1
                    state.carts[customer] = cart
                    state.stats.restores += 1
                }
                return Response(status: 204)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        /// Which customer's cart each order checked out.
        public func ledgerCheckouts() -> [String: String] {
            state.withLock { $0.checkouts.mapValues(\.customerId) }
        }

        /// How many units of `productId` are in `customer`'s cart now.
        public func quantity(of productId: String, in customer: String) -> Int {
            state.withLock { $0.carts[customer]?.items.first { $0.productId == productId }?.quantity ?? 0 }
        }
    }
}
