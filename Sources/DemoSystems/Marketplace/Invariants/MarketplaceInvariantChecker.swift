/// Checks the marketplace's invariants on a ``MarketplaceLedger``:
///
/// 1. ``Invariant/stockConserved``: per product, available + held + shipped = initial, none
///    below 0; ``Invariant/stockHeldByKnownOrder``: stock is held or shipped only for orders that
///    exist, and a cancelled order holds none.
/// 2. ``Invariant/placedOrderPaidAndInvoiced``: every confirmed order has its total captured (net
///    of refunds) and an invoice for that total that is not void; every cancelled order has
///    nothing captured net and no open invoice; no money is captured for an order that does not exist.
/// 3. ``Invariant/chargedQuotedPrice``: every order's total is its quote's Σ unit × quantity over
///    the order's own lines, each unit price the ``PriceBook``'s for the quote's tier and the
///    promotion the quote names (running when quoted).
/// 4. ``Invariant/cartClearedOnPlacement``: a cart was checked out for an order exactly when the
///    order was placed, from that order's customer's cart.
/// 5. ``Invariant/orderPlacedOnce``: no Idempotency-Key placed two orders.
/// 6. ``Invariant/confirmedOrderShipped``: every confirmed order is packed, shipped and trackable.
/// 7. ``Invariant/searchIndexCaughtUp``: search-service indexed every product's latest listing.
/// 8. ``Invariant/nothingPending``: once drained, no order is pending.
///
/// Pure and deterministic: violations come sorted by order, then product.
public enum MarketplaceInvariantChecker {
    public static func check(_ ledger: MarketplaceLedger, drained: Bool = true) -> [Violation] {
        var violations: [Violation] = []
        func add(_ invariant: Invariant, _ subject: String, _ message: String) {
            violations.append(Violation(invariant: invariant, subject: subject, message: message))
        }
        let orderIds = ledger.orders.keys.sorted(by: idOrder)
        var placedByKey: [String: [String]] = [:]

        for id in orderIds {
            let order = ledger.orders[id]!
            let subject = "order \(id)"
            let net = ledger.payments[id]?.netCents ?? 0
            let invoice = ledger.invoices[id]
            switch order.state {
            case .confirmed:
                if net != order.totalCents {
                    add(.placedOrderPaidAndInvoiced, subject, "order \(id) is confirmed with \(net) cents captured net, expected its total of \(order.totalCents)")
                }
                if let invoice, !invoice.void {
                    if invoice.totalCents != order.totalCents {
                        add(.placedOrderPaidAndInvoiced, subject, "order \(id)'s invoice says \(invoice.totalCents) cents, but \(order.totalCents) were charged")
                    }
                } else {
                    add(.placedOrderPaidAndInvoiced, subject, "order \(id) is confirmed without an open invoice")
                }
                if !ledger.packed.contains(id) || !ledger.shipped.contains(id) || !ledger.tracked.contains(id) {
                    let missing = [("packed", ledger.packed), ("shipped", ledger.shipped), ("trackable", ledger.tracked)].filter { !$0.1.contains(id) }.map(\.0)
                    add(.confirmedOrderShipped, subject, "order \(id) is confirmed but not \(missing.joined(separator: ", "))")
                }
            case .cancelled:
                if net != 0 {
                    add(.placedOrderPaidAndInvoiced, subject, "order \(id) is cancelled but \(net) cents are still captured")
                }
                if let invoice, !invoice.void {
                    add(.placedOrderPaidAndInvoiced, subject, "order \(id) is cancelled but its invoice is not void")
                }
                for product in ledger.stock.keys.sorted(by: idOrder) where ledger.stock[product]!.heldByOrder[id, default: 0] != 0 {
                    add(.stockHeldByKnownOrder, subject, "order \(id) is cancelled but holds \(ledger.stock[product]!.heldByOrder[id]!) units of \(product)")
                }
            case .pending:
                if drained { add(.nothingPending, subject, "order \(id) is still pending after the run drained") }
            }

            // 3. The charge is the quote.
            if let quote = ledger.quotes[order.quoteId] {
                let quoted = quote.lines.reduce(0) { $0 + $1.unitCents * $1.quantity }
                if quoted != order.totalCents || quote.totalCents != quoted {
                    add(.chargedQuotedPrice, subject, "order \(id) totals \(order.totalCents) cents, but its quote \(quote.id) prices its lines at \(quoted) (quote total \(quote.totalCents))")
                }
                if quote.lines.map({ LineItem(productId: $0.productId, quantity: $0.quantity) }) != order.items {
                    add(.chargedQuotedPrice, subject, "order \(id)'s lines differ from those of its quote \(quote.id)")
                }
                for line in quote.lines {
                    if let promotion = line.promotion, promotion.endsAt <= quote.quotedAt {
                        add(.chargedQuotedPrice, subject, "order \(id)'s quote applies \(promotion.name) to \(line.productId) after it ended")
                    }
                    let expected = PriceBook.unitCents(listCents: line.listCents, tier: quote.tier, percentOff: line.promotion?.percentOff)
                    if expected != line.unitCents {
                        add(.chargedQuotedPrice, subject, "order \(id)'s quote prices \(line.productId) at \(line.unitCents) cents, the price book says \(expected) for \(quote.tier.rawValue)")
                    }
                }
            } else {
                add(.chargedQuotedPrice, subject, "order \(id) names quote \(order.quoteId), which pricing-service never gave")
            }

            // 4. The cart is checked out exactly for a placed order.
            let checkout = ledger.cartCheckouts[id]
            if order.placed, checkout != order.customerId {
                add(.cartClearedOnPlacement, subject, "order \(id) was placed but \(checkout.map { "customer \($0)'s cart was checked out for it" } ?? "its cart was not cleared")")
            }
            if !order.placed, checkout != nil {
                add(.cartClearedOnPlacement, subject, "order \(id) was never placed but a cart was checked out for it")
            }
            if order.placed, let key = order.idempotencyKey { placedByKey["\(order.customerId)|\(key)", default: []].append(id) }
        }

        for orderId in ledger.cartCheckouts.keys.sorted(by: idOrder) where ledger.orders[orderId] == nil {
            add(.cartClearedOnPlacement, "order \(orderId)", "a cart was checked out for order \(orderId), which does not exist")
        }
        for orderId in ledger.payments.keys.sorted(by: idOrder) where ledger.orders[orderId] == nil && ledger.payments[orderId]!.netCents != 0 {
            add(.placedOrderPaidAndInvoiced, "order \(orderId)", "\(ledger.payments[orderId]!.netCents) cents are captured for order \(orderId), which does not exist")
        }

        // 5. One order per key.
        for key in placedByKey.keys.sorted() where placedByKey[key]!.count > 1 {
            add(.orderPlacedOnce, "key \(key)", "Idempotency-Key \(key) placed \(placedByKey[key]!.count) orders: \(placedByKey[key]!.sorted(by: idOrder).joined(separator: ", "))")
        }

        // 1. Stock.
        for product in ledger.stock.keys.sorted(by: idOrder) {
            let stock = ledger.stock[product]!
            let held = stock.heldByOrder.values.reduce(0, +)
            let shipped = stock.shippedByOrder.values.reduce(0, +)
            let subject = "product \(product)"
            if stock.available < 0 {
                add(.stockConserved, subject, "product \(product) has \(stock.available) units available, below 0")
            }
            if stock.available + held + shipped != stock.initial {
                add(.stockConserved, subject, "product \(product) has \(stock.available) available + \(held) held + \(shipped) shipped = \(stock.available + held + shipped), expected its initial \(stock.initial)")
            }
            for order in Set(stock.heldByOrder.keys).union(stock.shippedByOrder.keys).sorted(by: idOrder) where ledger.orders[order] == nil {
                add(.stockHeldByKnownOrder, subject, "product \(product) has units held or shipped for order \(order), which does not exist")
            }
        }

        // 7. The search index.
        for product in ledger.catalogVersions.keys.sorted(by: idOrder) {
            let version = ledger.catalogVersions[product]!
            let indexed = ledger.indexedVersions[product]
            if indexed != version {
                add(.searchIndexCaughtUp, "product \(product)", "product \(product) is at listing version \(version) but search-service indexed \(indexed.map { "version \($0)" } ?? "nothing")")
            }
        }
        return violations
    }

    /// `mo-9` before `mo-10`: ids compare by their prefix, then their number.
    static func idOrder(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.split(separator: "-").last.flatMap { Int($0.filter(\.isNumber)) }
        let right = rhs.split(separator: "-").last.flatMap { Int($0.filter(\.isNumber)) }
        if let left, let right, left != right, lhs.prefix(while: { !$0.isNumber }) == rhs.prefix(while: { !$0.isNumber }) { return left < right }
        return lhs < rhs
    }
}

extension Invariant {
    public static let placedOrderPaidAndInvoiced = Invariant("placedOrderPaidAndInvoiced")
    public static let chargedQuotedPrice = Invariant("chargedQuotedPrice")
    public static let cartClearedOnPlacement = Invariant("cartClearedOnPlacement")
    public static let orderPlacedOnce = Invariant("orderPlacedOnce")
    public static let confirmedOrderShipped = Invariant("confirmedOrderShipped")
    public static let searchIndexCaughtUp = Invariant("searchIndexCaughtUp")

    /// The marketplace's invariants, in the order ``MarketplaceInvariantChecker`` documents them.
    public static let marketplace: [Invariant] = [
        .stockConserved, .stockHeldByKnownOrder, .placedOrderPaidAndInvoiced, .chargedQuotedPrice, .cartClearedOnPlacement,
        .orderPlacedOnce, .confirmedOrderShipped, .searchIndexCaughtUp, .nothingPending,
    ]
}
