import DemoSystems
import Foundation
import ServiceMesh
import Telemetry
import Testing
import TestSupport

/// order-service's saga through the real gateway: each failure point and its compensations, the
/// quote held through a promotion's end, and the Idempotency-Key.
@Suite("Marketplace: the order saga")
struct MarketplaceSagaTests {
    typealias Order = Marketplace.OrderService.Order

    @Test("a placed cart: charged its quote at the tier price, invoiced, the cart cleared, then packed, shipped and trackable through events")
    func placedOrderRunsToTracking() async throws {
        let test = MarketplaceHarness()
        try await test.add(3, "m1", 2) // c3 is prime
        try await test.add(3, "m5")
        let response = await test.order(3)
        #expect(response.status == 201, "\(response.errorMessage ?? "")")
        let order = try response.decode(Order.self)
        #expect(order.state == .confirmed && order.placed)
        let prime = MarketplaceCatalog.Tier.prime
        let expected = 2 * PriceBook.unitCents(listCents: MarketplaceCatalog.product(1).listCents, tier: prime, percentOff: nil)
            + PriceBook.unitCents(listCents: MarketplaceCatalog.product(5).listCents, tier: prime, percentOff: nil)
        #expect(order.totalCents == expected)
        let ledger = test.shop.ledger()
        #expect(ledger.payments[order.id] == MarketplaceLedger.Payment(capturedCents: expected, refundedCents: 0))
        #expect(ledger.invoices[order.id] == MarketplaceLedger.Invoice(totalCents: expected, void: false))
        #expect(ledger.cartCheckouts[order.id] == "c3")
        #expect(test.shop.carts.quantity(of: "m1", in: "c3") == 0)
        #expect(ledger.stock["m1"]?.heldByOrder[order.id] == 2)
        #expect(!ledger.tracked.contains(order.id), "tracking follows asynchronously")

        await test.deliverEvents()
        let after = test.shop.ledger()
        #expect(after.packed.contains(order.id) && after.shipped.contains(order.id) && after.tracked.contains(order.id))
        #expect(after.stock["m1"]?.shippedByOrder[order.id] == 2 && after.stock["m1"]?.heldByOrder[order.id] == nil)
        let tracking = await test.mesh.ingress(Request(path: "/api/tracking/\(order.id)", headers: Marketplace.signedIn(3)))
        #expect(tracking.status == 200)
        #expect(try tracking.decode(Marketplace.TrackingService.Tracking.self).status == "label created")
        let someoneElse = await test.mesh.ingress(Request(path: "/api/tracking/\(order.id)", headers: Marketplace.signedIn(4)))
        #expect(someoneElse.status == 404)
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }

    @Test("a declined card: 402, the order cancelled, nothing captured or reserved, the cart kept")
    func paymentFails() async throws {
        let test = MarketplaceHarness()
        #expect(MarketplaceCatalog.hasDeclinedCard(97))
        try await test.add(97, "m2", 2)
        let response = await test.order(97)
        #expect(response.status == 402)
        let order = try response.decode(Order.self)
        #expect(order.state == .cancelled && !order.placed)
        #expect(order.reason?.contains("compensated") == true)
        let ledger = test.shop.ledger()
        #expect(ledger.payments[order.id] == nil)
        #expect(ledger.stock["m2"]?.available == MarketplaceCatalog.product(2).initialStock)
        #expect(ledger.cartCheckouts[order.id] == nil)
        #expect(test.shop.carts.quantity(of: "m2", in: "c97") == 2)
        #expect(test.shop.orders.statistics.paymentsDeclined == 1)
        await test.deliverEvents()
        #expect(!test.shop.ledger().packed.contains(order.id))
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }

    @Test("an empty cart is refused before anything is created: 422")
    func emptyCart() async {
        let test = MarketplaceHarness()
        let response = await test.order(1)
        #expect(response.status == 422)
        #expect(response.errorMessage?.contains("the cart is empty") == true)
        #expect(test.shop.orders.ledgerOrders().isEmpty)
        #expect(test.shop.orders.statistics.rejected == 1)
    }

    @Test("a reservation that fails after the payment (sold out meanwhile): the payment refunded, the order cancelled, the cart and stock untouched")
    func reservationFailsAfterPayment() async throws {
        struct Reserve: Codable { var orderId: String; var items: [LineItem] }
        let test = MarketplaceHarness()
        #expect(MarketplaceCatalog.isScarce(20) && MarketplaceCatalog.product(20).initialStock == 40)
        try await test.add(1, "m20", 3)
        // The payment takes 100 ms; while it is under way, after the availability check passed,
        // another buyer's reservation takes all but 2 of m20's 40 units.
        try test.fault("payment-service", .latency(milliseconds: 100))
        let inventory = test.mesh.client(as: "test")
        let response = try await test.driven {
            try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { await test.order(1) }
                group.addTask {
                    await waitUntil("the order waits for its payment") { test.shop.orders.order("mo-1")?.state == .pending }
                    let taken = try await inventory.post("inventory-service", "/reservations",
                                                         json: Reserve(orderId: "elsewhere", items: [LineItem(productId: "m20", quantity: 38)]))
                    #expect(taken.status == 201)
                    return nil
                }
                var response: Response?
                for try await value in group where value != nil { response = value }
                return try #require(response)
            }
        }
        #expect(response.status == 409)
        let order = try response.decode(Order.self)
        #expect(order.state == .cancelled && !order.placed)
        let ledger = test.shop.ledger()
        #expect(ledger.payments[order.id] == MarketplaceLedger.Payment(capturedCents: order.totalCents, refundedCents: order.totalCents))
        #expect(ledger.invoices[order.id] == nil)
        #expect(ledger.stock["m20"]?.heldByOrder[order.id] == nil)
        #expect(test.shop.carts.quantity(of: "m20", in: "c1") == 3)
        #expect(test.shop.orders.statistics.reservationsFailed == 1)
        #expect(test.shop.payments.statistics.refunds == 1)
        let saga = try #require(test.mesh.sagas.status("mo-1"))
        #expect(saga.state == .compensated)
        #expect(saga.steps.first { $0.name == "payment-guard" }?.state == .compensated)
        #expect(saga.steps.first { $0.name == "reserve-stock" }?.state == .failed)
        // The other buyer's units go back; then every invariant holds.
        #expect(try await inventory.call("inventory-service", Request(method: .delete, path: "/reservations/elsewhere")).status == 204)
        await test.deliverEvents()
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }

    @Test("two checkouts of one cart under different keys: one order placed, the other finds the cart changed and is compensated (invoice voided, stock released, refunded)")
    func cartCheckedOutTwice() async throws {
        let test = MarketplaceHarness()
        try await test.add(1, "m6", 2)
        try test.fault("payment-service", .latency(milliseconds: 100))
        let responses = try await test.driven {
            await withTaskGroup(of: Response.self) { group in
                group.addTask { await test.order(1, key: "tab-1") }
                group.addTask { await test.order(1, key: "tab-2") }
                var responses: [Response] = []
                for await response in group { responses.append(response) }
                return responses.sorted { $0.status < $1.status }
            }
        }
        #expect(responses.map(\.status) == [201, 409])
        let lost = try responses[1].decode(Order.self)
        let ledger = test.shop.ledger()
        #expect(lost.state == .cancelled && !lost.placed)
        #expect(ledger.invoices[lost.id]?.void == true)
        #expect(ledger.payments[lost.id]?.netCents == 0)
        #expect(ledger.stock["m6"]?.heldByOrder[lost.id] == nil)
        #expect(ledger.cartCheckouts.count == 1)
        #expect(test.shop.carts.quantity(of: "m6", in: "c1") == 0)
        await test.deliverEvents()
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }

    @Test("a promotion that ends while the order is being paid: charged and invoiced the quoted price; the page shows the full price now")
    func promotionEndsMidOrder() async throws {
        // Product m8's promotion runs from 0 s to 7 s of the run; the order is quoted at 6.95 s and paid 100 ms later.
        let promotion = try #require(PriceBook.promotion(on: 8, at: .milliseconds(6_950)))
        #expect(promotion.endsAt == .seconds(7))
        let test = MarketplaceHarness()
        test.clock.advance(by: .milliseconds(6_950))
        try await test.add(1, "m8", 2)
        try test.fault("payment-service", .latency(milliseconds: 100))
        let response = try await test.driven { await test.order(1) }
        #expect(response.status == 201)
        #expect(test.mesh.now() > promotion.endsAt)
        let order = try response.decode(Order.self)
        let promoted = PriceBook.unitCents(listCents: MarketplaceCatalog.product(8).listCents, tier: .standard, percentOff: promotion.percentOff)
        #expect(order.totalCents == 2 * promoted)
        let ledger = test.shop.ledger()
        #expect(ledger.payments[order.id]?.capturedCents == 2 * promoted)
        #expect(ledger.invoices[order.id]?.totalCents == 2 * promoted)
        #expect(test.shop.orders.statistics.promotionsEndedMidOrder == 1)
        let now = try await test.mesh.ingress(Request(path: "/api/prices/m8?tier=standard")).decode(Marketplace.PricingService.Price.self)
        #expect(now.promotion == nil && now.unitCents > promoted)
        await test.deliverEvents()
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }

    @Test("the same Idempotency-Key sent again: the first answer, marked replayed; one order, one charge, one cart checkout")
    func replayedKeyPlacesOneOrder() async throws {
        let test = MarketplaceHarness()
        try await test.add(1, "m3")
        let first = await test.order(1, key: "checkout-7")
        let again = await test.order(1, key: "checkout-7")
        #expect(first.status == 201 && again.status == 201)
        #expect(again.headers[Marketplace.OrderService.replayedHeader] == "true")
        #expect(try again.decode(Order.self) == first.decode(Order.self))
        // The same key from another customer is another order (keys are per customer).
        try await test.add(2, "m3")
        #expect(await test.order(2, key: "checkout-7").status == 201)
        let ledger = test.shop.ledger()
        #expect(ledger.orders.count == 2 && ledger.payments.count == 2 && ledger.cartCheckouts.count == 2)
        #expect(test.shop.orders.statistics.idempotentReplays == 1)
        await test.deliverEvents()
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }

    @Test("the same key twice at once: the second is told the order is being placed (409), and a later one gets the result")
    func concurrentReplay() async throws {
        let test = MarketplaceHarness()
        try await test.add(1, "m3")
        try test.fault("payment-service", .latency(milliseconds: 50))
        let statuses = try await test.driven {
            await withTaskGroup(of: Int.self) { group in
                group.addTask { await test.order(1, key: "double-click").status }
                group.addTask { await test.order(1, key: "double-click").status }
                var statuses: [Int] = []
                for await status in group { statuses.append(status) }
                return statuses.sorted()
            }
        }
        #expect(statuses == [201, 409])
        let later = await test.order(1, key: "double-click")
        #expect(later.status == 201 && later.headers[Marketplace.OrderService.replayedHeader] == "true")
        #expect(test.shop.ledger().orders.count == 1)
        #expect(test.shop.orders.statistics.replaysWhileInProgress == 1)
    }

    @Test("an order confirmed but not packed when the run ends is cancelled the system's way; its late event is skipped")
    func unfulfilledOrderEndedAtSettle() async throws {
        let test = MarketplaceHarness()
        try await test.add(1, "m9", 2)
        let order = try await test.order(1).decode(Order.self)
        let ended = try await test.driven { await test.shop.orders.endUnfulfilled(packed: [], reason: "cancelled: the run ended") }
        #expect(ended == 1)
        let ledger = test.shop.ledger()
        #expect(ledger.orders[order.id]?.state == .cancelled && ledger.orders[order.id]?.placed == true)
        #expect(ledger.payments[order.id]?.netCents == 0 && ledger.invoices[order.id]?.void == true)
        #expect(ledger.stock["m9"]?.available == MarketplaceCatalog.product(9).initialStock)
        await test.deliverEvents()
        #expect(!test.shop.ledger().packed.contains(order.id), "fulfilment skipped the cancelled order")
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }

    @Test("a compensation that keeps failing leaves the saga stuck (500, the order pending); ending the run undoes it and cancels the order")
    func stuckSagaEndedAtSettle() async throws {
        let test = MarketplaceHarness()
        try await test.add(1, "m7", 2)
        try test.fault("payment-service", .latency(milliseconds: 100))
        let response = try await test.driven {
            try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { await test.order(1) }
                group.addTask {
                    await waitUntil("the order waits for its payment") { test.shop.orders.order("mo-1")?.state == .pending }
                    try test.fault("inventory-service", .down)
                    return nil
                }
                var response: Response?
                for try await value in group where value != nil { response = value }
                return try #require(response)
            }
        }
        #expect(response.status == 500)
        #expect(test.shop.orders.order("mo-1")?.state == .pending)
        #expect(test.mesh.sagas.status("mo-1")?.state == .stuck)
        #expect(test.invariants().contains { $0.invariant == .nothingPending })
        try test.fault("inventory-service", .none)
        try test.fault("payment-service", .none)
        let ended = try await test.driven { await test.shop.orders.endUnfulfilled(packed: [], reason: "cancelled: the run ended") }
        #expect(ended == 1)
        let ledger = test.shop.ledger()
        #expect(ledger.orders["mo-1"]?.state == .cancelled && ledger.orders["mo-1"]?.placed == false)
        #expect(ledger.payments["mo-1"]?.netCents == 0)
        #expect(test.shop.carts.quantity(of: "m7", in: "c1") == 2)
        await test.deliverEvents()
        #expect(test.invariants().isEmpty, "\(test.invariants())")
    }
}
