import ServiceMesh
import Synchronization

/// The catalog and a search index over it (tokenised names and descriptions), updated when a
/// product changes.
public final class ProductService: MeshService, Sendable {
    public let name = "product-service"
    private struct State {
        var products: [String: StorefrontCatalog.Product]
        var index: [String: Set<String>] = [:]
    }

    private let state: Mutex<State>
    private let work: WorkSimulator

    public init(work: WorkSimulator) {
        var state = State(products: Dictionary(uniqueKeysWithValues: StorefrontCatalog.products.map { ($0.id, $0) }))
        for product in state.products.values { Self.index(product, into: &state.index) }
        self.state = Mutex(state)
        self.work = work
    }

    /// Lowercased words of two letters or more.
    static func tokens(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count >= 2 })
    }

    private static func index(_ product: StorefrontCatalog.Product, into index: inout [String: Set<String>]) {
        for token in tokens(product.name + " " + product.description) { index[token, default: []].insert(product.id) }
    }

    private static func unindex(_ product: StorefrontCatalog.Product, from index: inout [String: Set<String>]) {
        for token in tokens(product.name + " " + product.description) { index[token]?.remove(product.id) }
    }

    /// Products matching every word of `query`, by id.
    public func search(_ query: String) -> [StorefrontCatalog.Product] {
        let words = Self.tokens(query)
        return state.withLock { state in
            guard let first = words.first else { return [] }
            let ids = words.dropFirst().reduce(state.index[first] ?? []) { $0.intersection(state.index[$1] ?? []) }
            return ids.compactMap { state.products[$0] }.sorted(by: StorefrontCatalog.catalogOrder)
        }
    }

    public var router: Router {
        var router = Router()
        router.get("/products") { [self] _, _ in
            try await work.work(1, 6)
            return .json(state.withLock { Array($0.products.values) }.sorted(by: StorefrontCatalog.catalogOrder))
        }
        router.get("/products/search") { [self] request, _ in
            guard let query = request.query["q"], !query.isEmpty else { throw BadRequestError(message: "search needs a query: /products/search?q=WORDS") }
            try await work.work(2, 10)
            return .json(search(query))
        }
        router.get("/products/:id") { [self] _, context in
            let id = try context.parameter("id")
            try await work.work(0.5, 3)
            guard let product = state.withLock({ $0.products[id] }) else { throw HTTPError(404, "no product '\(id)'") }
            return .json(product)
        }
        router.put("/products/:id") { [self] request, context in
            let id = try context.parameter("id")
            var product = try request.decode(StorefrontCatalog.Product.self)
            product.id = id
            guard product.priceCents > 0 else { throw BadRequestError(message: "priceCents must be above 0") }
            state.withLock { state in
                if let old = state.products[id] { Self.unindex(old, from: &state.index) }
                state.products[id] = product
                Self.index(product, into: &state.index)
            }
            return .json(product)
        }
        router.get("/health") { _, _ in .json(["status": "up"]) }
        return router
    }
}
