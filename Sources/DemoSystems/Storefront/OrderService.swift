import Logging
import Resilience
import ServiceMesh
import Synchronization
import Telemetry

/// Places orders through an orchestrated saga:
///
///     validate user → check availability → create order (pending) → take payment
///       → reserve stock → confirm → notify
///
/// and on a failure compensates in reverse (release stock, refund, cancel with a reason).
///
/// When the breaker to payment-service is open the classic fallback applies: the payment is
/// queued, the order stays pending and the client gets 202. A worker (``processPaymentQueue()``)
/// retries queued payments while the breaker lets calls through; each then finishes the order
/// (reserve, confirm, notify) or cancels it.
public final class OrderService: MeshService, Sendable {
    public let name = "order-service"

    public struct Order: Codable, Sendable, Equatable {
        public enum State: String, Codable, Sendable { case pending, confirmed, cancelled }
        public var id: String
        public var userId: String
        public var items: [LineItem]
        public var totalCents: Int
        public var state: State
        public var reason: String?
    }

    public struct PlaceOrder: Codable, Sendable {
        public var items: [LineItem]
        public init(items: [LineItem]) { self.items = items }
    }

    /// What the saga steps share.
    struct Context: Sendable {
        var orderId: String
        var userId: String
        var items: [LineItem]
        var totalCents = 0
        var client: MeshClient
        var paymentQueued = false
    }

    /// Counters for the report.
    public struct Stats: Sendable, Equatable {
        public var placed = 0
        public var compensations = 0
        public var paymentsQueued = 0
        public var stuck = 0
    }

    static let paymentBreakerID = "order-service->payment-service"

    private let orders = Mutex([String: Order]())
    /// Orders waiting for their payment, oldest first, and how many a worker has taken off the
    /// queue and not finished yet (so nobody takes the queue for empty while they are in hand).
    private struct PaymentQueue {
        var waiting: [Context] = []
        var inHand = 0
    }

    private let queue = Mutex(PaymentQueue())
    /// A bug planted for tests of the simulator (nil in every real run): see ``plantSkippedRefunds(every:)``.
    private let skippedRefunds = Mutex<(every: Int, seen: Int)?>(nil)
    private let stats = Mutex(Stats())
    private let nextOrder = Mutex(0)
    private let mesh: Mesh
    private let work: WorkSimulator
    private let orchestrator: SagaOrchestrator
    /// The order service's own logger, over the mesh's log store: what happens to an order that
    /// the mesh cannot see (a payment queued behind an open breaker, a queued payment that failed).
    private let logger: Logger

    public init(mesh: Mesh, work: WorkSimulator) {
        self.mesh = mesh
        self.work = work
        logger = mesh.telemetry.logger(for: "order-service")
        orchestrator = SagaOrchestrator(mesh: mesh, service: "order-service", compensationAttempts: 6, compensationDelay: .milliseconds(50), logEveryStep: false)
    }

    public var router: Router {
        var router = Router()
        router.post("/orders") { [self] request, context in
            guard let userId = request.headers[MeshHeader.userID] else { throw HTTPError(401, "no user: orders are placed through the gateway, signed in") }
            let body = try request.decode(PlaceOrder.self)
            guard !body.items.isEmpty else { throw BadRequestError(message: "an order needs at least one item") }
            if let bad = body.items.first(where: { $0.quantity <= 0 }) {
                throw BadRequestError(message: "quantity must be at least 1 (got \(bad.quantity) for \(bad.productId))")
            }
            return try await place(userId: userId, items: body.items, client: context.client)
        }
        router.get("/orders/:id") { [self] _, context in
            let id = try context.parameter("id")
            guard let order = orders.withLock({ $0[id] }) else { throw HTTPError(404, "no order '\(id)'") }
            return .json(order)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public var healthChecks: [HealthCheck] {
        [
            HealthCheck(name: "order store") { .pass },
            HealthCheck(name: "payment-service", isDependency: true) { [mesh] in
                let state = mesh.resilience.breaker(id: Self.paymentBreakerID)?.status().state
                return state == .open || state == .forcedOpen ? .fail("breaker \(state!)") : .pass
            },
        ]
    }

    // MARK: The saga

    private func place(userId: String, items: [LineItem], client: MeshClient) async throws -> Response {
        let number = nextOrder.withLock { value in
            value += 1
            return value
        }
        let id = "o-\(number)"
        let context = Context(orderId: id, userId: userId, items: items, client: client)
        let outcome = await orchestrator.run(placeOrder, context: context, id: id)
        switch outcome {
        case .completed(let context):
            let order = orders.withLock { $0[context.orderId] }!
            return .json(order, status: context.paymentQueued ? 202 : 201)
        case .compensated(let context, let failedStep, let error):
            if orders.withLock({ $0[context.orderId] }) != nil {
                stats.withLock { $0.compensations += 1 }
                return .json(orders.withLock { $0[context.orderId] }!, status: 409)
            }
            // Nothing was created: a validation step refused the order.
            return Self.rejection(failedStep, error)
        case .stuck(let context, _, let compensation, let error):
            stats.withLock { $0.stuck += 1 }
            return .error(500, "order \(context.orderId) needs attention: compensation \(compensation) failed: \(error)")
        }
    }

    /// Validation failures carry the dependency's status (404 unknown product, 409 out of stock).
    private static func rejection(_ step: String, _ error: String) -> Response {
        if let status = Int(error.prefix(3)), (400..<500).contains(status) { return .error(status == 404 ? 422 : status, String(error.dropFirst(4))) }
        return .error(503, "\(step): \(error)")
    }

    private var placeOrder: SagaDefinition<Context> {
        SagaDefinition(name: "place-order", steps: [
            SagaStep("validate-user") { context in
                let response = try await context.client.get("user-service", "/users/\(context.userId)")
                try Self.expect(response, "validate-user")
            },
            SagaStep("check-availability") { context in
                let response = try await context.client.post("inventory-service", "/inventory/check", json: ["items": context.items])
                try Self.expect(response, "check-availability")
            },
            SagaStep("create-order", action: { [self] context in
                context.totalCents = try await total(of: context.items, client: context.client)
                let order = Order(id: context.orderId, userId: context.userId, items: context.items, totalCents: context.totalCents, state: .pending)
                orders.withLock { $0[order.id] = order }
                stats.withLock { $0.placed += 1 }
            }, compensation: { [self] context in
                try await cancel(context, reason: "compensated: a later step failed")
            }),
            SagaStep("take-payment", action: { [self] context in
                do {
                    try await charge(context)
                } catch let error as MeshCallError where error.kind == .breakerOpen {
                    // The fallback: queue the payment; the order stays pending.
                    logger.info("\(context.orderId): payment queued, the breaker to payment-service is open; the order stays pending",
                                  metadata: ["order": .string(context.orderId)])
                    context.paymentQueued = true
                    queue.withLock { $0.waiting.append(context) }
                    stats.withLock { $0.paymentsQueued += 1 }
                } catch let error as MeshCallError {
                    // No answer (a timeout): the charge's outcome is unknown, so undo it to be safe.
                    try? await refund(context)
                    throw error
                }
            }, compensation: { [self] context in
                if skipsThisRefund() { return }
                try await refund(context)
            }),
            SagaStep("reserve-stock", action: { [self] context in
                guard !context.paymentQueued else { return }
                try await reserve(context)
            }, compensation: { [self] context in
                try await release(context)
            }),
            SagaStep("confirm", action: { [self] context in
                guard !context.paymentQueued else { return }
                try await confirm(context)
            }),
        ])
    }

    /// Finishes an order whose queued payment went through: reserve, confirm and notify, or
    /// compensate (release, refund, cancel).
    private var completeQueuedOrder: SagaDefinition<Context> {
        SagaDefinition(name: "complete-order", steps: [
            SagaStep("resume-order", action: { _ in }, compensation: { [self] context in
                try await cancel(context, reason: "compensated: a step after the queued payment failed")
            }),
            SagaStep("payment-taken", action: { _ in }, compensation: { [self] context in try await refund(context) }),
            SagaStep("reserve-stock", action: { [self] context in try await reserve(context) }, compensation: { [self] context in try await release(context) }),
            SagaStep("confirm", action: { [self] context in try await confirm(context) }),
        ])
    }

    /// Retries queued payments, oldest first, while the breaker to payment-service lets calls
    /// through; stops at the first rejection and keeps the rest queued. A payment that fails
    /// otherwise cancels its order. Returns how many orders are still queued.
    /// ``Storefront/runBackgroundWork(clock:)`` calls it on an interval.
    @discardableResult
    public func processPaymentQueue() async -> Int {
        var batch = takeQueue()
        while !batch.isEmpty {
            if let status = mesh.resilience.breaker(id: Self.paymentBreakerID)?.status(),
               status.state == .forcedOpen || (status.state == .open && (status.timeUntilPermitted ?? .zero) > .zero) {
                break
            }
            let context = batch.removeFirst()
            do {
                try await charge(context)
            } catch let error as MeshCallError where error.kind == .breakerOpen {
                batch.insert(context, at: 0)
                break
            } catch {
                logger.warning("\(context.orderId): the queued payment failed, order cancelled: \(error)", metadata: ["order": .string(context.orderId)])
                try? await cancel(context, reason: "the queued payment failed: \(error)")
                stats.withLock { $0.compensations += 1 }
                queue.withLock { $0.inHand -= 1 }
                continue
            }
            let outcome = await orchestrator.run(completeQueuedOrder, context: context, id: "\(context.orderId)-resumed")
            if case .compensated = outcome { stats.withLock { $0.compensations += 1 } }
            if case .stuck = outcome { stats.withLock { $0.stuck += 1 } }
            queue.withLock { $0.inHand -= 1 }
        }
        let remaining = batch
        return queue.withLock { queue in
            queue.waiting.insert(contentsOf: remaining, at: 0)
            queue.inHand -= remaining.count
            return queue.waiting.count + queue.inHand
        }
    }

    /// Cancels every order still waiting for its payment (at the end of a run that cannot wait).
    public func cancelQueuedOrders(reason: String) async {
        for context in takeQueue() {
            try? await cancel(context, reason: reason)
            queue.withLock { $0.inHand -= 1 }
        }
    }

    /// Empties the payment queue and returns what it held, oldest first, counted as in hand until
    /// each is finished or put back.
    private func takeQueue() -> [Context] {
        queue.withLock { queue in
            defer { queue.waiting.removeAll() }
            queue.inHand += queue.waiting.count
            return queue.waiting
        }
    }

    /// Orders whose payment is queued or being retried right now: a run has settled only when this
    /// is 0, including the orders a worker is in the middle of.
    public var queuedPayments: Int { queue.withLock { $0.waiting.count + $0.inHand } }

    /// Plants a bug, for tests that prove the simulator finds bugs: every `every`-th refund the
    /// saga's compensation makes is skipped while the step reports success, so a cancelled order
    /// keeps its money captured (the `cancelledOrderRefunded` invariant). Never call it otherwise.
    public func plantSkippedRefunds(every: Int) {
        precondition(every >= 1, "plantSkippedRefunds(every:) needs every >= 1")
        skippedRefunds.withLock { $0 = (every, 0) }
    }

    private func skipsThisRefund() -> Bool {
        skippedRefunds.withLock { planted in
            guard planted != nil else { return false }
            planted!.seen += 1
            return planted!.seen % planted!.every == 0
        }
    }

    // MARK: Steps' calls

    private static func expect(_ response: Response, _ step: String) throws {
        guard response.isSuccess else { throw HTTPError(response.status, "\(response.status) \(response.errorMessage ?? "\(step) failed")") }
    }

    private func total(of items: [LineItem], client: MeshClient) async throws -> Int {
        var total = 0
        for item in items {
            let response = try await client.get("product-service", "/products/\(item.productId)")
            try Self.expect(response, "price")
            total += try response.decode(StorefrontCatalog.Product.self).priceCents * item.quantity
        }
        return total
    }

    private func charge(_ context: Context) async throws {
        struct Charge: Codable { var orderId: String; var amountCents: Int }
        let response = try await context.client.post("payment-service", "/payments", json: Charge(orderId: context.orderId, amountCents: context.totalCents),
                                                      headers: [MeshHeader.idempotencyKey: "pay-\(context.orderId)"])
        guard response.isSuccess else {
            // The charge may or may not have happened (a 5xx after the card network answered):
            // refund to be safe. Refunds are idempotent and a no-op when nothing was captured.
            try? await refund(context)
            throw HTTPError(response.status, "payment failed: \(response.errorMessage ?? "\(response.status)")")
        }
    }

    private func refund(_ context: Context) async throws {
        let response = try await context.client.call("payment-service", Request(method: .post, path: "/payments/\(context.orderId)/refund"))
        try Self.expect(response, "refund")
    }

    private func reserve(_ context: Context) async throws {
        struct Reserve: Codable { var orderId: String; var items: [LineItem] }
        let response = try await context.client.post("inventory-service", "/reservations", json: Reserve(orderId: context.orderId, items: context.items))
        guard response.isSuccess else {
            try? await release(context)
            throw HTTPError(response.status, "reserve-stock: \(response.errorMessage ?? "\(response.status)")")
        }
    }

    private func release(_ context: Context) async throws {
        let response = try await context.client.call("inventory-service", Request(method: .delete, path: "/reservations/\(context.orderId)"))
        try Self.expect(response, "release")
    }

    private func confirm(_ context: Context) async throws {
        orders.withLock { $0[context.orderId]?.state = .confirmed }
        try mesh.eventBus.publish("orders", type: "order.confirmed",
                                  data: NotificationService.OrderEvent(orderId: context.orderId, userId: context.userId, reason: nil), source: name,
                                  key: context.orderId)
    }

    private func cancel(_ context: Context, reason: String) async throws {
        let wasOpen = orders.withLock { orders -> Bool in
            guard orders[context.orderId]?.state == .pending else { return false }
            orders[context.orderId]?.state = .cancelled
            orders[context.orderId]?.reason = reason
            return true
        }
        if wasOpen {
            try mesh.eventBus.publish("orders", type: "order.cancelled",
                                      data: NotificationService.OrderEvent(orderId: context.orderId, userId: context.userId, reason: reason), source: name,
                                      key: context.orderId)
        }
    }

    // MARK: Reading

    public var statistics: Stats { stats.withLock { $0 } }

    public func ledgerOrders() -> [StorefrontLedger.Order] {
        orders.withLock { Array($0.values) }.sorted { $0.id < $1.id }.map { order in
            let state: StorefrontLedger.Order.State = switch order.state {
            case .pending: .pending
            case .confirmed: .confirmed
            case .cancelled: .cancelled
            }
            return StorefrontLedger.Order(id: order.id, state: state, totalCents: order.totalCents, items: order.items)
        }
    }
}
