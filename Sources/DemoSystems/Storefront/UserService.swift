import CoreMetrics
import ServiceMesh
import Synchronization

/// Users, behind a read-through cache with a TTL. Publishes `user.created`.
public final class UserService: MeshService, Sendable {
    public let name = "user-service"
    private let database: Mutex<[String: StorefrontCatalog.User]>
    private let cache = Mutex([String: (user: StorefrontCatalog.User, cachedAt: Duration)]())
    private let cacheTTL: Duration
    private let now: @Sendable () -> Duration
    private let work: WorkSimulator
    private let bus: EventBus
    private let cacheHits, cacheMisses: Counter

    public init(mesh: Mesh, work: WorkSimulator, cacheTTL: Duration = .seconds(30)) {
        database = Mutex(Dictionary(uniqueKeysWithValues: StorefrontCatalog.users.map { ($0.id, $0) }))
        self.cacheTTL = cacheTTL
        now = { mesh.now() }
        self.work = work
        bus = mesh.eventBus
        cacheHits = Counter(label: "cache_requests_total", dimensions: [("service", "user-service"), ("result", "hit")], factory: mesh.telemetry.metrics)
        cacheMisses = Counter(label: "cache_requests_total", dimensions: [("service", "user-service"), ("result", "miss")], factory: mesh.telemetry.metrics)
    }

    public var router: Router {
        var router = Router()
        router.get("/users/:id") { [self] _, context in
            .json(try await user(try context.parameter("id")))
        }
        router.post("/users") { [self] request, _ in
            struct NewUser: Codable { var name: String; var email: String }
            let body = try request.decode(NewUser.self)
            guard !body.name.isEmpty, body.email.contains("@") else { throw BadRequestError(message: "a user needs a name and an email address with an @") }
            try await work.work(2, 8)
            let user = database.withLock { users in
                let user = StorefrontCatalog.User(id: "u\(users.count + 1)", name: body.name, email: body.email, roles: ["customer"])
                users[user.id] = user
                return user
            }
            try bus.publish("users", type: "user.created", data: user, source: name)
            return .json(user, status: 201)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }

    public var healthChecks: [HealthCheck] {
        [HealthCheck(name: "database") { [self] in database.withLock { $0.isEmpty } ? .fail("no users table") : .pass }]
    }

    /// From the cache when fresh, else from the database (slower), filling the cache.
    func user(_ id: String) async throws -> StorefrontCatalog.User {
        let now = now()
        if let cached = cache.withLock({ $0[id] }), now - cached.cachedAt < cacheTTL {
            cacheHits.increment()
            try await work.work(0.1, 0.5)
            return cached.user
        }
        cacheMisses.increment()
        try await work.work(3, 15)
        guard let user = database.withLock({ $0[id] }) else { throw HTTPError(404, "no user '\(id)'") }
        cache.withLock { $0[id] = (user, now) }
        return user
    }
}
