import CoreMetrics
import Randomness
import Resilience
import ServiceMesh
import Telemetry

/// The storefront: gateway, user, product, inventory, payment, order and notification services on
/// one mesh, with the policies a careful team would set, and the traffic that exercises them.
///
/// ```swift
/// let shop = Storefront(clock: ContinuousClock(), seed: 42)
/// let response = await shop.send(.placeOrder, index: 0)
/// let violations = InvariantChecker.check(shop.ledger())
/// ```
public final class Storefront: DemoSystem {
    public static let systemName = "storefront"
    public static let profile = SystemProfile(
        name: systemName,
        summary: "An online shop: an order saga with compensations, a payment breaker and a retry queue, events to notifications",
        services: ["gateway", "user-service", "product-service", "inventory-service", "payment-service", "order-service", "notification-service"],
        instances: ["gateway": 2, "user-service": 2, "product-service": 2, "inventory-service": 2, "payment-service": 2, "order-service": 2],
        invariants: Invariant.storefront)

    public static func make<C: Clock>(clock: C, seed: UInt64, time: TimeSource?) -> Storefront where C.Duration == Duration {
        Storefront(clock: clock, seed: seed, time: time)
    }

    public var trafficMix: TrafficMix { .storefront }
    public static let paymentBreakerID = OrderService.paymentBreakerID

    public let mesh: Mesh
    public let seed: UInt64
    public let users: UserService
    public let products: ProductService
    public let inventory: InventoryService
    public let payments: PaymentService
    public let orders: OrderService
    public let notifications: NotificationService

    /// - Parameters:
    ///   - workScale: multiplies the simulated work time of handlers (0 for none, as in unit tests).
    ///   - networkLatency: added to every hop.
    public init<C: Clock>(clock: C, seed: UInt64, workScale: Double = 1, networkLatency: Duration = .microseconds(300),
                          time: TimeSource? = nil) where C.Duration == Duration {
        self.seed = seed
        let telemetry = MeshTelemetry(time: time ?? TimeSource(clock: clock), seed: seed)
        mesh = Mesh(name: Self.systemName, clock: clock, telemetry: telemetry,
                    configuration: Mesh.Configuration(networkLatency: networkLatency, seed: seed),
                    controlPlane: ControlPlane(defaultPolicy: Self.defaultPolicy))
        // Creating an order is not idempotent: the gateway must not retry it.
        var noRetry = Self.defaultPolicy
        noRetry.retry = nil
        mesh.controlPlane.setPolicy(noRetry, caller: "gateway", target: "order-service")
        // Timeouts shrink inward: the order's inventory check gets 250 ms an attempt, so three
        // attempts and their backoff fit inside the gateway's 1 s for the whole order. With the
        // same 1 s on both, the gateway would give up first and the retries could never happen.
        var quickCheck = Self.defaultPolicy
        quickCheck.timeout = Self.inventoryCheckTimeout
        mesh.controlPlane.setPolicy(quickCheck, caller: "order-service", target: "inventory-service")

        let work = { (salt: UInt64) in WorkSimulator(clock: clock, seed: seed &+ salt, scale: workScale) }
        users = UserService(mesh: mesh, work: work(1))
        products = ProductService(work: work(2))
        inventory = InventoryService(work: work(3))
        payments = PaymentService(work: work(4))
        orders = OrderService(mesh: mesh, work: work(5))
        notifications = NotificationService(work: work(6))

        let gateway = Self.gateway(clock: clock, metrics: telemetry.metrics) { "\($0)-service" }

        Self.profile.deploy([gateway, users, products, inventory, payments, orders, notifications], on: mesh)

        // The bus pushes order events to notification-service through the mesh: one order's
        // events in order, up to `notificationPartitions` orders at once (one at a time, each
        // waiting 2-12 ms on the mail provider, kept up with ≈ 200 events/s).
        mesh.pushEvents(of: "orders", to: "notification-service", partitions: Self.notificationPartitions)
    }

    /// The storefront's gateway: its API keys (`key-uN` for each customer, `token-admin`), its
    /// per-client rate limit and its routes, each prefix (`users`, `products`, `orders`,
    /// `notifications`) sent to the service `service(prefix)` names. The monolith puts the same
    /// gateway in front of its one service.
    static func gateway<C: Clock>(clock: C, metrics: any MetricsFactory, service: (String) -> String) -> Gateway where C.Duration == Duration {
        let customers = StorefrontCatalog.users.filter { $0.roles == ["customer"] }
        return Gateway(
            routes: [
                Gateway.Route(prefix: "users", service: service("user")),
                Gateway.Route(prefix: "products", service: service("product"), requiredRoles: [.put: ["admin"]], publicMethods: [.get]),
                Gateway.Route(prefix: "orders", service: service("order")),
                Gateway.Route(prefix: "notifications", service: service("notification")),
            ],
            apiKeys: Dictionary(uniqueKeysWithValues: customers.map { ("key-\($0.id)", Principal(userID: $0.id, roles: Set($0.roles))) }),
            bearerTokens: ["token-admin": Principal(userID: "admin", roles: ["admin", "customer"])],
            rateLimit: CallPolicy.RateLimit(perSecond: 200, burst: 400), clock: clock, metrics: metrics)
    }

    /// The per-attempt timeout of order-service's calls to inventory-service.
    public static let inventoryCheckTimeout = Duration.milliseconds(250)

    /// Concurrent deliveries of order events to notification-service (orders are its partition key).
    public static let notificationPartitions = 8

    /// ``CallPolicy/demoDefault``: what every call gets unless set otherwise below.
    public static let defaultPolicy = CallPolicy.demoDefault

    // MARK: Traffic


    static let searchWords = ["shoe", "trail", "jacket", "merino", "running", "lamp", "watch", "socks", "poles", "gloves"]

    /// The request a traffic arrival of `kind` sends, drawn from the seed and its index (so it does
    /// not depend on which task runs first).
    public func request(for kind: RequestKind, index: Int) -> Request {
        Self.request(for: kind, index: index, seed: seed)
    }

    /// The request arrival `index` of `kind` sends in a run seeded with `seed`: the monolith sends
    /// exactly the same ones, so a comparison runs both on the same traffic.
    static func request(for kind: RequestKind, index: Int, seed: UInt64) -> Request {
        // A stream per request under a seed of the requests' own: numbered straight off the root
        // seed, request 161 would share the arrival schedule's stream and 178 the traffic mix's.
        let requestSeed = SeededRandom.derivedSeed(seed, component: "storefront.requests")
        var random = SeededRandom(seed: requestSeed, stream: UInt64(index))
        let user = "u\(random.nextIndex(below: 50) + 1)"
        let signedIn: Headers = [MeshHeader.apiKey: "key-\(user)"]
        func items(unknown: Bool = false, zero: Bool = false) -> Request {
            let lines = Int(random.nextIndex(below: 2)) + 1
            let items = (0..<lines).map { line -> LineItem in
                let product = unknown && line == 0 ? "p999" : "p\(random.nextIndex(below: 20) + 1)"
                return LineItem(productId: product, quantity: zero && line == 0 ? 0 : Int(random.nextIndex(below: 3)) + 1)
            }
            let body = OrderService.PlaceOrder(items: items)
            return (try? Request(method: .post, path: "/api/orders", headers: signedIn, json: body)) ?? Request(method: .post, path: "/api/orders")
        }
        switch kind {
        case .browse:
            return Request(path: "/api/products")
        case .search:
            return Request(path: "/api/products/search?q=\(Self.searchWords[Int(random.nextIndex(below: UInt64(Self.searchWords.count)))])")
        case .viewUser:
            return Request(path: "/api/users/\(user)", headers: signedIn)
        case .placeOrder:
            return items()
        case .placeOrderUnknownProduct:
            return items(unknown: true)
        case .placeOrderZeroQuantity:
            return items(zero: true)
        case .placeOrderUnauthenticated:
            var request = items()
            request.headers[MeshHeader.apiKey] = nil
            return request
        default:
            // Not one of ``TrafficMix/storefront``'s kinds: sent as asked, the gateway answers 404.
            return Request(path: "/api/\(kind.rawValue)")
        }
    }

    /// Sends one arrival's request through the gateway, as a client outside the system would.
    @discardableResult
    public func send(_ kind: RequestKind, index: Int) async -> Response {
        await mesh.ingress(request(for: kind, index: index))
    }

    // MARK: Settling and checking

    /// Ends a run so its invariants can be checked: lifts every injected fault, redelivers dead
    /// letters, and waits (up to `timeout`) for queued payments and events to finish. Orders still
    /// queued at the deadline are cancelled, so nothing stays pending.
    public func settle<C: Clock>(clock: C, timeout: Duration = .seconds(20)) async where C.Duration == Duration {
        liftFaults()
        let deadline = clock.now.advanced(by: timeout)
        var replayed = false
        while clock.now < deadline {
            await orders.processPaymentQueue()
            if mesh.eventBus.pendingCount == 0, !replayed {
                replayed = true
                mesh.eventBus.replayDeadLetters()
            }
            if orders.queuedPayments == 0, mesh.eventBus.pendingCount == 0, replayed { break }
            do { try await clock.sleep(for: .milliseconds(50)) } catch { break }
        }
        if orders.queuedPayments > 0 {
            await orders.cancelQueuedOrders(reason: "the run ended while the payment was still queued")
            while mesh.eventBus.pendingCount > 0, clock.now < deadline.advanced(by: min(.seconds(5), timeout / 4)) {
                do { try await clock.sleep(for: .milliseconds(50)) } catch { break }
            }
        }
    }

    /// The system's state as the invariant checker reads it, from each service's own data.
    public func ledger() -> StorefrontLedger {
        StorefrontLedger(orders: orders.ledgerOrders(), payments: payments.ledgerPayments(),
                         stock: inventory.ledgerStock(), notifications: notifications.ledgerNotifications())
    }

    public func checkInvariants() -> [Violation] {
        InvariantChecker.check(ledger())
    }

    /// The order figures, as the report's `orders` object also has them.
    public func domainFigures() -> DomainFigures {
        let orders = orderFigures(ledger: ledger())
        return DomainFigures([
            "ordersPlaced": .count(orders.placed),
            "ordersConfirmed": .count(orders.confirmed),
            "ordersCancelled": .count(orders.cancelled),
            "ordersPending": .count(orders.pending),
            "compensations": .count(orders.compensations),
            "paymentsQueued": .count(orders.paymentsQueued),
        ])
    }

    /// The order figures for the report.
    public func orderFigures(ledger: StorefrontLedger) -> HeadlessReport.Orders {
        let stats = orders.statistics
        return HeadlessReport.Orders(ledger: ledger, placed: stats.placed, compensations: stats.compensations, paymentsQueued: stats.paymentsQueued)
    }
}

extension Storefront {
    /// The storefront's own long-running work besides the mesh's: the order service's payment
    /// queue, retried every 250 ms on `clock`. Runs until the calling task is cancelled.
    ///
    /// ``SystemRun`` runs it next to ``MeshRuntime/runUntilCancelled()``.
    public func runBackgroundWork<C: Clock>(clock: C) async where C.Duration == Duration {
        while !Task.isCancelled {
            await orders.processPaymentQueue()
            do { try await clock.sleep(for: .milliseconds(250)) } catch { return }
        }
    }
}
