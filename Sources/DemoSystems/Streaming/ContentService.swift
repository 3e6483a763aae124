import ServiceMesh

extension Streaming {
    /// content-service: the catalog's metadata. `GET /titles/:id` (404 for an unknown title) and
    /// `GET /titles` (every title, in catalog order).
    public final class ContentService: MeshService, Sendable {
        public let name = "content-service"
        private let titles: [String: StreamingCatalog.Title]
        private let work: WorkSimulator

        public init(work: WorkSimulator) {
            titles = Dictionary(uniqueKeysWithValues: StreamingCatalog.titles.map { ($0.id, $0) })
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.get("/titles/:id") { [self] _, context in
                let id = try context.parameter("id")
                try await work.work(1, 8)
                guard let title = titles[id] else { throw HTTPError(404, "no title '\(id)'") }
                return .json(title)
            }
            router.get("/titles") { [self] _, _ in
                try await work.work(2, 10)
                return .json(StreamingCatalog.titles)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        /// The best quality each title is encoded in, by title id: what the invariant checker
        /// holds streams to.
        public func ledgerQualities() -> [String: StreamingCatalog.Quality] {
            titles.mapValues(\.maxQuality)
        }
    }
}
