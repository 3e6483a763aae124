import ServiceMesh

extension Streaming {
    /// user-service: viewers' profiles (name, region, favourite genres). `GET /users/:id`.
    public final class ProfileService: MeshService, Sendable {
        public let name = "user-service"
        private let profiles: [String: StreamingCatalog.Profile]
        private let work: WorkSimulator

        public init(work: WorkSimulator) {
            profiles = Dictionary(uniqueKeysWithValues: StreamingCatalog.profiles.map { ($0.id, $0) })
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.get("/users/:id") { [self] _, context in
                let id = try context.parameter("id")
                try await work.work(0.5, 4)
                guard let profile = profiles[id] else { throw HTTPError(404, "no user '\(id)'") }
                return .json(profile)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }
    }
}
