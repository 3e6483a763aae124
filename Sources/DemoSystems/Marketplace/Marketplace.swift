import Randomness
import Resilience
import ServiceMesh
import Synchronization
import Telemetry

/// The marketplace (Amazon-shaped): sixteen services behind a gateway that checks every
/// signed-in request with auth-service. Shoppers search (an index fed by catalog events), open
/// product pages (a fan-out to price, reviews and recommendations), fill carts, place orders and
/// track parcels.
///
/// - `POST /api/orders` places the customer's cart through order-service's saga (customer, cart,
///   availability, a quote at the customer's tier price, payment, order, reservation, invoice,
///   cart checkout, confirmation), compensated in reverse when a step fails; the charge is the
///   quote, even when a promotion ends mid-order; an `Idempotency-Key` places one order however
///   often the request is repeated.
/// - Fulfilment, shipping and tracking follow through events: `order.placed` → fulfillment-service
///   → `order.packed` → shipping-service → `shipment.dispatched` → tracking-service.
///
/// ```swift
/// let shop = Marketplace(clock: ContinuousClock(), seed: 42)
/// let response = await shop.send(.placeOrder, index: 0)
/// let violations = MarketplaceInvariantChecker.check(shop.ledger())
/// ```
public final class Marketplace: DemoSystem {
    public static let systemName = "marketplace"
    public static let profile = SystemProfile(
        name: systemName,
        summary: "An Amazon-style shop: an order saga that refunds when stock runs out, prices held to the quote, idempotent checkout, fulfilment → shipping → tracking through events",
        services: ["gateway", "customer-service", "auth-service", "catalog-service", "search-service", "review-service", "pricing-service",
                   "inventory-service", "cart-service", "order-service", "payment-service", "billing-service", "fulfillment-service",
                   "shipping-service", "tracking-service", "recommendation-service"],
        instances: ["gateway": 2, "auth-service": 2, "catalog-service": 2, "search-service": 2, "pricing-service": 2, "inventory-service": 2,
                    "cart-service": 2, "order-service": 2, "payment-service": 2],
        invariants: Invariant.marketplace)

    public static func make<C: Clock>(clock: C, seed: UInt64, time: TimeSource?) -> Marketplace where C.Duration == Duration {
        Marketplace(clock: clock, seed: seed, time: time)
    }

    public var trafficMix: TrafficMix { .marketplace }

    public let mesh: Mesh
    public let seed: UInt64
    public let customers: CustomerService
    public let auth: AuthService
    public let catalog: CatalogService
    public let search: SearchService
    public let reviews: ReviewService
    public let pricing: PricingService
    public let inventory: InventoryService
    public let carts: CartService
    public let orders: OrderService
    public let payments: PaymentService
    public let billing: BillingService
    public let fulfillment: FulfillmentService
    public let shipping: ShippingService
    public let tracking: TrackingService
    public let recommendations: RecommendationService
    /// Set once settling starts: merchants stop editing listings, so the index can catch up.
    private let settling = Atomic<Bool>(false)

    /// - Parameters:
    ///   - workScale: multiplies the simulated work time of handlers (0 for none, as in unit tests).
    ///   - networkLatency: added to every hop.
    public init<C: Clock>(clock: C, seed: UInt64, workScale: Double = 1, networkLatency: Duration = .microseconds(300),
                          time: TimeSource? = nil) where C.Duration == Duration {
        self.seed = seed
        let telemetry = MeshTelemetry(time: time ?? TimeSource(clock: clock), seed: seed)
        let controlPlane = ControlPlane(defaultPolicy: Self.defaultPolicy)
        let mesh = Mesh(name: Self.systemName, clock: clock, telemetry: telemetry,
                        configuration: Mesh.Configuration(networkLatency: networkLatency, seed: seed), controlPlane: controlPlane)
        self.mesh = mesh
        Self.applyPolicies(to: controlPlane)

        let now: @Sendable () -> Duration = { mesh.now() }
        let work = { (salt: UInt64) in WorkSimulator(clock: clock, seed: seed &+ salt, scale: workScale) }
        customers = CustomerService(work: work(31))
        auth = AuthService(work: work(32))
        catalog = CatalogService(mesh: mesh, work: work(33))
        search = SearchService(work: work(34))
        reviews = ReviewService(work: work(35))
        pricing = PricingService(now: now, work: work(36))
        inventory = InventoryService(work: work(37))
        carts = CartService(work: work(38))
        orders = OrderService(mesh: mesh, work: work(39), sleep: { try await clock.sleep(for: $0) })
        payments = PaymentService(work: work(40))
        billing = BillingService(work: work(41))
        fulfillment = FulfillmentService(mesh: mesh, work: work(42))
        shipping = ShippingService(mesh: mesh, work: work(43))
        tracking = TrackingService(now: now, work: work(44))
        recommendations = RecommendationService(work: work(45))

        Self.profile.deploy([Gateway(), customers, auth, catalog, search, reviews, pricing, inventory, carts, orders, payments, billing,
                             fulfillment, shipping, tracking, recommendations], on: mesh)

        // The bus pushes each topic to its consumer through the mesh.
        mesh.pushEvents(of: CatalogService.catalogTopic, to: "search-service")
        mesh.pushEvents(of: OrderService.ordersTopic, to: "fulfillment-service")
        mesh.pushEvents(of: FulfillmentService.fulfilmentTopic, to: "shipping-service")
        mesh.pushEvents(of: ShippingService.shipmentsTopic, to: "tracking-service")
        // The catalog as it stands, for search-service's index (delivered once the bus runs).
        catalog.publishListings()
    }

    // MARK: Policies

    /// ``CallPolicy/demoDefault``: what every call gets unless set otherwise below.
    public static let defaultPolicy = CallPolicy.demoDefault

    /// The gateway's calls to order-service: no retries (the client's Idempotency-Key makes its
    /// own retries safe, but the gateway's would only queue behind the first attempt); 20 s, a
    /// backstop well past the saga's own timeouts, so a slow order is not cut off between its
    /// steps; and no breaker: order-service answers 503 when one of its dependencies fails, and
    /// has a breaker to each of them, so a breaker at the edge would shut all of checkout for one
    /// dependency's outage. A bulkhead instead: at most ``checkoutConcurrency`` orders in
    /// flight per gateway instance (as many again may wait), the rest refused at once with 503,
    /// before anything is charged: an overloaded checkout sheds orders rather than letting every
    /// saga slow down until compensations time out too.
    public static let placeOrderPolicy: CallPolicy = {
        var policy = defaultPolicy
        policy.retry = nil
        policy.timeout = .seconds(20)
        policy.breaker = nil
        policy.bulkhead = .init(maxConcurrent: checkoutConcurrency, maxQueued: checkoutConcurrency)
        return policy
    }()

    /// Orders a gateway instance lets into order-service at once.
    public static let checkoutConcurrency = 48

    /// order-service's calls to the saga's dependencies: 250 ms an attempt, so a step with its
    /// three attempts and backoff ends in about a second; and breakers that open at a 75%
    /// failure rate over the last 50 attempts rather than 50% over 20 (a 50% error rate would
    /// trip those by chance): with three attempts a step still succeeds 7 times in 8 when
    /// half the attempts fail, and an order refused at its first step is no better for the
    /// customer than one compensated later. At three failures in four the dependency is as good
    /// as down, and failing fast spares it.
    public static let sagaStepPolicy: CallPolicy = {
        var policy = defaultPolicy
        policy.timeout = .milliseconds(250)
        policy.breaker = CircuitBreakerPolicy(trip: .failureRate(threshold: 0.75, window: .count(50), minimumCalls: 20), openDuration: .seconds(5))
        return policy
    }()

    /// Token checks and the product page's extras: one quick attempt; the page has a fallback
    /// (it omits reviews or recommendations) and a slow token check should fail fast.
    public static let quickPolicy: CallPolicy = {
        var policy = defaultPolicy
        policy.retry = nil
        policy.timeout = .milliseconds(250)
        return policy
    }()

    /// The breaker catalog-service's product pages read prices through.
    public static let pricingBreakerID = "catalog-service->pricing-service"

    private static func applyPolicies(to controlPlane: ControlPlane) {
        controlPlane.setPolicy(placeOrderPolicy, caller: "gateway", target: "order-service")
        controlPlane.setPolicy(sagaStepPolicy, caller: "order-service")
        var auth = defaultPolicy
        auth.timeout = .milliseconds(250)
        controlPlane.setPolicy(auth, caller: "gateway", target: "auth-service")
        controlPlane.setPolicy(quickPolicy, caller: "catalog-service", target: "review-service")
        controlPlane.setPolicy(quickPolicy, caller: "catalog-service", target: "recommendation-service")
        var price = defaultPolicy
        price.timeout = .milliseconds(250)
        controlPlane.setPolicy(price, caller: "catalog-service", target: "pricing-service")
    }

    // MARK: Background work

    /// How often a merchant edits a listing (each edit is a catalog event for search).
    public static let catalogUpdateInterval = Duration.milliseconds(250)

    /// The marketplace's own long-running work besides the mesh's: merchants editing listings,
    /// one every ``catalogUpdateInterval``, each product in turn, until settling starts. Runs until
    /// the calling task is cancelled.
    public func runBackgroundWork<C: Clock>(clock: C) async where C.Duration == Duration {
        var next = 0
        while !Task.isCancelled {
            do { try await clock.sleep(for: Self.catalogUpdateInterval) } catch { return }
            guard !settling.load(ordering: .acquiring) else { continue }
            catalog.update(next % MarketplaceCatalog.productCount + 1)
            next += 7
        }
    }

    // MARK: Settling and checking

    /// Ends a run so its invariants can be checked: stops the listing edits, lifts every injected fault, lets the bus
    /// deliver what it holds (fulfilment, shipping, tracking, the search index), replaying dead
    /// letters until none are left, for at most `timeout`; then ends what is left half done the
    /// system's way (``OrderService/endUnfulfilled(packed:reason:patience:)``): orders still pending (a saga
    /// whose compensation could not finish) and confirmed orders not packed are refunded, restocked
    /// and cancelled.
    public func settle<C: Clock>(clock: C, timeout: Duration = .seconds(20)) async where C.Duration == Duration {
        settling.store(true, ordering: .releasing)
        liftFaults()
        // What is left half done at the end gets a share of the time of its own.
        let patience = min(.seconds(6), timeout / 3)
        let deadline = clock.now.advanced(by: timeout - patience)
        while clock.now < deadline {
            if mesh.eventBus.pendingCount == 0 {
                if mesh.eventBus.deadLetters.isEmpty, allConfirmedTracked { break }
                mesh.eventBus.replayDeadLetters()
            }
            do { try await clock.sleep(for: .milliseconds(50)) } catch { break }
        }
        if await orders.endUnfulfilled(packed: fulfillment.ledgerPacked(), reason: "cancelled: the run ended before the order was complete", patience: patience) > 0 {
            // Whatever the cancelled orders' events still start finishes (fulfilment skips them).
            let grace = clock.now.advanced(by: .seconds(2))
            while mesh.eventBus.pendingCount > 0, clock.now < grace {
                do { try await clock.sleep(for: .milliseconds(50)) } catch { break }
            }
        }
    }

    private var allConfirmedTracked: Bool {
        let tracked = tracking.ledgerTracked()
        return orders.ledgerOrders().values.allSatisfy { $0.state != .confirmed || tracked.contains($0.id) }
    }

    /// The system's state as the invariant checker reads it, from each service's own data.
    public func ledger() -> MarketplaceLedger {
        MarketplaceLedger(orders: orders.ledgerOrders(), quotes: pricing.ledgerQuotes(), payments: payments.ledgerPayments(),
                          invoices: billing.ledgerInvoices(), stock: inventory.ledgerStock(), cartCheckouts: carts.ledgerCheckouts(),
                          packed: fulfillment.ledgerPacked(), shipped: shipping.ledgerShipped(), tracked: tracking.ledgerTracked(),
                          catalogVersions: catalog.ledgerVersions(), indexedVersions: search.ledgerVersions())
    }

    public func checkInvariants() -> [Violation] {
        MarketplaceInvariantChecker.check(ledger())
    }

    /// The services' own counters.
    public func domainFigures() -> DomainFigures {
        let ordered = orders.statistics
        let priced = pricing.statistics
        let paid = payments.statistics
        let pages = catalog.statistics
        let stock = inventory.statistics
        let invoices = billing.counts
        return DomainFigures([
            "orderRequests": .count(ordered.requests),
            "ordersConfirmed": .count(ordered.confirmed),
            "ordersRejected": .count(ordered.rejected),
            "compensations": .count(ordered.compensated),
            "refunds": .count(paid.refunds),
            "paymentsDeclined": .count(ordered.paymentsDeclined),
            "reservationsFailed": .count(ordered.reservationsFailed),
            "idempotentReplays": .count(ordered.idempotentReplays),
            "replaysWhileInProgress": .count(ordered.replaysWhileInProgress),
            "sagasStuck": .count(ordered.stuck),
            "ordersEndedUnfulfilled": .count(ordered.endedUnfulfilled),
            "paymentsCaptured": .count(paid.captured),
            "invoicesIssued": .count(invoices.issued),
            "invoicesVoided": .count(invoices.voided),
            "quotes": .count(priced.quotes),
            "promotionsApplied": .count(priced.promotionsApplied),
            "promotionsEndedMidOrder": .count(ordered.promotionsEndedMidOrder),
            "ordersPacked": .count(fulfillment.packedCount),
            "ordersShipped": .count(shipping.shipmentCount),
            "ordersTrackable": .count(tracking.trackedCount),
            "trackingLookups": .count(tracking.lookups),
            "outOfStockRefusals": .count(stock.refusedOutOfStock),
            "cartAdds": .count(carts.statistics.adds),
            "cartsCheckedOut": .count(carts.statistics.checkouts),
            "productPages": .count(pages.pages),
            "pagesDegraded": .count(pages.degradedPages),
            "searches": .count(search.statistics.searches),
            "listingsIndexed": .count(search.statistics.indexed),
            "tokensRefused": .count(auth.refusedCount),
        ])
    }
}
