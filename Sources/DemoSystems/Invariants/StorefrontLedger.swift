/// What the storefront's services hold at the end of a run, gathered in one plain value so the
/// ``InvariantChecker`` can prove that the sagas left everything consistent.
///
/// Each service contributes its own part (order-service the orders, payment-service the payments,
/// inventory-service the stock, notification-service the notifications); nothing here is shared
/// between services while they run. Money is in integer cents, never floating point.
public struct StorefrontLedger: Sendable, Equatable, Codable {
    /// Orders by id.
    public var orders: [String: Order]
    /// Payments by the id of the order they pay for.
    public var payments: [String: Payment]
    /// Stock by product id.
    public var stock: [String: Stock]
    /// Notifications sent, by order id, in the order they were sent.
    public var notifications: [String: [NotificationKind]]

    public init(orders: [Order] = [], payments: [Payment] = [], stock: [Stock] = [], notifications: [String: [NotificationKind]] = [:]) {
        self.orders = Dictionary(orders.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.payments = Dictionary(payments.map { ($0.orderId, $0) }, uniquingKeysWith: { _, last in last })
        self.stock = Dictionary(stock.map { ($0.productId, $0) }, uniquingKeysWith: { _, last in last })
        self.notifications = notifications
    }

    public struct Order: Sendable, Equatable, Codable, Identifiable {
        public enum State: String, Sendable, Codable, CaseIterable {
            case pending, confirmed, cancelled
        }

        public var id: String
        public var state: State
        /// What the customer pays, in cents.
        public var totalCents: Int
        public var items: [LineItem]

        public init(id: String, state: State, totalCents: Int, items: [LineItem]) {
            self.id = id
            self.state = state
            self.totalCents = totalCents
            self.items = items
        }
    }

    public struct LineItem: Sendable, Equatable, Codable {
        public var productId: String
        public var quantity: Int

        public init(productId: String, quantity: Int) {
            self.productId = productId
            self.quantity = quantity
        }
    }

    /// Money moved for one order, in cents: what was captured and what was refunded of it.
    public struct Payment: Sendable, Equatable, Codable {
        public var orderId: String
        public var capturedCents: Int
        public var refundedCents: Int

        public init(orderId: String, capturedCents: Int, refundedCents: Int = 0) {
            self.orderId = orderId
            self.capturedCents = capturedCents
            self.refundedCents = refundedCents
        }

        /// Money the shop keeps: captured minus refunded.
        public var netCents: Int { capturedCents - refundedCents }
    }

    /// One product's stock: how much there was, how much is free, and how much each order holds.
    public struct Stock: Sendable, Equatable, Codable {
        public var productId: String
        public var initial: Int
        public var available: Int
        /// Units held, by order id (a confirmed order keeps its reservation: the demo ships nothing).
        public var reservedByOrder: [String: Int]

        public init(productId: String, initial: Int, available: Int, reservedByOrder: [String: Int] = [:]) {
            self.productId = productId
            self.initial = initial
            self.available = available
            self.reservedByOrder = reservedByOrder
        }

        public var reservedTotal: Int { reservedByOrder.values.reduce(0, +) }
    }

    public enum NotificationKind: String, Sendable, Codable, CaseIterable {
        case orderConfirmed
        case orderCancelled
    }

    /// How many orders are in each state.
    public func count(_ state: Order.State) -> Int {
        orders.values.count(where: { $0.state == state })
    }
}
