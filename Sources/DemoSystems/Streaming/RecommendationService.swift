import Randomness
import ServiceMesh

extension Streaming {
    /// recommendation-service: a ranking of titles per viewer, from a model built when the service
    /// starts (the viewer's favourite genres first, each viewer's order drawn from the seed).
    /// `GET /recommendations/:user?limit=N` (default 10). Its scoring is the slowest read on the
    /// home page, which is why home-service gives it a short timeout and a fallback.
    public final class RecommendationService: MeshService, Sendable {
        public let name = "recommendation-service"
        private let model: [String: [StreamingCatalog.TitleCard]]
        private let work: WorkSimulator

        public init(seed: UInt64, work: WorkSimulator) {
            let modelSeed = SeededRandom.derivedSeed(seed, component: "streaming.recommendations")
            var model: [String: [StreamingCatalog.TitleCard]] = [:]
            for (index, profile) in StreamingCatalog.profiles.enumerated() {
                var random = SeededRandom(seed: modelSeed, stream: UInt64(index))
                let shuffled = StreamingCatalog.titles.shuffled(using: &random)
                let favourites = shuffled.filter { profile.favouriteGenres.contains($0.genre) }
                let others = shuffled.filter { !profile.favouriteGenres.contains($0.genre) }
                model[profile.id] = (favourites + others).map(StreamingCatalog.TitleCard.init)
            }
            self.model = model
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.get("/recommendations/:user") { [self] request, context in
                let user = try context.parameter("user")
                let limit = try Self.limit(request)
                try await work.work(3, 25) // scoring
                guard let ranked = model[user] else { throw HTTPError(404, "no recommendations for user '\(user)'") }
                return .json(Array(ranked.prefix(limit)))
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        static func limit(_ request: Request) throws(BadRequestError) -> Int {
            guard let text = request.query["limit"] else { return 10 }
            guard let limit = Int(text), (1...StreamingCatalog.titles.count).contains(limit) else {
                throw BadRequestError(message: "limit must be a whole number from 1 to \(StreamingCatalog.titles.count) (got '\(text)')")
            }
            return limit
        }
    }
}
