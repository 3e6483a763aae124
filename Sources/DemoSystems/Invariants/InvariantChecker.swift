/// Checks the storefront's invariants on a ``StorefrontLedger``: the proof that the sagas and their
/// compensations left no money taken without an order and no stock leaked.
///
/// 1. Every confirmed order has its total captured (net of refunds), its stock reserved and an
///    order-confirmed notification.
/// 2. Every cancelled order has no money left captured and holds no stock.
/// 3. Stock is conserved: for every product, available + reserved = initial, and stock is held
///    only by orders that exist.
/// 4. Money balances: captured − refunded over all payments = the sum of confirmed orders' totals;
///    no payment without an order; no refund larger than its capture.
/// 5. Nothing is pending once the run has drained.
///
/// Pure and deterministic: violations come sorted by order and product id.
public enum InvariantChecker {
    /// Every violation in `ledger`; empty when all invariants hold.
    ///
    /// - Parameter drained: true at the end of a run (pending orders are violations); false to
    ///   check a running system, where pending orders and their payments are in flight and skipped.
    public static func check(_ ledger: StorefrontLedger, drained: Bool = true) -> [Violation] {
        var violations: [Violation] = []
        let orderIds = ledger.orders.keys.sorted()

        for id in orderIds {
            let order = ledger.orders[id]!
            let payment = ledger.payments[id]
            let subject = "order \(id)"
            switch order.state {
            case .confirmed:
                if let payment {
                    if payment.netCents != order.totalCents {
                        violations.append(Violation(.confirmedOrderPaid, subject, "order \(id) is confirmed with \(payment.netCents) cents captured net (captured \(payment.capturedCents), refunded \(payment.refundedCents)), expected its total of \(order.totalCents)"))
                    }
                } else {
                    violations.append(Violation(.confirmedOrderPaid, subject, "order \(id) is confirmed but has no payment (expected \(order.totalCents) cents captured)"))
                }
                for (productId, quantity) in quantities(of: order) {
                    let held = ledger.stock[productId]?.reservedByOrder[id] ?? 0
                    if held != quantity {
                        violations.append(Violation(.confirmedOrderReservedStock, subject, "order \(id) is confirmed but holds \(held) of its \(quantity) units of product \(productId)"))
                    }
                }
                if !(ledger.notifications[id] ?? []).contains(.orderConfirmed) {
                    violations.append(Violation(.confirmedOrderNotified, subject, "order \(id) is confirmed but no order-confirmed notification was sent"))
                }
            case .cancelled:
                if let payment, payment.netCents != 0 {
                    violations.append(Violation(.cancelledOrderRefunded, subject, "order \(id) is cancelled but \(payment.netCents) cents are still captured (captured \(payment.capturedCents), refunded \(payment.refundedCents))"))
                }
                for productId in ledger.stock.keys.sorted() {
                    let held = ledger.stock[productId]!.reservedByOrder[id] ?? 0
                    if held != 0 {
                        violations.append(Violation(.cancelledOrderHoldsNoStock, subject, "order \(id) is cancelled but still holds \(held) units of product \(productId)"))
                    }
                }
            case .pending:
                if drained {
                    violations.append(Violation(.nothingPending, subject, "order \(id) is still pending after the run drained"))
                }
            }
        }

        for productId in ledger.stock.keys.sorted() {
            let stock = ledger.stock[productId]!
            let subject = "product \(productId)"
            if stock.available < 0 {
                violations.append(Violation(.stockConserved, subject, "product \(productId) has \(stock.available) units available, below 0"))
            }
            for (orderId, held) in stock.reservedByOrder.sorted(by: { $0.key < $1.key }) {
                if held < 0 {
                    violations.append(Violation(.stockConserved, subject, "product \(productId) has \(held) units held by order \(orderId), below 0"))
                }
                if held != 0, ledger.orders[orderId] == nil {
                    violations.append(Violation(.stockHeldByKnownOrder, subject, "product \(productId) has \(held) units held by order \(orderId), which does not exist"))
                }
            }
            if stock.available + stock.reservedTotal != stock.initial {
                violations.append(Violation(.stockConserved, subject, "product \(productId) has \(stock.available) available + \(stock.reservedTotal) reserved = \(stock.available + stock.reservedTotal) units, expected its initial \(stock.initial)"))
            }
        }

        var netCaptured = 0
        for orderId in ledger.payments.keys.sorted() {
            let payment = ledger.payments[orderId]!
            let subject = "order \(orderId)"
            if payment.capturedCents < 0 || payment.refundedCents < 0 {
                violations.append(Violation(.moneyBalances, subject, "order \(orderId) has a payment with negative amounts (captured \(payment.capturedCents), refunded \(payment.refundedCents))"))
            }
            if payment.refundedCents > payment.capturedCents {
                violations.append(Violation(.moneyBalances, subject, "order \(orderId) was refunded \(payment.refundedCents) cents, more than the \(payment.capturedCents) captured"))
            }
            guard let order = ledger.orders[orderId] else {
                if payment.netCents != 0 {
                    violations.append(Violation(.noPaymentWithoutOrder, subject, "order \(orderId) does not exist but \(payment.netCents) cents were captured for it"))
                }
                netCaptured += payment.netCents
                continue
            }
            if order.state == .pending, !drained { continue }
            netCaptured += payment.netCents
        }
        let confirmedTotal = ledger.orders.values.filter { $0.state == .confirmed }.reduce(0) { $0 + $1.totalCents }
        if netCaptured != confirmedTotal {
            violations.append(Violation(.moneyBalances, "payments", "captured − refunded is \(netCaptured) cents, but confirmed orders total \(confirmedTotal) cents"))
        }
        return violations
    }

    /// Units per product in an order (a product on two lines counts once, summed).
    private static func quantities(of order: StorefrontLedger.Order) -> [(String, Int)] {
        var totals: [String: Int] = [:]
        for item in order.items { totals[item.productId, default: 0] += item.quantity }
        return totals.sorted { $0.key < $1.key }
    }
}

/// One broken invariant: which, about what (`order o-17`, `product p-3`, `payments`), and in words.
public struct Violation: Sendable, Equatable, Codable, CustomStringConvertible {
    public var invariant: Invariant
    /// What it is about, naming the order or product.
    public var subject: String
    public var message: String

    public init(invariant: Invariant, subject: String, message: String) {
        self.invariant = invariant
        self.subject = subject
        self.message = message
    }

    init(_ invariant: Invariant, _ subject: String, _ message: String) {
        self.init(invariant: invariant, subject: subject, message: message)
    }

    public var description: String { message }
}

/// An invariant's name: the JSON report and the text report use it. Each system declares its own
/// (``DemoSystem/invariants``); the storefront's are below.
public struct Invariant: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ name: String) {
        self.init(rawValue: name)
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Invariant {
    public static let confirmedOrderPaid = Invariant("confirmedOrderPaid")
    public static let confirmedOrderReservedStock = Invariant("confirmedOrderReservedStock")
    public static let confirmedOrderNotified = Invariant("confirmedOrderNotified")
    public static let cancelledOrderRefunded = Invariant("cancelledOrderRefunded")
    public static let cancelledOrderHoldsNoStock = Invariant("cancelledOrderHoldsNoStock")
    public static let stockConserved = Invariant("stockConserved")
    public static let stockHeldByKnownOrder = Invariant("stockHeldByKnownOrder")
    public static let noPaymentWithoutOrder = Invariant("noPaymentWithoutOrder")
    public static let moneyBalances = Invariant("moneyBalances")
    public static let nothingPending = Invariant("nothingPending")

    /// The storefront's invariants, in the order ``InvariantChecker`` documents them.
    public static let storefront: [Invariant] = [
        .confirmedOrderPaid, .confirmedOrderReservedStock, .confirmedOrderNotified,
        .cancelledOrderRefunded, .cancelledOrderHoldsNoStock, .stockConserved, .stockHeldByKnownOrder,
        .noPaymentWithoutOrder, .moneyBalances, .nothingPending,
    ]
}
