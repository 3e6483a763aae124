import Synchronization

/// The monolith's one database: users, the catalog and its search index, stock and reservations,
/// orders, payments and notifications sent, behind one lock, as one schema in one database.
///
/// What the storefront spreads over six services' own stores lives here side by side, so a change
/// that spans modules (cancel an order, refund it, release its stock) is one local transaction.
final class MonolithStore: Sendable {
    struct Order: Sendable, Equatable {
        var id: String
        var userId: String
        var items: [LineItem]
        var totalCents: Int
        var state: StorefrontLedger.Order.State
        var reason: String?
    }

    struct Tables {
        var users: [String: StorefrontCatalog.User]
        var products: [String: StorefrontCatalog.Product]
        /// Search index: token → product ids.
        var index: [String: Set<String>] = [:]
        var available: [String: Int]
        var initialStock: [String: Int]
        /// Units held, by order id.
        var reservations: [String: [LineItem]] = [:]
        var orders: [String: Order] = [:]
        var nextOrder = 0
        var payments: [String: StorefrontLedger.Payment] = [:]
        /// Notification events handled (the bus delivers at least once).
        var seenEvents: Set<String> = []
        var notifications: [String: [StorefrontLedger.NotificationKind]] = [:]
    }

    private let tables: Mutex<Tables>

    init() {
        let stock = Dictionary(uniqueKeysWithValues: StorefrontCatalog.products.map { ($0.id, $0.initialStock) })
        var tables = Tables(users: Dictionary(uniqueKeysWithValues: StorefrontCatalog.users.map { ($0.id, $0) }),
                            products: Dictionary(uniqueKeysWithValues: StorefrontCatalog.products.map { ($0.id, $0) }),
                            available: stock, initialStock: stock)
        for product in StorefrontCatalog.products {
            for token in ProductService.tokens(product.name + " " + product.description) { tables.index[token, default: []].insert(product.id) }
        }
        self.tables = Mutex(tables)
    }

    /// Runs `body` as one transaction: nothing else reads or writes meanwhile.
    func transaction<T>(_ body: (inout Tables) throws -> T) rethrows -> T {
        try tables.withLock { try body(&$0) }
    }

    /// The store as the storefront's invariant checker reads it: the same ledger, the same checks.
    func ledger() -> StorefrontLedger {
        transaction { tables in
            let orders = tables.orders.values.sorted { $0.id < $1.id }.map {
                StorefrontLedger.Order(id: $0.id, state: $0.state, totalCents: $0.totalCents, items: $0.items)
            }
            let stock = tables.initialStock.keys.sorted().map { id in
                var held: [String: Int] = [:]
                for (orderId, items) in tables.reservations {
                    for item in items where item.productId == id { held[orderId, default: 0] += item.quantity }
                }
                return StorefrontLedger.Stock(productId: id, initial: tables.initialStock[id]!, available: tables.available[id]!, reservedByOrder: held)
            }
            return StorefrontLedger(orders: orders, payments: tables.payments.values.sorted { $0.orderId < $1.orderId },
                                    stock: stock, notifications: tables.notifications)
        }
    }
}
