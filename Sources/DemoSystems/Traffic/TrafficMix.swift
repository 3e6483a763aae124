import Randomness

/// What a generated request asks the storefront to do.
///
/// The last three are deliberately bad requests: the system must turn them away cleanly
/// (4xx, no order, no money taken, no stock held), and the report shows that it did.
public enum RequestKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// List products (`GET /api/products`).
    case browse
    /// Search the catalog (`GET /api/search?q=`).
    case search
    /// Look at a user (`GET /api/users/:id`).
    case viewUser
    /// Place an order for products in stock, as a signed-in user.
    case placeOrder
    /// Place an order for a product that does not exist.
    case placeOrderUnknownProduct
    /// Place an order with quantity 0.
    case placeOrderZeroQuantity
    /// Place an order without credentials.
    case placeOrderUnauthenticated

    /// True for the kinds that must be rejected.
    public var isBadRequest: Bool {
        switch self {
        case .placeOrderUnknownProduct, .placeOrderZeroQuantity, .placeOrderUnauthenticated: true
        case .browse, .search, .viewUser, .placeOrder: false
        }
    }
}

/// How often each ``RequestKind`` is sent: integer weights, each kind's share is its weight over the sum.
///
/// ``pick(using:)`` draws one kind per arrival from a seeded generator, so a run's sequence of kinds
/// depends only on the seed.
public struct TrafficMix: Sendable, Equatable {
    /// The weight of each kind that is sent (kinds with weight 0 are left out).
    public let weights: [RequestKind: UInt32]
    private let cumulative: [(kind: RequestKind, upTo: UInt64)]
    private let total: UInt64

    /// - Throws: ``TrafficConfigurationError`` when every weight is 0.
    public init(weights: [RequestKind: UInt32]) throws(TrafficConfigurationError) {
        guard weights.values.contains(where: { $0 > 0 }) else {
            throw TrafficConfigurationError(problem: "the traffic mix needs at least one request kind with a weight above 0")
        }
        self.init(checkedWeights: weights)
    }

    /// `weights` must hold at least one weight above 0.
    private init(checkedWeights weights: [RequestKind: UInt32]) {
        var running: UInt64 = 0
        var cumulative: [(kind: RequestKind, upTo: UInt64)] = []
        for kind in RequestKind.allCases {
            let weight = UInt64(weights[kind] ?? 0)
            guard weight > 0 else { continue }
            running += weight
            cumulative.append((kind, running))
        }
        self.weights = weights.filter { $0.value > 0 }
        self.cumulative = cumulative
        self.total = running
    }

    /// The storefront's default: mostly reads, a fifth orders, 5% bad requests.
    public static let storefront = TrafficMix(checkedWeights: [
        .browse: 40,
        .search: 20,
        .viewUser: 15,
        .placeOrder: 20,
        .placeOrderUnknownProduct: 2,
        .placeOrderZeroQuantity: 2,
        .placeOrderUnauthenticated: 1,
    ])

    /// The share of `kind`, 0…1.
    public func share(of kind: RequestKind) -> Double {
        Double(weights[kind] ?? 0) / Double(total)
    }

    /// Draws one kind, each with probability weight / sum of weights.
    public func pick(using random: inout SeededRandom) -> RequestKind {
        let ticket = random.nextIndex(below: total)
        // Seven kinds at most: a linear scan beats a binary search here.
        for entry in cumulative where ticket < entry.upTo {
            return entry.kind
        }
        return cumulative[cumulative.count - 1].kind
    }

    /// The stream of the run's seed the mix draws from (arrival times use another).
    static let randomStream: UInt64 = 0xB2

    public static func == (lhs: TrafficMix, rhs: TrafficMix) -> Bool {
        lhs.weights == rhs.weights
    }
}
