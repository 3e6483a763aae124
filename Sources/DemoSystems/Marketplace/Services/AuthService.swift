import ServiceMesh
import Synchronization

extension Marketplace {
    /// Checks the bearer tokens customers' apps sign in with; the gateway asks it about every
    /// signed-in request (`GET /tokens/:token` → the customer, or 401 for an unknown or expired token).
    public final class AuthService: MeshService, Sendable {
        public let name = "auth-service"

        public struct Verified: Codable, Sendable, Equatable {
            public var customerId: String
        }

        private let work: WorkSimulator
        private let refused = Atomic<Int>(0)

        public init(work: WorkSimulator) { self.work = work }

        public var router: Router {
            var router = Router()
            router.get("/tokens/:token") { [self] _, context in
                let token = try context.parameter("token")
                try await work.work(0.5, 3)
                guard token.hasPrefix("tok-"), let number = MarketplaceCatalog.number(in: String(token.dropFirst(4)), prefix: "c"),
                      number <= MarketplaceCatalog.customerCount else {
                    refused.add(1, ordering: .relaxed)
                    throw HTTPError(401, "unknown token")
                }
                guard !MarketplaceCatalog.hasExpiredToken(number) else {
                    refused.add(1, ordering: .relaxed)
                    throw HTTPError(401, "the token has expired: sign in again")
                }
                return .json(Verified(customerId: "c\(number)"))
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        /// Tokens refused (unknown or expired).
        public var refusedCount: Int { refused.load(ordering: .relaxed) }
    }
}
