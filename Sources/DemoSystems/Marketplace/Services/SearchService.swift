import ServiceMesh
import Synchronization

extension Marketplace {
    /// Product search over an index it builds from catalog-service's events (pushed to
    /// `POST /events`): eventually consistent with the catalog, and caught up once the bus has
    /// delivered. `GET /search?q=WORD` answers the ids of the products whose title has the word.
    public final class SearchService: MeshService, Sendable {
        public let name = "search-service"

        public struct Results: Codable, Sendable, Equatable {
            public var query: String
            public var productIds: [String]
        }

        public struct Stats: Sendable, Equatable {
            public var searches = 0
            public var indexed = 0
            public var staleEventsIgnored = 0
        }

        private struct State {
            /// Word → product numbers, each list kept sorted.
            var index: [String: [Int]] = [:]
            /// The listing version indexed per product (-1: never).
            var versions = Array(repeating: -1, count: MarketplaceCatalog.productCount + 1)
            var words = Array(repeating: [String](), count: MarketplaceCatalog.productCount + 1)
            var stats = Stats()
        }

        private let state = Mutex(State())
        private let work: WorkSimulator

        public init(work: WorkSimulator) { self.work = work }

        public var router: Router {
            var router = Router()
            router.post("/events") { [self] request, _ in
                let envelope = try request.decode(EventEnvelope.self)
                let event: CatalogService.ProductEvent
                do { event = try envelope.decode(CatalogService.ProductEvent.self) } catch { throw BadRequestError(message: "not a product event: \(error)") }
                guard let number = MarketplaceCatalog.number(in: event.productId, prefix: "m"), number <= MarketplaceCatalog.productCount else {
                    throw BadRequestError(message: "no product '\(event.productId)'")
                }
                try await work.work(0.3, 2)
                index(number, event)
                return Response(status: 202)
            }
            router.get("/search") { [self] request, _ in
                guard let query = request.query["q"]?.lowercased(), !query.isEmpty else {
                    throw BadRequestError(message: "search needs a word: /search?q=WORD")
                }
                try await work.work(1, 10)
                let ids = state.withLock { state in
                    state.stats.searches += 1
                    return (state.index[query] ?? []).prefix(20).map { "m\($0)" }
                }
                return .json(Results(query: query, productIds: Array(ids)))
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        /// Indexes an event's title unless a newer version is indexed already (redeliveries and
        /// out-of-date events change nothing).
        private func index(_ number: Int, _ event: CatalogService.ProductEvent) {
            state.withLock { state in
                guard event.version > state.versions[number] else {
                    state.stats.staleEventsIgnored += 1
                    return
                }
                for word in state.words[number] { state.index[word]?.removeAll { $0 == number } }
                let words = Array(Set(event.title.lowercased().split(separator: " ").map(String.init))).sorted()
                for word in words {
                    var list = state.index[word] ?? []
                    let at = list.firstIndex { $0 > number } ?? list.endIndex
                    list.insert(number, at: at)
                    state.index[word] = list
                }
                state.words[number] = words
                state.versions[number] = event.version
                state.stats.indexed += 1
            }
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        /// The listing version indexed per product id (absent: never indexed).
        public func ledgerVersions() -> [String: Int] {
            state.withLock { state in
                Dictionary(uniqueKeysWithValues: (1...MarketplaceCatalog.productCount).compactMap { state.versions[$0] < 0 ? nil : ("m\($0)", state.versions[$0]) })
            }
        }
    }
}
