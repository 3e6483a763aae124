import DemoSystems
import Foundation
import Resilience
import ServiceMesh
import Telemetry
import Testing
import TestSupport

/// The storefront on a manual clock with no simulated work or network latency: every test is
/// deterministic and fast. Calls go through the real gateway, sidecars, sagas and bus.
struct Shop {
    let clock = ManualClock()
    let shop: Storefront

    init(seed: UInt64 = 1) {
        shop = Storefront(clock: clock, seed: seed, workScale: 0, networkLatency: .zero,
                          time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000))
    }

    var mesh: Mesh { shop.mesh }

    func order(_ items: [LineItem], user: String = "u1") async -> Response {
        let request = try! Request(method: .post, path: "/api/orders", headers: [MeshHeader.apiKey: "key-\(user)"], json: OrderService.PlaceOrder(items: items))
        return await mesh.ingress(request)
    }

    func get(_ service: String, _ path: String) async throws -> Response {
        try await mesh.client(as: "test").get(service, path)
    }

    /// Delivers every queued event (the bus runs in a task until the queues are empty).
    func deliverEvents() async {
        let bus = Task { await mesh.eventBus.run() }
        await waitUntil("every queued event delivered") { mesh.eventBus.pendingCount == 0 }
        bus.cancel()
        await bus.value
    }
}

extension Response {
    var text: String { String(decoding: body, as: UTF8.self) }
}

@Suite("Storefront services")
struct StorefrontServiceTests {
    @Test("user-service reads through its cache: a miss then hits, and 404 for an unknown user")
    func users() async throws {
        let test = Shop()
        #expect(try await test.get("user-service", "/users/u3").decode(StorefrontCatalog.User.self).email == "u3@example.com")
        _ = try await test.get("user-service", "/users/u3")
        _ = try await test.get("user-service", "/users/u3")
        test.clock.advance(by: .seconds(1))
        test.mesh.telemetry.metricsStore.tick()
        let store = test.mesh.telemetry.metricsStore
        #expect(store.total(.init(label: "cache_requests_total", matching: ["result": "miss"])) == 1)
        #expect(store.total(.init(label: "cache_requests_total", matching: ["result": "hit"])) == 2)
        let missing = try await test.get("user-service", "/users/nobody")
        #expect(missing.status == 404)
        #expect(missing.errorMessage == "no user 'nobody'")
    }

    @Test("product-service searches tokenised names and descriptions, and reindexes an updated product")
    func search() async throws {
        let test = Shop()
        let found = try await test.get("product-service", "/products/search?q=trail+shoe").decode([StorefrontCatalog.Product].self)
        #expect(found.map(\.id) == ["p1", "p19"])
        #expect(try await test.get("product-service", "/products/search").status == 400)

        var lamp = try await test.get("product-service", "/products/p7").decode(StorefrontCatalog.Product.self)
        lamp.name = "Summit torch"
        let update = try Request(method: .put, path: "/products/p7", json: lamp)
        #expect(try await test.mesh.client(as: "test").call("product-service", update).status == 200)
        #expect(try await test.get("product-service", "/products/search?q=torch").decode([StorefrontCatalog.Product].self).map(\.id) == ["p7"])
        #expect(try await test.get("product-service", "/products/search?q=head+lamp").decode([StorefrontCatalog.Product].self).isEmpty)
    }

    @Test("inventory reserves once per order (a retried reservation is not taken twice) and a release returns the stock")
    func inventory() async throws {
        let test = Shop()
        let client = test.mesh.client(as: "test")
        struct Reserve: Codable { var orderId: String; var items: [LineItem] }
        let reserve = Reserve(orderId: "o-x", items: [LineItem(productId: "p19", quantity: 30)])
        #expect(try await client.post("inventory-service", "/reservations", json: reserve).status == 201)
        #expect(try await client.post("inventory-service", "/reservations", json: reserve).status == 200, "the same order again: the same reservation")
        let stock = test.shop.inventory.ledgerStock().first { $0.productId == "p19" }!
        #expect(stock.available == 10)
        #expect(stock.reservedByOrder == ["o-x": 30])
        let tooMany = try await client.post("inventory-service", "/reservations", json: Reserve(orderId: "o-y", items: [LineItem(productId: "p19", quantity: 11)]))
        #expect(tooMany.status == 409)
        // Two lines of the same product count together: 6 + 5 of the 10 left is too many.
        let twice = try await client.post("inventory-service", "/reservations", json: Reserve(orderId: "o-z", items: [LineItem(productId: "p19", quantity: 6), LineItem(productId: "p19", quantity: 5)]))
        #expect(twice.status == 409)
        #expect(test.shop.inventory.ledgerStock().first { $0.productId == "p19" }!.available == 10)
        #expect(try await client.call("inventory-service", Request(method: .delete, path: "/reservations/o-x")).status == 204)
        #expect(test.shop.inventory.ledgerStock().first { $0.productId == "p19" }!.available == 40)
    }

    @Test("payment-service charges once per idempotency key and refunds (a refund of nothing is a no-op)")
    func payments() async throws {
        let test = Shop()
        let client = test.mesh.client(as: "test")
        struct Charge: Codable { var orderId: String; var amountCents: Int }
        let first = try await client.post("payment-service", "/payments", json: Charge(orderId: "o-1", amountCents: 500), headers: [MeshHeader.idempotencyKey: "k1"])
        let again = try await client.post("payment-service", "/payments", json: Charge(orderId: "o-1", amountCents: 500), headers: [MeshHeader.idempotencyKey: "k1"])
        #expect(first.status == 201 && again.status == 201)
        #expect(test.shop.payments.ledgerPayments() == [StorefrontLedger.Payment(orderId: "o-1", capturedCents: 500)])
        #expect(try await client.call("payment-service", Request(method: .post, path: "/payments/o-1/refund")).status == 200)
        #expect(try await client.call("payment-service", Request(method: .post, path: "/payments/o-2/refund")).status == 204)
        #expect(test.shop.payments.ledgerPayments() == [StorefrontLedger.Payment(orderId: "o-1", capturedCents: 500, refundedCents: 500)])
        #expect(try await client.post("payment-service", "/payments", json: Charge(orderId: "o-3", amountCents: 0)).status == 400)
    }
}

@Suite("Storefront: the place-order saga")
struct StorefrontSagaTests {
    @Test("success: the order is confirmed, paid, its stock reserved, and the notification sent")
    func success() async throws {
        let test = Shop()
        let response = await test.order([LineItem(productId: "p4", quantity: 2), LineItem(productId: "p5", quantity: 1)])
        #expect(response.status == 201)
        let order = try response.decode(OrderService.Order.self)
        #expect(order.state == .confirmed)
        #expect(order.totalCents == 2 * 2_400 + 1_999)
        await test.deliverEvents()
        let ledger = test.shop.ledger()
        #expect(ledger.payments[order.id]?.capturedCents == order.totalCents)
        #expect(ledger.stock["p4"]?.reservedByOrder[order.id] == 2)
        #expect(ledger.notifications[order.id] == [.orderConfirmed])
        #expect(InvariantChecker.check(ledger).isEmpty)
    }

    @Test("bad requests are turned away with nothing created: unknown product 422, zero quantity 400, unauthenticated 401, unknown user 422")
    func rejections() async throws {
        let test = Shop()
        let unknown = await test.order([LineItem(productId: "p999", quantity: 1)])
        #expect(unknown.status == 422)
        #expect(unknown.errorMessage == "no product 'p999'")
        let zero = await test.order([LineItem(productId: "p1", quantity: 0)])
        #expect(zero.status == 400)
        #expect(zero.errorMessage == "quantity must be at least 1 (got 0 for p1)")
        let anonymous = try await test.mesh.ingress(Request(method: .post, path: "/api/orders", json: OrderService.PlaceOrder(items: [LineItem(productId: "p1", quantity: 1)])))
        #expect(anonymous.status == 401)
        // A user the gateway knows but user-service does not (deleted, say).
        let ghost = try await test.mesh.client(as: "gateway").call("order-service", Request(method: .post, path: "/orders", headers: [MeshHeader.userID: "ghost"],
                                                                                            json: OrderService.PlaceOrder(items: [LineItem(productId: "p1", quantity: 1)])))
        #expect(ghost.status == 422)
        #expect(test.shop.ledger().orders.isEmpty)
        #expect(test.shop.orders.statistics.placed == 0)
    }

    @Test("the payment fails: the order is cancelled with its reason, nothing stays captured, a cancellation is sent")
    func paymentFails() async throws {
        let test = Shop()
        try test.mesh.perform(.setFault(service: "payment-service", fault: .errors(ratio: 1, status: 500)), origin: "test")
        let response = await test.order([LineItem(productId: "p2", quantity: 1)])
        #expect(response.status == 409)
        let order = try response.decode(OrderService.Order.self)
        #expect(order.state == .cancelled)
        #expect(order.reason == "compensated: a later step failed")
        await test.deliverEvents()
        let ledger = test.shop.ledger()
        #expect(ledger.notifications[order.id] == [.orderCancelled])
        #expect(ledger.payments[order.id] == nil)
        #expect(InvariantChecker.check(ledger).isEmpty)
        #expect(test.shop.orders.statistics.compensations == 1)
        let saga = try #require(test.mesh.sagas.status(order.id))
        #expect(saga.state == .compensated)
        // Steps with nothing to undo count as compensated ("nothing to undo").
        #expect(saga.steps.map(\.state) == [.compensated, .compensated, .compensated, .failed, .pending, .pending])
        #expect(saga.steps[0].message == "nothing to undo")
    }

    @Test("the stock is gone by the time it is reserved: the payment is refunded and the order cancelled, in reverse order")
    func reservationFails() async throws {
        let test = Shop()
        // The payment takes 300 ms; meanwhile another buyer takes the last units.
        try test.mesh.perform(.setFault(service: "payment-service", fault: .latency(milliseconds: 300)), origin: "test")
        let placing = Task { await test.order([LineItem(productId: "p20", quantity: 5)]) }
        await test.clock.waitForSleeper(until: test.clock.now.advanced(by: .milliseconds(300)))
        struct Reserve: Codable { var orderId: String; var items: [LineItem] }
        let rival = try await test.mesh.client(as: "test").post("inventory-service", "/reservations", json: Reserve(orderId: "rival", items: [LineItem(productId: "p20", quantity: 38)]))
        #expect(rival.status == 201)
        // The fault is lifted for what follows (the refund); the delay already under way goes on.
        try test.mesh.perform(.setFault(service: "payment-service", fault: .none), origin: "test")
        test.clock.advance(by: .milliseconds(300))
        let response = await placing.value
        #expect(response.status == 409)
        let order = try response.decode(OrderService.Order.self)
        #expect(order.state == .cancelled)
        let ledger = test.shop.ledger()
        #expect(ledger.payments[order.id] == StorefrontLedger.Payment(orderId: order.id, capturedCents: 5 * 4_900, refundedCents: 5 * 4_900))
        #expect(ledger.stock["p20"]?.reservedByOrder[order.id] == nil)
        let saga = try #require(test.mesh.sagas.status(order.id))
        #expect(saga.steps.map(\.state) == [.compensated, .compensated, .compensated, .compensated, .failed, .pending])
        let compensations = test.mesh.telemetry.events.recent(kinds: [.sagaCompensation]).map(\.message).reversed()
        #expect(Array(compensations) == ["place-order \(order.id): compensated take-payment", "place-order \(order.id): compensated create-order"])
    }

    @Test("the breaker to payment is open: the payment is queued (202, pending) and completes once it closes")
    func paymentQueueFallback() async throws {
        let test = Shop()
        // Make the breaker exist, then trip it by hand.
        #expect(await test.order([LineItem(productId: "p3", quantity: 1)]).status == 201)
        try test.mesh.perform(.tripBreaker(id: Storefront.paymentBreakerID, forSeconds: nil), origin: "test")
        let response = await test.order([LineItem(productId: "p3", quantity: 1)])
        #expect(response.status == 202)
        let order = try response.decode(OrderService.Order.self)
        #expect(order.state == .pending)
        #expect(test.shop.orders.queuedPayments == 1)
        // Logged by the order service in the order's trace, at its take-payment step.
        let queued = try #require(test.mesh.telemetry.logs.recent(text: "payment queued").first)
        #expect(queued.service == "order-service")
        #expect(queued.level == .info, "the fallback doing its job, once per order")
        #expect(queued.message == "\(order.id): payment queued, the breaker to payment-service is open; the order stays pending")
        let trace = try #require(queued.traceId)
        #expect(test.mesh.telemetry.traces.tree(hex: trace)?.spans.first { $0.spanId == queued.spanId }?.operation == "take-payment")
        #expect(await test.shop.orders.processPaymentQueue() == 1, "still open: stays queued")

        try test.mesh.perform(.resetBreaker(id: Storefront.paymentBreakerID), origin: "test")
        #expect(await test.shop.orders.processPaymentQueue() == 0)
        await test.deliverEvents()
        let ledger = test.shop.ledger()
        #expect(ledger.orders[order.id]?.state == .confirmed)
        #expect(ledger.notifications[order.id] == [.orderConfirmed])
        #expect(InvariantChecker.check(ledger).isEmpty)
        #expect(test.shop.orders.statistics.paymentsQueued == 1)
    }

    @Test("a queued payment that then fails cancels its order; settle leaves nothing pending")
    func queuedPaymentFails() async throws {
        let test = Shop()
        #expect(await test.order([LineItem(productId: "p3", quantity: 1)]).status == 201)
        try test.mesh.perform(.tripBreaker(id: Storefront.paymentBreakerID, forSeconds: nil), origin: "test")
        let order = try await test.order([LineItem(productId: "p3", quantity: 1)]).decode(OrderService.Order.self)
        try test.mesh.perform(.resetBreaker(id: Storefront.paymentBreakerID), origin: "test")
        try test.mesh.perform(.setFault(service: "payment-service", fault: .errors(ratio: 1, status: 500)), origin: "test")
        #expect(await test.shop.orders.processPaymentQueue() == 0)
        let ledger = test.shop.ledger()
        #expect(ledger.orders[order.id]?.state == .cancelled)
        #expect(InvariantChecker.check(ledger, drained: true).filter { $0.subject == "order \(order.id)" }.isEmpty)
        #expect(test.mesh.telemetry.logs.recent(minimumLevel: .warning, text: "the queued payment failed").first?.message.hasPrefix("\(order.id): the queued payment failed, order cancelled") == true)
    }

    @Test("the invariant checker catches a planted violation: money taken with no order")
    func plantedViolation() async throws {
        let test = Shop()
        #expect(await test.order([LineItem(productId: "p1", quantity: 1)]).status == 201)
        await test.deliverEvents()
        #expect(InvariantChecker.check(test.shop.ledger()).isEmpty)
        struct Charge: Codable { var orderId: String; var amountCents: Int }
        _ = try await test.mesh.client(as: "test").post("payment-service", "/payments", json: Charge(orderId: "o-ghost", amountCents: 999))
        let violations = InvariantChecker.check(test.shop.ledger())
        #expect(violations.map(\.invariant).contains(.noPaymentWithoutOrder))
        #expect(violations.contains { $0.message.contains("o-ghost") })
    }

    @Test("the traffic's requests: each kind maps to its gateway route, the same index gives the same request")
    func trafficRequests() {
        let shop = Shop().shop
        #expect(shop.request(for: .browse, index: 0).path == "/api/products")
        #expect(shop.request(for: .search, index: 1).path.hasPrefix("/api/products/search?q="))
        #expect(shop.request(for: .viewUser, index: 2).headers[MeshHeader.apiKey] != nil)
        #expect(shop.request(for: .placeOrderUnauthenticated, index: 3).headers[MeshHeader.apiKey] == nil)
        #expect(shop.request(for: .placeOrder, index: 4) == shop.request(for: .placeOrder, index: 4))
        #expect(shop.request(for: .placeOrderUnknownProduct, index: 5).body != shop.request(for: .placeOrder, index: 5).body)
    }
}
