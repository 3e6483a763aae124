/// The marketplace's state as the invariant checker reads it, each part from the service that
/// owns it (orders from order-service, quotes from pricing-service, stock from inventory-service…).
public struct MarketplaceLedger: Sendable, Equatable {
    public struct Payment: Sendable, Equatable {
        public var capturedCents: Int
        public var refundedCents: Int
        public var netCents: Int { capturedCents - refundedCents }

        public init(capturedCents: Int, refundedCents: Int) {
            self.capturedCents = capturedCents
            self.refundedCents = refundedCents
        }
    }

    public struct Invoice: Sendable, Equatable {
        public var totalCents: Int
        public var void: Bool

        public init(totalCents: Int, void: Bool) {
            self.totalCents = totalCents
            self.void = void
        }
    }

    public struct Stock: Sendable, Equatable {
        public var initial: Int
        public var available: Int
        /// Units reserved and not yet shipped, by order.
        public var heldByOrder: [String: Int] = [:]
        /// Units shipped, by order.
        public var shippedByOrder: [String: Int] = [:]

        public init(initial: Int, available: Int, heldByOrder: [String: Int] = [:], shippedByOrder: [String: Int] = [:]) {
            self.initial = initial
            self.available = available
            self.heldByOrder = heldByOrder
            self.shippedByOrder = shippedByOrder
        }
    }

    public var orders: [String: Marketplace.OrderService.Order]
    public var quotes: [String: Marketplace.PricingService.Quote]
    public var payments: [String: Payment]
    public var invoices: [String: Invoice]
    public var stock: [String: Stock]
    /// Order id → the customer whose cart it checked out.
    public var cartCheckouts: [String: String]
    /// Orders packed (fulfilment), shipped (a carrier booked) and trackable.
    public var packed: Set<String>
    public var shipped: Set<String>
    public var tracked: Set<String>
    /// Listing version per product, in the catalog and in search-service's index.
    public var catalogVersions: [String: Int]
    public var indexedVersions: [String: Int]

    public init(orders: [String: Marketplace.OrderService.Order], quotes: [String: Marketplace.PricingService.Quote], payments: [String: Payment],
                invoices: [String: Invoice], stock: [String: Stock], cartCheckouts: [String: String], packed: Set<String>, shipped: Set<String>,
                tracked: Set<String>, catalogVersions: [String: Int], indexedVersions: [String: Int]) {
        self.orders = orders
        self.quotes = quotes
        self.payments = payments
        self.invoices = invoices
        self.stock = stock
        self.cartCheckouts = cartCheckouts
        self.packed = packed
        self.shipped = shipped
        self.tracked = tracked
        self.catalogVersions = catalogVersions
        self.indexedVersions = indexedVersions
    }
}
