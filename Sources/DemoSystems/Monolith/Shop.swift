import ServiceMesh
import Synchronization

/// The monolith's one deployable: the storefront's six services as modules of one program, on
/// one database (``MonolithStore``), calling each other as functions.
///
/// The routes are the storefront's, behind the same gateway. Each module does the same simulated
/// work per domain operation as its service does in the storefront (the same ``WorkSimulator``
/// ranges and seeds), so what a comparison measures is the architecture: the hops, the sidecars,
/// the sagas, not different work.
///
/// An order is placed in one request, in-process:
///
///     validate user → check availability → price → create order (pending) → charge
///       → reserve stock → confirm → notify (through the event bus, in-process)
///
/// A failure after the order exists rolls it back in one local transaction (cancel, refund what
/// was captured, release what was held), and the failure surfaces as the request's answer: a
/// module's 5xx is the order route's 5xx. There is no saga and no fallback queue: no breaker
/// stands between two modules to say "payment is down, queue it".
final class Shop: MeshService, Sendable {
    let name: String
    let store: MonolithStore
    let calls: ModuleCalls
    private let mesh: Mesh
    private let work: Work
    private let cache = Mutex([String: (user: StorefrontCatalog.User, cachedAt: Duration)]())
    private let cacheTTL: Duration

    /// Each module's simulated work, seeded as its storefront service's is.
    struct Work: Sendable {
        var user, product, inventory, payment, order, notification: WorkSimulator
    }

    init(name: String, mesh: Mesh, store: MonolithStore, calls: ModuleCalls, work: Work, cacheTTL: Duration = .seconds(30)) {
        self.name = name
        self.mesh = mesh
        self.store = store
        self.calls = calls
        self.work = work
        self.cacheTTL = cacheTTL
    }

    var router: Router {
        var router = Router()
        router.get("/users/:id") { [self] _, context in
            .json(try await user(try context.parameter("id")))
        }
        router.get("/products") { [self] _, _ in
            .json(try await calls.run(.product, "list") {
                try await work.product.work(1, 6)
                return store.transaction { Array($0.products.values) }.sorted(by: StorefrontCatalog.catalogOrder)
            })
        }
        router.get("/products/search") { [self] request, _ in
            guard let query = request.query["q"], !query.isEmpty else { throw BadRequestError(message: "search needs a query: /products/search?q=WORDS") }
            return .json(try await calls.run(.product, "search") {
                try await work.product.work(2, 10)
                return search(query)
            })
        }
        router.get("/products/:id") { [self] _, context in
            .json(try await product(try context.parameter("id")))
        }
        router.post("/orders") { [self] request, _ in
            guard let userId = request.headers[MeshHeader.userID] else { throw HTTPError(401, "no user: orders are placed through the gateway, signed in") }
            let body = try request.decode(OrderService.PlaceOrder.self)
            guard !body.items.isEmpty else { throw BadRequestError(message: "an order needs at least one item") }
            if let bad = body.items.first(where: { $0.quantity <= 0 }) {
                throw BadRequestError(message: "quantity must be at least 1 (got \(bad.quantity) for \(bad.productId))")
            }
            return try await place(userId: userId, items: body.items)
        }
        router.get("/orders/:id") { [self] _, context in
            let id = try context.parameter("id")
            guard let order = store.transaction({ $0.orders[id] }) else { throw HTTPError(404, "no order '\(id)'") }
            return .json(Self.view(order))
        }
        router.get("/notifications/:orderId") { [self] _, context in
            let orderId = try context.parameter("orderId")
            return .json(store.transaction { $0.notifications[orderId] ?? [] }.map(\.rawValue))
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    var healthChecks: [HealthCheck] {
        [HealthCheck(name: "database") { [store] in store.transaction { $0.users.isEmpty } ? .fail("no users table") : .pass }]
    }

    // MARK: The user and product modules

    /// From the user module's cache when fresh, else from the database (slower), filling the cache.
    func user(_ id: String) async throws -> StorefrontCatalog.User {
        try await calls.run(.user, "get") {
            let now = mesh.now()
            if let cached = cache.withLock({ $0[id] }), now - cached.cachedAt < cacheTTL {
                try await work.user.work(0.1, 0.5)
                return cached.user
            }
            try await work.user.work(3, 15)
            guard let user = store.transaction({ $0.users[id] }) else { throw HTTPError(404, "no user '\(id)'") }
            cache.withLock { $0[id] = (user, now) }
            return user
        }
    }

    func product(_ id: String) async throws -> StorefrontCatalog.Product {
        try await calls.run(.product, "get") {
            try await work.product.work(0.5, 3)
            guard let product = store.transaction({ $0.products[id] }) else { throw HTTPError(404, "no product '\(id)'") }
            return product
        }
    }

    /// Products matching every word of `query`, in catalog order.
    func search(_ query: String) -> [StorefrontCatalog.Product] {
        let words = ProductService.tokens(query)
        return store.transaction { tables in
            guard let first = words.first else { return [] }
            let ids = words.dropFirst().reduce(tables.index[first] ?? []) { $0.intersection(tables.index[$1] ?? []) }
            return ids.compactMap { tables.products[$0] }.sorted(by: StorefrontCatalog.catalogOrder)
        }
    }

    // MARK: The order module

    private func place(userId: String, items: [LineItem]) async throws -> Response {
        // Validation: nothing exists yet, so a failure is simply the answer.
        do {
            _ = try await user(userId)
            try await checkAvailability(items)
        } catch let error as HTTPError {
            return Self.rejection(error)
        }
        var total = 0
        for item in items {
            let product: StorefrontCatalog.Product
            do { product = try await self.product(item.productId) } catch let error as HTTPError { return Self.rejection(error) }
            total += product.priceCents * item.quantity
        }
        let order = try await calls.run(.order, "create") { [store] in
            store.transaction { tables in
                tables.nextOrder += 1
                let order = MonolithStore.Order(id: "o-\(tables.nextOrder)", userId: userId, items: items, totalCents: total, state: .pending)
                tables.orders[order.id] = order
                return order
            }
        }
        // From here on every way out either confirms the order or rolls it back: a failed module
        // call, a conflict, or the request being cancelled (the gateway gave up) mid-way.
        do {
            try await charge(order)
            try await reserve(order)
        } catch {
            let refunded = rollBack(order, reason: "\(error)")
            if refunded { try? await work.payment.work(3, 20) } // the card network's refund
            if let error = error as? HTTPError, error.status == 409 {
                return .json(Self.view(store.transaction { $0.orders[order.id] }!), status: 409)
            }
            let status = (error as? HTTPError)?.status ?? 503
            return .error(status, "order \(order.id) rolled back: \(error)")
        }
        let confirmed = try await calls.run(.order, "confirm") { [store] in
            store.transaction { tables -> Bool in
                guard tables.orders[order.id]?.state == .pending else { return false }
                tables.orders[order.id]?.state = .confirmed
                return true
            }
        }
        guard confirmed else {
            // Rolled back meanwhile (the run settled while this request was still on its way):
            // give back what this request took.
            rollBack(order, reason: "rolled back before it could be confirmed", force: true)
            return .error(503, "order \(order.id) was rolled back before it could be confirmed")
        }
        _ = try? mesh.eventBus.publish("orders", type: "order.confirmed",
                                   data: NotificationService.OrderEvent(orderId: order.id, userId: userId, reason: nil), source: name,
                                   key: order.id)
        return .json(Self.view(store.transaction { $0.orders[order.id] }!), status: 201)
    }

    private func checkAvailability(_ items: [LineItem]) async throws {
        try await calls.run(.inventory, "check") {
            try await work.inventory.work(1, 5)
            try store.transaction { tables in
                for (product, quantity) in InventoryService.totals(items) {
                    guard let available = tables.available[product] else { throw HTTPError(404, "no product '\(product)'") }
                    guard available >= quantity else { throw HTTPError(409, "only \(available) of \(product) in stock") }
                }
            }
        }
    }

    private func charge(_ order: MonolithStore.Order) async throws {
        try await calls.run(.payment, "charge") {
            try await work.payment.work(5, 40) // the card network
            store.transaction { tables in
                tables.payments[order.id] = StorefrontLedger.Payment(orderId: order.id, capturedCents: order.totalCents)
            }
        }
    }

    private func reserve(_ order: MonolithStore.Order) async throws {
        try await calls.run(.inventory, "reserve") {
            try await work.inventory.work(2, 10)
            try store.transaction { tables in
                for (product, quantity) in InventoryService.totals(order.items) {
                    guard let available = tables.available[product] else { throw HTTPError(404, "no product '\(product)'") }
                    guard available >= quantity else { throw HTTPError(409, "only \(available) of \(product) left to reserve") }
                }
                for item in order.items { tables.available[item.productId]! -= item.quantity }
                tables.reservations[order.id] = order.items
            }
        }
    }

    /// Cancels `order` in one transaction: refunds what was captured, releases what was held.
    /// Returns whether money was refunded. Publishes `order.cancelled` when it was still open.
    ///
    /// - Parameter force: undo the payment and the reservation even when the order is no longer
    ///   pending (someone else cancelled it while this request still held them).
    @discardableResult
    func rollBack(_ order: MonolithStore.Order, reason: String, force: Bool = false) -> Bool {
        let (wasOpen, refunded) = store.transaction { tables -> (Bool, Bool) in
            let wasOpen = tables.orders[order.id]?.state == .pending
            guard wasOpen || force else { return (false, false) }
            if wasOpen {
                tables.orders[order.id]?.state = .cancelled
                tables.orders[order.id]?.reason = reason
            }
            var refunded = false
            if var payment = tables.payments[order.id], payment.refundedCents < payment.capturedCents {
                payment.refundedCents = payment.capturedCents
                tables.payments[order.id] = payment
                refunded = true
            }
            if let held = tables.reservations.removeValue(forKey: order.id) {
                for item in held { tables.available[item.productId]! += item.quantity }
            }
            return (wasOpen, refunded)
        }
        if wasOpen {
            _ = try? mesh.eventBus.publish("orders", type: "order.cancelled",
                                       data: NotificationService.OrderEvent(orderId: order.id, userId: order.userId, reason: reason), source: name,
                                       key: order.id)
        }
        return refunded
    }

    /// Validation failures carry the module's status, as the storefront answers them (404 unknown
    /// product → 422, 409 out of stock); a server error stays one.
    private static func rejection(_ error: HTTPError) -> Response {
        (400..<500).contains(error.status) ? .error(error.status == 404 ? 422 : error.status, error.message) : .error(error.status, error.message)
    }

    /// An order as the API shows it: the storefront's order JSON.
    static func view(_ order: MonolithStore.Order) -> OrderService.Order {
        let state: OrderService.Order.State = switch order.state {
        case .pending: .pending
        case .confirmed: .confirmed
        case .cancelled: .cancelled
        }
        return OrderService.Order(id: order.id, userId: order.userId, items: order.items, totalCents: order.totalCents, state: state, reason: order.reason)
    }

    // MARK: The notification module

    /// Sends the notification an order event asks for, once per event (the bus delivers at least once).
    func notify(_ envelope: EventEnvelope) async throws {
        let event = try envelope.decode(NotificationService.OrderEvent.self)
        let kind: StorefrontLedger.NotificationKind
        switch envelope.type {
        case "order.confirmed": kind = .orderConfirmed
        case "order.cancelled": kind = .orderCancelled
        default: throw BadRequestError(message: "unexpected event type '\(envelope.type)'")
        }
        try await calls.run(.notification, "send") {
            try await work.notification.work(2, 12) // the mail provider
            store.transaction { tables in
                guard tables.seenEvents.insert(envelope.id).inserted else { return }
                tables.notifications[event.orderId, default: []].append(kind)
            }
        }
    }
}
