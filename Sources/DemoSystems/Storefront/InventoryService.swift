import ServiceMesh
import Synchronization

/// A line of an order: a product and how many (the ledger's type, shared by the services' APIs).
public typealias LineItem = StorefrontLedger.LineItem

/// Stock per product: check availability, reserve for an order (idempotent by order id), release.
/// Stock is conserved by construction: a reservation moves units from available to held.
public final class InventoryService: MeshService, Sendable {
    public let name = "inventory-service"

    public struct Reservation: Codable, Sendable, Equatable {
        public var reservationId: String
        public var orderId: String
        public var items: [LineItem]
    }

    struct State {
        var available: [String: Int]
        var initial: [String: Int]
        var reservations: [String: Reservation] = [:]
    }

    private let state: Mutex<State>
    private let work: WorkSimulator

    public init(work: WorkSimulator) {
        let stock = Dictionary(uniqueKeysWithValues: StorefrontCatalog.products.map { ($0.id, $0.initialStock) })
        state = Mutex(State(available: stock, initial: stock))
        self.work = work
    }

    struct CheckRequest: Codable { var items: [LineItem] }
    struct ReserveRequest: Codable { var orderId: String; var items: [LineItem] }

    public var router: Router {
        var router = Router()
        router.get("/inventory/:productId") { [self] _, context in
            let id = try context.parameter("productId")
            guard let available = state.withLock({ $0.available[id] }) else { throw HTTPError(404, "no product '\(id)'") }
            return .json(["productId": id, "available": String(available)])
        }
        router.post("/inventory/check") { [self] request, _ in
            let body = try request.decode(CheckRequest.self)
            try await work.work(1, 5)
            return try state.withLock { state in
                for (product, quantity) in Self.totals(body.items) {
                    guard let available = state.available[product] else { throw HTTPError(404, "no product '\(product)'") }
                    guard available >= quantity else { throw HTTPError(409, "only \(available) of \(product) in stock") }
                }
                return .json(["available": "true"])
            }
        }
        router.post("/reservations") { [self] request, _ in
            let body = try request.decode(ReserveRequest.self)
            try await work.work(2, 10)
            return try state.withLock { state in
                if let existing = state.reservations[body.orderId] { return .json(existing) }
                // Lines of the same product count together (an order may name a product twice).
                for (product, quantity) in Self.totals(body.items) {
                    guard let available = state.available[product] else { throw HTTPError(404, "no product '\(product)'") }
                    guard available >= quantity else { throw HTTPError(409, "only \(available) of \(product) left to reserve") }
                }
                for item in body.items { state.available[item.productId]! -= item.quantity }
                let reservation = Reservation(reservationId: "r-\(body.orderId)", orderId: body.orderId, items: body.items)
                state.reservations[body.orderId] = reservation
                return .json(reservation, status: 201)
            }
        }
        router.delete("/reservations/:orderId") { [self] _, context in
            let orderId = try context.parameter("orderId")
            try await work.work(1, 5)
            state.withLock { state in
                guard let reservation = state.reservations.removeValue(forKey: orderId) else { return }
                for item in reservation.items { state.available[item.productId]! += item.quantity }
            }
            return Response(status: 204)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    /// Units wanted per product, lines of the same product added up, in product order.
    static func totals(_ items: [LineItem]) -> [(String, Int)] {
        Dictionary(items.map { ($0.productId, $0.quantity) }, uniquingKeysWith: +).sorted { $0.key < $1.key }
    }

    /// The stock as the invariant checker reads it.
    public func ledgerStock() -> [StorefrontLedger.Stock] {
        state.withLock { state in
            state.initial.keys.sorted().map { id in
                var held: [String: Int] = [:]
                for reservation in state.reservations.values {
                    for item in reservation.items where item.productId == id { held[reservation.orderId, default: 0] += item.quantity }
                }
                return StorefrontLedger.Stock(productId: id, initial: state.initial[id]!, available: state.available[id]!, reservedByOrder: held)
            }
        }
    }
}
