import ServiceMesh
import Synchronization

extension Marketplace {
    /// Places the customer's cart as an order, through an orchestrated saga:
    ///
    ///     customer → cart → availability → quote → create order (pending) → payment
    ///       → reserve stock → invoice → clear the cart → confirm (publish order.placed)
    ///
    /// and on a failure compensates what was done, in reverse (restore the cart, void the invoice,
    /// release the stock, refund, cancel the order with the reason). Fulfilment, shipping and
    /// tracking follow from `order.placed` on ``ordersTopic``, asynchronously.
    ///
    /// - The charge is the quote's total: the price the customer was shown, even when a promotion
    ///   ends while the order is being placed; the invoice is written from the same lines.
    /// - `Idempotency-Key` (per customer): a request repeating a key gets the first one's answer
    ///   (marked `idempotent-replayed: true`) and places nothing; while the first is still being
    ///   placed, 409. A key whose order failed for want of a dependency (5xx, nothing placed) may
    ///   be retried.
    public final class OrderService: MeshService, Sendable {
        public let name = "order-service"
        public static let ordersTopic = "orders"
        public static let replayedHeader = "idempotent-replayed"

        /// What `order.placed`, `order.packed` carry.
        public struct OrderEvent: Codable, Sendable, Equatable {
            public var orderId: String
            public var customerId: String
            public var items: [LineItem]
        }

        public struct Order: Codable, Sendable, Equatable {
            public enum State: String, Codable, Sendable { case pending, confirmed, cancelled }
            public var id: String
            public var customerId: String
            public var idempotencyKey: String?
            public var state: State
            /// True once the order was confirmed (it stays true if the order is cancelled later).
            public var placed: Bool
            public var items: [LineItem]
            public var quoteId: String
            public var totalCents: Int
            public var reason: String?

            public init(id: String, customerId: String, idempotencyKey: String?, state: State, placed: Bool, items: [LineItem],
                        quoteId: String, totalCents: Int, reason: String? = nil) {
                self.id = id
                self.customerId = customerId
                self.idempotencyKey = idempotencyKey
                self.state = state
                self.placed = placed
                self.items = items
                self.quoteId = quoteId
                self.totalCents = totalCents
                self.reason = reason
            }
        }

        public struct Stats: Sendable, Equatable {
            public var requests = 0
            public var confirmed = 0
            public var rejected = 0
            public var compensated = 0
            public var paymentsDeclined = 0
            public var reservationsFailed = 0
            public var idempotentReplays = 0
            public var replaysWhileInProgress = 0
            public var stuck = 0
            public var endedUnfulfilled = 0
            /// Orders charged a promotion's price after the promotion had ended (quoted while it ran).
            public var promotionsEndedMidOrder = 0
        }

        /// What the saga's steps share.
        struct Checkout: Sendable {
            var orderId: String
            var customerId: String
            var idempotencyKey: String?
            var client: MeshClient
            var customer: MarketplaceCatalog.Customer?
            var items: [LineItem] = []
            var quote: PricingService.Quote?
            /// Steps whose service answered no (4xx): nothing to undo.
            var refused: Set<String> = []
        }

        private enum KeyState: Sendable {
            case inProgress
            case answered(Response)
        }

        private struct State {
            var orders: [String: Order] = [:]
            var keys: [String: KeyState] = [:]
            var next = 0
            var stats = Stats()
        }

        private let state = Mutex(State())
        private let mesh: Mesh
        private let work: WorkSimulator
        private let orchestrator: SagaOrchestrator
        private let sleep: @Sendable (Duration) async throws -> Void

        /// - Parameter sleep: waits on the system's clock (between rounds of ``endUnfulfilled(packed:reason:patience:)``).
        public init(mesh: Mesh, work: WorkSimulator, sleep: @escaping @Sendable (Duration) async throws -> Void) {
            self.mesh = mesh
            self.work = work
            self.sleep = sleep
            orchestrator = SagaOrchestrator(mesh: mesh, service: "order-service", compensationAttempts: 6, compensationDelay: .milliseconds(50), logEveryStep: false)
        }

        public var router: Router {
            var router = Router()
            router.post("/orders") { [self] request, context in
                guard let customer = request.headers[MeshHeader.userID] else { throw HTTPError(401, "no customer: orders are placed through the gateway, signed in") }
                try await work.work(1, 4) // the order database
                return await place(customer: customer, key: request.headers[MeshHeader.idempotencyKey], client: context.client)
            }
            router.get("/orders/:id") { [self] request, context in
                let id = try context.parameter("id")
                guard let order = state.withLock({ $0.orders[id] }), order.customerId == request.headers[MeshHeader.userID] else { throw HTTPError(404, "no order '\(id)'") }
                return .json(order)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        // MARK: Idempotency

        private func place(customer: String, key: String?, client: MeshClient) async -> Response {
            let scoped = key.map { "\(customer)|\($0)" }
            enum Admission { case run(String), replay(Response), busy }
            let admission = state.withLock { state -> Admission in
                state.stats.requests += 1
                if let scoped {
                    switch state.keys[scoped] {
                    case .answered(var response)?:
                        state.stats.idempotentReplays += 1
                        response.headers[Self.replayedHeader] = "true"
                        return .replay(response)
                    case .inProgress?:
                        state.stats.replaysWhileInProgress += 1
                        return .busy
                    case nil:
                        state.keys[scoped] = .inProgress
                    }
                }
                state.next += 1
                return .run("mo-\(state.next)")
            }
            let orderId: String
            switch admission {
            case .replay(let response): return response
            case .busy: return .error(409, "an order with this Idempotency-Key is being placed; ask again for its result")
            case .run(let id): orderId = id
            }
            let (response, retryable) = await runSaga(Checkout(orderId: orderId, customerId: customer, idempotencyKey: key, client: client))
            if let scoped {
                state.withLock { state in state.keys[scoped] = retryable ? nil : .answered(response) }
            }
            return response
        }

        // MARK: The saga

        /// The saga's answer, and whether the key may be used again (nothing was placed for want of a dependency).
        private func runSaga(_ checkout: Checkout) async -> (Response, retryable: Bool) {
            let outcome = await orchestrator.run(placeOrder, context: checkout, id: checkout.orderId)
            switch outcome {
            case .completed(let context):
                let order = state.withLock { state in
                    state.stats.confirmed += 1
                    return state.orders[context.orderId]!
                }
                return (.json(order, status: 201), false)
            case .compensated(let context, let failedStep, let error):
                let status = Self.status(in: error)
                let order = state.withLock { state -> Order? in
                    guard let order = state.orders[context.orderId] else {
                        state.stats.rejected += 1
                        return nil
                    }
                    state.stats.compensated += 1
                    if failedStep == "payment", status == 402 { state.stats.paymentsDeclined += 1 }
                    if failedStep == "reserve-stock" { state.stats.reservationsFailed += 1 }
                    return order
                }
                // Refused before anything was created: the dependency's status (404 unknown → 422).
                guard let order else {
                    let code = status.map { $0 == 404 ? 422 : $0 } ?? 503
                    return (.error(code, "\(failedStep): \(Self.message(in: error))"), code >= 500)
                }
                return (.json(order, status: status == 402 ? 402 : 409), (status ?? 503) >= 500)
            case .stuck(let context, _, let compensation, let error):
                state.withLock { $0.stats.stuck += 1 }
                return (.error(500, "order \(context.orderId) needs attention: compensation \(compensation) failed: \(error)"), false)
            }
        }

        /// The status a step's error starts with (`409 only 3 left`), if any.
        private static func status(in error: String) -> Int? {
            guard let status = Int(error.prefix(3)), (100..<600).contains(status) else { return nil }
            return status
        }

        private static func message(in error: String) -> String {
            status(in: error) == nil ? error : String(error.dropFirst(4))
        }

        private static func expect(_ response: Response, _ what: String) throws {
            guard response.isSuccess else { throw HTTPError(response.status, "\(response.status) \(what): \(response.errorMessage ?? "status \(response.status)")") }
        }

        private var placeOrder: SagaDefinition<Checkout> {
            SagaDefinition(name: "place-order", steps: [
                SagaStep("customer") { checkout in
                    let response = try await checkout.client.get("customer-service", "/customers/\(checkout.customerId)")
                    try Self.expect(response, "customer")
                    checkout.customer = try response.decode(MarketplaceCatalog.Customer.self)
                },
                SagaStep("cart") { checkout in
                    let response = try await checkout.client.get("cart-service", "/carts/\(checkout.customerId)")
                    try Self.expect(response, "cart")
                    checkout.items = try response.decode(CartService.Cart.self).items
                    guard !checkout.items.isEmpty else { throw HTTPError(422, "422 the cart is empty") }
                },
                SagaStep("availability") { checkout in
                    let response = try await checkout.client.post("inventory-service", "/inventory/check", json: InventoryService.Check(items: checkout.items))
                    try Self.expect(response, "availability")
                },
                SagaStep("quote") { checkout in
                    let body = PricingService.QuoteRequest(customerId: checkout.customerId, tier: checkout.customer!.tier, items: checkout.items)
                    let response = try await checkout.client.post("pricing-service", "/quotes", json: body)
                    try Self.expect(response, "quote")
                    checkout.quote = try response.decode(PricingService.Quote.self)
                },
                SagaStep("create-order", action: { [self] checkout in
                    let quote = checkout.quote!
                    let order = Order(id: checkout.orderId, customerId: checkout.customerId, idempotencyKey: checkout.idempotencyKey, state: .pending,
                                      placed: false, items: checkout.items, quoteId: quote.id, totalCents: quote.totalCents)
                    state.withLock { $0.orders[order.id] = order }
                }, compensation: { [self] checkout in
                    cancel(checkout.orderId, reason: "compensated: a later step failed")
                }),
            ] + Self.guarded("payment", undo: { checkout in try await Self.refund(checkout.orderId, client: checkout.client) }) { [self] checkout in
                try await Self.charge(checkout)
                let now = mesh.now()
                if checkout.quote!.lines.contains(where: { $0.promotion.map { $0.endsAt <= now } ?? false }) {
                    state.withLock { $0.stats.promotionsEndedMidOrder += 1 }
                }
            } + Self.guarded("reserve-stock", undo: { checkout in try await Self.release(checkout.orderId, client: checkout.client) }) { checkout in
                let response = try await checkout.client.post("inventory-service", "/reservations", json: InventoryService.Reserve(orderId: checkout.orderId, items: checkout.items))
                try Self.expect(response, "reserve-stock")
            } + Self.guarded("invoice", undo: { checkout in try await Self.void(checkout.orderId, client: checkout.client) }) { checkout in
                let body = BillingService.Issue(orderId: checkout.orderId, customerId: checkout.customerId, lines: checkout.quote!.lines)
                try Self.expect(try await checkout.client.post("billing-service", "/invoices", json: body), "invoice")
            } + Self.guarded("clear-cart", undo: { checkout in try await Self.restoreCart(checkout, client: checkout.client) }) { checkout in
                let body = CartService.Checkout(orderId: checkout.orderId, items: checkout.items)
                try Self.expect(try await checkout.client.post("cart-service", "/carts/\(checkout.customerId)/checkout", json: body), "clear-cart")
            } + [
                SagaStep("confirm") { [self] checkout in
                    confirm(checkout)
                },
            ])
        }

        /// A step that changes another service, preceded by a step of its own that only holds the
        /// undo (`NAME-guard`). The saga compensates the guard when the step fails as well as when
        /// a later one does: a call that got no clear answer (a timeout, a 5xx, a refused
        /// connection) may have done its work, so its undo must run, with the orchestrator's
        /// retries, either way; a service that answered no (4xx: out of stock, declined) did
        /// nothing, and its undo is skipped. Every undo is idempotent and a no-op when there is
        /// nothing to undo.
        private static func guarded(_ name: String, undo: @escaping @Sendable (Checkout) async throws -> Void,
                                    _ action: @escaping @Sendable (inout Checkout) async throws -> Void) -> [SagaStep<Checkout>] {
            [
                SagaStep("\(name)-guard", action: { _ in }, compensation: { checkout in
                    guard !checkout.refused.contains(name) else { return }
                    try await undo(checkout)
                }),
                SagaStep(name) { checkout in
                    do {
                        try await action(&checkout)
                    } catch let error as HTTPError where (400..<500).contains(error.status) {
                        checkout.refused.insert(name)
                        throw error
                    }
                },
            ]
        }

        // MARK: Steps' calls

        private static func charge(_ checkout: Checkout) async throws {
            struct Charge: Codable { var orderId: String; var amountCents: Int; var paymentMethod: String }
            let body = Charge(orderId: checkout.orderId, amountCents: checkout.quote!.totalCents, paymentMethod: checkout.customer!.paymentMethod)
            let response = try await checkout.client.post("payment-service", "/payments", json: body, headers: [MeshHeader.idempotencyKey: "pay-\(checkout.orderId)"])
            try expect(response, "payment")
        }

        private static func refund(_ orderId: String, client: MeshClient) async throws {
            try expect(try await client.call("payment-service", Request(method: .post, path: "/payments/\(orderId)/refund")), "refund")
        }

        private static func release(_ orderId: String, client: MeshClient) async throws {
            try expect(try await client.call("inventory-service", Request(method: .delete, path: "/reservations/\(orderId)")), "release")
        }

        private static func void(_ orderId: String, client: MeshClient) async throws {
            try expect(try await client.call("billing-service", Request(method: .post, path: "/invoices/\(orderId)/void")), "void")
        }

        private static func restoreCart(_ checkout: Checkout, client: MeshClient) async throws {
            try expect(try await client.post("cart-service", "/carts/\(checkout.customerId)/restore", json: CartService.Restore(orderId: checkout.orderId)), "restore-cart")
        }

        private func confirm(_ checkout: Checkout) {
            state.withLock { state in
                state.orders[checkout.orderId]?.state = .confirmed
                state.orders[checkout.orderId]?.placed = true
            }
            _ = try? mesh.eventBus.publish(Self.ordersTopic, type: "order.placed",
                                           data: OrderEvent(orderId: checkout.orderId, customerId: checkout.customerId, items: checkout.items), source: name)
        }

        private func cancel(_ orderId: String, reason: String) {
            state.withLock { state in
                guard let order = state.orders[orderId], order.state != .cancelled else { return }
                state.orders[orderId]?.state = .cancelled
                state.orders[orderId]?.reason = reason
            }
        }

        // MARK: Ending a run

        /// Ends the orders a run leaves half done, the system's way: a pending order (its saga
        /// stuck: a compensation kept failing, or the call was cut off) gets every undo (its cart
        /// restored, invoice voided, stock released, payment refunded) and is cancelled; a
        /// confirmed order not packed yet is refunded, restocked and cancelled too, but stays
        /// placed (its cart was checked out). An order whose units have shipped meanwhile is left
        /// alone. Orders whose undo fails (a breaker still open after an outage) are tried again
        /// every ``endRetryInterval`` for up to `patience`. Returns how many were cancelled.
        @discardableResult
        public func endUnfulfilled(packed: Set<String>, reason: String, patience: Duration = .seconds(6)) async -> Int {
            let client = mesh.client(as: name)
            var open = state.withLock { state in
                state.orders.values.filter { $0.state == .pending || ($0.state == .confirmed && !packed.contains($0.id)) }.map { ($0.id, $0.customerId, $0.state) }
            }.sorted { $0.0 < $1.0 }
            var ended = 0
            var waited = Duration.zero
            while !open.isEmpty {
                var failed: [(String, String, Order.State)] = []
                for (orderId, customerId, orderState) in open {
                    do {
                        // The stock first: units already shipped (409) mean the order goes ahead.
                        try await Self.release(orderId, client: client)
                        try await Self.void(orderId, client: client)
                        try await Self.refund(orderId, client: client)
                        if orderState == .pending {
                            try await Self.restoreCart(Checkout(orderId: orderId, customerId: customerId, client: client), client: client)
                        }
                    } catch let error as HTTPError where error.status == 409 {
                        continue
                    } catch {
                        failed.append((orderId, customerId, orderState))
                        continue
                    }
                    cancel(orderId, reason: reason)
                    ended += 1
                }
                open = failed
                guard !open.isEmpty, waited < patience else { break }
                do { try await sleep(Self.endRetryInterval) } catch { break }
                waited += Self.endRetryInterval
            }
            state.withLock { $0.stats.endedUnfulfilled += ended }
            return ended
        }

        /// How long ``endUnfulfilled(packed:reason:patience:)`` waits before trying failed undos again.
        public static let endRetryInterval = Duration.milliseconds(500)

        // MARK: Reading

        public var statistics: Stats { state.withLock { $0.stats } }

        /// The order `id`, as order-service has it.
        public func order(_ id: String) -> Order? { state.withLock { $0.orders[id] } }

        public func ledgerOrders() -> [String: Order] { state.withLock { $0.orders } }
    }
}
