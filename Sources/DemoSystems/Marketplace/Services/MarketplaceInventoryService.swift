import ServiceMesh
import Synchronization

extension Marketplace {
    /// Stock per product. A reservation moves units from available to held for an order
    /// (idempotent by order id); shipping moves them from held to shipped; releasing gives held
    /// units back. So available + held + shipped = the initial stock, always.
    public final class InventoryService: MeshService, Sendable {
        public let name = "inventory-service"

        public struct Reservation: Codable, Sendable, Equatable {
            public var orderId: String
            public var items: [LineItem]
            public var shipped: Bool
        }

        struct Reserve: Codable { var orderId: String; var items: [LineItem] }
        struct Check: Codable { var items: [LineItem] }

        public struct Stats: Sendable, Equatable {
            public var reserved = 0
            public var refusedOutOfStock = 0
            public var released = 0
            public var shipped = 0
        }

        private struct State {
            var available: [String: Int]
            var reservations: [String: Reservation] = [:]
            var stats = Stats()
        }

        private let state: Mutex<State>
        private let work: WorkSimulator

        public init(work: WorkSimulator) {
            state = Mutex(State(available: Dictionary(uniqueKeysWithValues: MarketplaceCatalog.products.map { ($0.id, $0.initialStock) })))
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.post("/inventory/check") { [self] request, _ in
                let body = try request.decode(Check.self)
                try await work.work(0.5, 4)
                try state.withLock { state throws(HTTPError) in try Self.ensureAvailable(body.items, in: state.available) }
                return .json(["available": "true"])
            }
            router.post("/reservations") { [self] request, _ in
                let body = try request.decode(Reserve.self)
                try await work.work(1, 6)
                return try state.withLock { state throws(HTTPError) -> Response in
                    if let existing = state.reservations[body.orderId] { return .json(existing) }
                    do throws(HTTPError) {
                        try Self.ensureAvailable(body.items, in: state.available)
                    } catch {
                        state.stats.refusedOutOfStock += 1
                        throw error
                    }
                    for item in body.items { state.available[item.productId]! -= item.quantity }
                    let reservation = Reservation(orderId: body.orderId, items: body.items, shipped: false)
                    state.reservations[body.orderId] = reservation
                    state.stats.reserved += 1
                    return .json(reservation, status: 201)
                }
            }
            router.delete("/reservations/:orderId") { [self] _, context in
                let orderId = try context.parameter("orderId")
                try await work.work(0.5, 3)
                try state.withLock { state throws(HTTPError) in
                    guard let reservation = state.reservations[orderId] else { return }
                    guard !reservation.shipped else { throw HTTPError(409, "order \(orderId)'s units have shipped: they cannot be released") }
                    state.reservations[orderId] = nil
                    for item in reservation.items { state.available[item.productId]! += item.quantity }
                    state.stats.released += 1
                }
                return Response(status: 204)
            }
            router.post("/reservations/:orderId/ship") { [self] _, context in
                let orderId = try context.parameter("orderId")
                try await work.work(0.5, 3)
                return try state.withLock { state throws(HTTPError) -> Response in
                    guard var reservation = state.reservations[orderId] else { throw HTTPError(404, "no reservation for order \(orderId)") }
                    if !reservation.shipped {
                        reservation.shipped = true
                        state.reservations[orderId] = reservation
                        state.stats.shipped += 1
                    }
                    return .json(reservation)
                }
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        private static func ensureAvailable(_ items: [LineItem], in available: [String: Int]) throws(HTTPError) {
            for (product, quantity) in Marketplace.totals(items) {
                guard let left = available[product] else { throw HTTPError(404, "no product '\(product)'") }
                guard left >= quantity else { throw HTTPError(409, "only \(left) of \(product) left") }
            }
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        /// Stock as the invariant checker reads it.
        public func ledgerStock() -> [String: MarketplaceLedger.Stock] {
            state.withLock { state in
                var stock: [String: MarketplaceLedger.Stock] = [:]
                for product in MarketplaceCatalog.products {
                    stock[product.id] = MarketplaceLedger.Stock(initial: product.initialStock, available: state.available[product.id] ?? 0)
                }
                for reservation in state.reservations.values {
                    for item in reservation.items {
                        if reservation.shipped {
                            stock[item.productId, default: .init(initial: 0, available: 0)].shippedByOrder[reservation.orderId, default: 0] += item.quantity
                        } else {
                            stock[item.productId, default: .init(initial: 0, available: 0)].heldByOrder[reservation.orderId, default: 0] += item.quantity
                        }
                    }
                }
                return stock
            }
        }
    }

    /// Units per product, lines of one product added up, in product order.
    static func totals(_ items: [LineItem]) -> [(String, Int)] {
        Dictionary(items.map { ($0.productId, $0.quantity) }, uniquingKeysWith: +).sorted { $0.key < $1.key }
    }
}
