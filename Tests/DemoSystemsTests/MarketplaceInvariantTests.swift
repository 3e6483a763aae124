import DemoSystems
import Testing

/// The marketplace's invariant checker on a hand-made ledger that holds every invariant, then with
/// one violation planted at a time: each must be caught, by the invariant it breaks.
@Suite("Marketplace: invariants")
struct MarketplaceInvariantTests {
    typealias Order = Marketplace.OrderService.Order
    typealias Quote = Marketplace.PricingService.Quote

    static let list1 = MarketplaceCatalog.product(1).listCents
    static let list2 = MarketplaceCatalog.product(2).listCents
    static let unit1 = PriceBook.unitCents(listCents: list1, tier: .standard, percentOff: nil)
    static let unit2 = PriceBook.unitCents(listCents: list2, tier: .standard, percentOff: 20)

    /// A confirmed, shipped order (mo-1: 2 × m1) and a compensated one (mo-2: 1 × m2 on promotion).
    static func consistent() -> MarketplaceLedger {
        let promotion = PriceBook.Promotion(name: "deal-0-2", percentOff: 20, endsAt: .seconds(7))
        return MarketplaceLedger(
            orders: [
                "mo-1": Order(id: "mo-1", customerId: "c1", idempotencyKey: "k1", state: .confirmed, placed: true,
                              items: [LineItem(productId: "m1", quantity: 2)], quoteId: "q-1", totalCents: 2 * unit1),
                "mo-2": Order(id: "mo-2", customerId: "c2", idempotencyKey: "k2", state: .cancelled, placed: false,
                              items: [LineItem(productId: "m2", quantity: 1)], quoteId: "q-2", totalCents: unit2),
            ],
            quotes: [
                "q-1": Quote(id: "q-1", customerId: "c1", tier: .standard, quotedAt: .seconds(1),
                             lines: [.init(productId: "m1", quantity: 2, listCents: list1, unitCents: unit1)], totalCents: 2 * unit1),
                "q-2": Quote(id: "q-2", customerId: "c2", tier: .standard, quotedAt: .seconds(6),
                             lines: [.init(productId: "m2", quantity: 1, listCents: list2, unitCents: unit2, promotion: promotion)], totalCents: unit2),
            ],
            payments: ["mo-1": .init(capturedCents: 2 * unit1, refundedCents: 0), "mo-2": .init(capturedCents: unit2, refundedCents: unit2)],
            invoices: ["mo-1": .init(totalCents: 2 * unit1, void: false), "mo-2": .init(totalCents: unit2, void: true)],
            stock: ["m1": .init(initial: 10, available: 8, shippedByOrder: ["mo-1": 2]), "m2": .init(initial: 5, available: 5)],
            cartCheckouts: ["mo-1": "c1"], packed: ["mo-1"], shipped: ["mo-1"], tracked: ["mo-1"],
            catalogVersions: ["m1": 1, "m2": 0], indexedVersions: ["m1": 1, "m2": 0])
    }

    enum Plant: String, CaseIterable, Sendable {
        case stockLeaked, stockHeldByUnknownOrder, confirmedOrderRefunded, invoiceVoided, cancelledOrderKeepsMoney, cancelledOrderHoldsStock
        case chargeAboveQuote, quoteBelowPriceBook, promotionAfterItEnded, cartNotCleared, cartClearedForUnplacedOrder
        case keyPlacedTwice, confirmedOrderNotTracked, searchIndexStale, orderPending

        var invariant: Invariant {
            switch self {
            case .stockLeaked: .stockConserved
            case .stockHeldByUnknownOrder, .cancelledOrderHoldsStock: .stockHeldByKnownOrder
            case .confirmedOrderRefunded, .invoiceVoided, .cancelledOrderKeepsMoney: .placedOrderPaidAndInvoiced
            case .chargeAboveQuote, .quoteBelowPriceBook, .promotionAfterItEnded: .chargedQuotedPrice
            case .cartNotCleared, .cartClearedForUnplacedOrder: .cartClearedOnPlacement
            case .keyPlacedTwice: .orderPlacedOnce
            case .confirmedOrderNotTracked: .confirmedOrderShipped
            case .searchIndexStale: .searchIndexCaughtUp
            case .orderPending: .nothingPending
            }
        }

        func apply(to ledger: inout MarketplaceLedger) {
            switch self {
            case .stockLeaked:
                ledger.stock["m1"]!.available = 9
            case .stockHeldByUnknownOrder:
                ledger.stock["m2"]!.available = 4
                ledger.stock["m2"]!.heldByOrder["mo-9"] = 1
            case .cancelledOrderHoldsStock:
                ledger.stock["m2"]!.available = 4
                ledger.stock["m2"]!.heldByOrder["mo-2"] = 1
            case .confirmedOrderRefunded:
                ledger.payments["mo-1"]!.refundedCents = 2 * unit1
            case .invoiceVoided:
                ledger.invoices["mo-1"]!.void = true
            case .cancelledOrderKeepsMoney:
                ledger.payments["mo-2"]!.refundedCents = 0
            case .chargeAboveQuote:
                ledger.orders["mo-1"]!.totalCents += 100
                ledger.payments["mo-1"]!.capturedCents += 100
                ledger.invoices["mo-1"]!.totalCents += 100
            case .quoteBelowPriceBook:
                ledger.quotes["q-1"]!.lines[0].unitCents -= 1
                ledger.quotes["q-1"]!.totalCents -= 2
                ledger.orders["mo-1"]!.totalCents -= 2
                ledger.payments["mo-1"]!.capturedCents -= 2
                ledger.invoices["mo-1"]!.totalCents -= 2
            case .promotionAfterItEnded:
                ledger.quotes["q-2"]!.quotedAt = .seconds(8)
            case .cartNotCleared:
                ledger.cartCheckouts["mo-1"] = nil
            case .cartClearedForUnplacedOrder:
                ledger.cartCheckouts["mo-2"] = "c2"
            case .keyPlacedTwice:
                var twin = ledger.orders["mo-1"]!
                twin.id = "mo-3"
                ledger.orders["mo-3"] = twin
                ledger.payments["mo-3"] = ledger.payments["mo-1"]
                ledger.invoices["mo-3"] = ledger.invoices["mo-1"]
                ledger.cartCheckouts["mo-3"] = "c1"
                ledger.stock["m1"]!.shippedByOrder["mo-3"] = 2
                ledger.stock["m1"]!.available = 6
                ledger.packed.insert("mo-3")
                ledger.shipped.insert("mo-3")
                ledger.tracked.insert("mo-3")
            case .confirmedOrderNotTracked:
                ledger.tracked.remove("mo-1")
            case .searchIndexStale:
                ledger.indexedVersions["m1"] = 0
            case .orderPending:
                ledger.orders["mo-2"]!.state = .pending
            }
        }
    }

    @Test("the consistent ledger holds every invariant")
    func consistentLedgerHolds() {
        #expect(MarketplaceInvariantChecker.check(Self.consistent()).isEmpty, "\(MarketplaceInvariantChecker.check(Self.consistent()))")
    }

    @Test("each planted violation is caught by the invariant it breaks, and only that one", arguments: Plant.allCases)
    func plantedViolationIsCaught(_ plant: Plant) {
        var ledger = Self.consistent()
        plant.apply(to: &ledger)
        let violations = MarketplaceInvariantChecker.check(ledger)
        #expect(!violations.isEmpty, "\(plant)")
        #expect(Set(violations.map(\.invariant)) == [plant.invariant], "\(plant): \(violations)")
        #expect(Marketplace.profile.invariants.contains(plant.invariant))
    }

    @Test("a pending order is not a violation while the run is still going")
    func pendingAllowedBeforeDraining() {
        var ledger = Self.consistent()
        Plant.orderPending.apply(to: &ledger)
        #expect(MarketplaceInvariantChecker.check(ledger, drained: false).isEmpty)
    }
}
