import Randomness

/// What a generated request asks a system to do: a name the system's ``DemoSystem/send(_:index:)``
/// understands. Each system declares its own kinds (the storefront's are ``browse`` … below) and
/// its ``TrafficMix``.
public struct RequestKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ name: String) {
        self.init(rawValue: name)
    }

    public var description: String { rawValue }
}

extension RequestKind {
    /// List products (`GET /api/products`).
    public static let browse = RequestKind("browse")
    /// Search the catalog (`GET /api/search?q=`).
    public static let search = RequestKind("search")
    /// Look at a user (`GET /api/users/:id`).
    public static let viewUser = RequestKind("viewUser")
    /// Place an order for products in stock, as a signed-in user.
    public static let placeOrder = RequestKind("placeOrder")
    /// Place an order for a product that does not exist.
    public static let placeOrderUnknownProduct = RequestKind("placeOrderUnknownProduct")
    /// Place an order with quantity 0.
    public static let placeOrderZeroQuantity = RequestKind("placeOrderZeroQuantity")
    /// Place an order without credentials.
    public static let placeOrderUnauthenticated = RequestKind("placeOrderUnauthenticated")

    /// The storefront's kinds. The last three are deliberately bad requests: the system must turn
    /// them away cleanly (4xx, no order, no money taken, no stock held), and the report shows that it did.
    public static let storefront: [RequestKind] = [
        .browse, .search, .viewUser, .placeOrder, .placeOrderUnknownProduct, .placeOrderZeroQuantity, .placeOrderUnauthenticated,
    ]

    /// The storefront's kinds that must be rejected.
    public static let storefrontBadRequests: [RequestKind] = [.placeOrderUnknownProduct, .placeOrderZeroQuantity, .placeOrderUnauthenticated]
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

    /// - Parameter weights: each kind's weight, in the order draws are mapped to kinds (part of
    ///   what a seed reproduces, so it is a list, not a dictionary).
    /// - Throws: ``TrafficConfigurationError`` when every weight is 0 or a kind is listed twice.
    public init(_ weights: KeyValuePairs<RequestKind, UInt32>) throws(TrafficConfigurationError) {
        try self.init(ordered: weights.map { ($0.key, $0.value) })
    }

    /// A mix from a dictionary: kinds are ordered by name.
    ///
    /// - Throws: ``TrafficConfigurationError`` when every weight is 0.
    public init(weights: [RequestKind: UInt32]) throws(TrafficConfigurationError) {
        try self.init(ordered: weights.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) })
    }

    private init(ordered: [(RequestKind, UInt32)]) throws(TrafficConfigurationError) {
        var running: UInt64 = 0
        var cumulative: [(kind: RequestKind, upTo: UInt64)] = []
        var weights: [RequestKind: UInt32] = [:]
        for (kind, weight) in ordered {
            guard weights[kind] == nil else {
                throw TrafficConfigurationError(problem: "the traffic mix lists the request kind \(kind) twice")
            }
            guard weight > 0 else { continue }
            weights[kind] = weight
            running += UInt64(weight)
            cumulative.append((kind, running))
        }
        guard running > 0 else {
            throw TrafficConfigurationError(problem: "the traffic mix needs at least one request kind with a weight above 0")
        }
        self.weights = weights
        self.cumulative = cumulative
        self.total = running
    }

    /// A mix written in the source: a mistake in it is a programming error, caught by the tests
    /// that use it.
    public static func constant(_ weights: KeyValuePairs<RequestKind, UInt32>) -> TrafficMix {
        do {
            return try TrafficMix(weights)
        } catch {
            preconditionFailure("invalid traffic mix in the source: \(error.problem)")
        }
    }

    /// The kinds sent, in draw order.
    public var kinds: [RequestKind] { cumulative.map(\.kind) }

    /// The storefront's default: mostly reads, a fifth orders, 5% bad requests.
    public static let storefront = constant([
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
        // A handful of kinds: a linear scan beats a binary search here.
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
