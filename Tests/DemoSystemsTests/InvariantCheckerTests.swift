import DemoSystems
import Testing

@Suite struct InvariantCheckerTests {
    typealias Ledger = StorefrontLedger

    /// A consistent end of run: o-1 confirmed (2 × p-1 at 1,000 + 1 × p-2 at 599), o-2 cancelled
    /// and fully compensated (refunded, stock released), p-3 untouched.
    static let clean = Ledger(
        orders: [
            .init(id: "o-1", state: .confirmed, totalCents: 2599, items: [.init(productId: "p-1", quantity: 2), .init(productId: "p-2", quantity: 1)]),
            .init(id: "o-2", state: .cancelled, totalCents: 1000, items: [.init(productId: "p-1", quantity: 1)]),
        ],
        payments: [
            .init(orderId: "o-1", capturedCents: 2599),
            .init(orderId: "o-2", capturedCents: 1000, refundedCents: 1000),
        ],
        stock: [
            .init(productId: "p-1", initial: 10, available: 8, reservedByOrder: ["o-1": 2]),
            .init(productId: "p-2", initial: 5, available: 4, reservedByOrder: ["o-1": 1]),
            .init(productId: "p-3", initial: 7, available: 7),
        ],
        notifications: ["o-1": [.orderConfirmed], "o-2": [.orderCancelled]]
    )

    @Test func aConsistentLedgerPasses() {
        #expect(InvariantChecker.check(Self.clean) == [])
        #expect(InvariantChecker.check(Ledger()) == [])
    }

    @Test func aCancelledOrderThatNeverReachedPaymentPasses() {
        var ledger = Self.clean
        ledger.orders["o-3"] = .init(id: "o-3", state: .cancelled, totalCents: 500, items: [.init(productId: "p-3", quantity: 1)])
        #expect(InvariantChecker.check(ledger) == [])
    }

    /// One planted fault per case, with the one violation it must produce.
    @Test(arguments: [
        ("confirmed without payment", { @Sendable (l: inout Ledger) in l.payments["o-1"] = nil },
         [Violation(invariant: .confirmedOrderPaid, subject: "order o-1", message: "order o-1 is confirmed but has no payment (expected 2599 cents captured)"),
          Violation(invariant: .moneyBalances, subject: "payments", message: "captured − refunded is 0 cents, but confirmed orders total 2599 cents")]),
        ("confirmed, charged twice", { @Sendable (l: inout Ledger) in l.payments["o-1"]!.capturedCents = 5198 },
         [Violation(invariant: .confirmedOrderPaid, subject: "order o-1", message: "order o-1 is confirmed with 5198 cents captured net (captured 5198, refunded 0), expected its total of 2599"),
          Violation(invariant: .moneyBalances, subject: "payments", message: "captured − refunded is 5198 cents, but confirmed orders total 2599 cents")]),
        ("confirmed, stock not reserved", { @Sendable (l: inout Ledger) in l.stock["p-2"]!.reservedByOrder["o-1"] = nil; l.stock["p-2"]!.available = 5 },
         [Violation(invariant: .confirmedOrderReservedStock, subject: "order o-1", message: "order o-1 is confirmed but holds 0 of its 1 units of product p-2")]),
        ("confirmed, not notified", { @Sendable (l: inout Ledger) in l.notifications["o-1"] = [] },
         [Violation(invariant: .confirmedOrderNotified, subject: "order o-1", message: "order o-1 is confirmed but no order-confirmed notification was sent")]),
        ("cancelled, not refunded", { @Sendable (l: inout Ledger) in l.payments["o-2"]!.refundedCents = 0 },
         [Violation(invariant: .cancelledOrderRefunded, subject: "order o-2", message: "order o-2 is cancelled but 1000 cents are still captured (captured 1000, refunded 0)"),
          Violation(invariant: .moneyBalances, subject: "payments", message: "captured − refunded is 3599 cents, but confirmed orders total 2599 cents")]),
        ("cancelled, stock not released", { @Sendable (l: inout Ledger) in l.stock["p-1"]!.reservedByOrder["o-2"] = 1; l.stock["p-1"]!.available = 7 },
         [Violation(invariant: .cancelledOrderHoldsNoStock, subject: "order o-2", message: "order o-2 is cancelled but still holds 1 units of product p-1")]),
        ("stock leaked", { @Sendable (l: inout Ledger) in l.stock["p-3"]!.available = 6 },
         [Violation(invariant: .stockConserved, subject: "product p-3", message: "product p-3 has 6 available + 0 reserved = 6 units, expected its initial 7")]),
        ("stock oversold", { @Sendable (l: inout Ledger) in l.stock["p-3"]!.available = -1; l.stock["p-3"]!.reservedByOrder["o-1"] = 0; l.stock["p-3"]!.initial = -1 },
         [Violation(invariant: .stockConserved, subject: "product p-3", message: "product p-3 has -1 units available, below 0")]),
        ("stock held by an unknown order", { @Sendable (l: inout Ledger) in l.stock["p-3"]!.reservedByOrder["o-9"] = 2; l.stock["p-3"]!.available = 5 },
         [Violation(invariant: .stockHeldByKnownOrder, subject: "product p-3", message: "product p-3 has 2 units held by order o-9, which does not exist")]),
        ("money without an order", { @Sendable (l: inout Ledger) in l.payments["o-9"] = .init(orderId: "o-9", capturedCents: 700) },
         [Violation(invariant: .noPaymentWithoutOrder, subject: "order o-9", message: "order o-9 does not exist but 700 cents were captured for it"),
          Violation(invariant: .moneyBalances, subject: "payments", message: "captured − refunded is 3299 cents, but confirmed orders total 2599 cents")]),
        ("refund larger than capture", { @Sendable (l: inout Ledger) in l.payments["o-2"]!.refundedCents = 1500 },
         [Violation(invariant: .cancelledOrderRefunded, subject: "order o-2", message: "order o-2 is cancelled but -500 cents are still captured (captured 1000, refunded 1500)"),
          Violation(invariant: .moneyBalances, subject: "order o-2", message: "order o-2 was refunded 1500 cents, more than the 1000 captured"),
          Violation(invariant: .moneyBalances, subject: "payments", message: "captured − refunded is 2099 cents, but confirmed orders total 2599 cents")]),
        ("pending after drain", { @Sendable (l: inout Ledger) in l.orders["o-3"] = .init(id: "o-3", state: .pending, totalCents: 100, items: []) },
         [Violation(invariant: .nothingPending, subject: "order o-3", message: "order o-3 is still pending after the run drained")]),
    ] as [(String, @Sendable (inout Ledger) -> Void, [Violation])])
    func eachPlantedViolationIsCaughtAndNamed(name: String, plant: @Sendable (inout Ledger) -> Void, expected: [Violation]) {
        var ledger = Self.clean
        plant(&ledger)
        #expect(InvariantChecker.check(ledger) == expected, "\(name)")
    }

    @Test func aRunningSystemMayHavePendingOrdersWithTheirMoneyInFlight() {
        var ledger = Self.clean
        ledger.orders["o-3"] = .init(id: "o-3", state: .pending, totalCents: 300, items: [.init(productId: "p-3", quantity: 1)])
        ledger.payments["o-3"] = .init(orderId: "o-3", capturedCents: 300)
        ledger.stock["p-3"] = .init(productId: "p-3", initial: 7, available: 6, reservedByOrder: ["o-3": 1])
        #expect(InvariantChecker.check(ledger, drained: false) == [])
        #expect(InvariantChecker.check(ledger).map(\.invariant) == [.nothingPending, .moneyBalances])
    }

    @Test func countsByState() {
        #expect(Self.clean.count(.confirmed) == 1)
        #expect(Self.clean.count(.cancelled) == 1)
        #expect(Self.clean.count(.pending) == 0)
    }
}
