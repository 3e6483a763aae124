/// The marketplace's fixed data, computed from numbers rather than drawn at random (so every run,
/// seed and test sees the same shop): products `m1` … `m200`, customers `c1` … `c10000` with
/// their tier, payment method and sign-in token.
public enum MarketplaceCatalog {
    public static let productCount = 200
    public static let customerCount = 10_000

    /// A customer's tier: what the price book charges them.
    public enum Tier: String, Codable, Sendable, CaseIterable {
        case standard, prime, business

        /// Percent of the list price the tier pays.
        public var percentOfList: Int {
            switch self {
            case .standard: 100
            case .prime: 95
            case .business: 90
            }
        }
    }

    public struct Product: Codable, Sendable, Equatable {
        public var id: String
        public var title: String
        public var category: String
        /// The list price, what the standard tier pays without a promotion.
        public var listCents: Int
        public var initialStock: Int
    }

    public struct Customer: Codable, Sendable, Equatable {
        public var id: String
        public var tier: Tier
        /// The card the order is charged to; `card-declined-…` is refused by the card network.
        public var paymentMethod: String
    }

    static let adjectives = ["classic", "compact", "wireless", "organic", "steel", "bamboo", "travel", "smart", "vintage", "ultra", "quiet", "solar"]
    static let categories = ["kettle", "headphones", "backpack", "lamp", "blender", "keyboard", "jacket", "mug", "speaker", "tent"]
    /// Every word a search may look for: the adjectives and the categories.
    public static let searchWords = adjectives + categories

    /// Product `number` (1-based).
    public static func product(_ number: Int) -> Product {
        Product(id: "m\(number)", title: title(number, version: 0), category: categories[number % categories.count],
                listCents: 499 + (number * 7_919) % 25_000, initialStock: isScarce(number) ? 40 : 5_000)
    }

    /// The title of product `number` after `version` catalog updates (each rewords the adjective).
    public static func title(_ number: Int, version: Int) -> String {
        "\(adjectives[(number + version) % adjectives.count]) \(categories[number % categories.count]) \(number)"
    }

    /// Every twentieth product is scarce: it sells out, so orders race for its last units.
    public static func isScarce(_ number: Int) -> Bool { number % 20 == 0 }

    public static let products: [Product] = (1...productCount).map(product)

    /// The number in an id like `m17` or `c42`, nil for anything else.
    public static func number(in id: String, prefix: Character) -> Int? {
        guard id.first == prefix, let number = Int(id.dropFirst()), number > 0 else { return nil }
        return number
    }

    /// Customer `number` (1-based): every tenth business, every third prime; every 97th has a
    /// card the network declines.
    public static func customer(_ number: Int) -> Customer {
        let tier: Tier = number % 10 == 0 ? .business : number % 3 == 0 ? .prime : .standard
        let method = hasDeclinedCard(number) ? "card-declined-\(number)" : "card-\(number)"
        return Customer(id: "c\(number)", tier: tier, paymentMethod: method)
    }

    public static func hasDeclinedCard(_ number: Int) -> Bool { number % 97 == 0 }

    /// The bearer token customer `number`'s app signs in with.
    public static func token(of number: Int) -> String { "tok-c\(number)" }

    /// Every fiftieth customer's token has expired: auth-service refuses it.
    public static func hasExpiredToken(_ number: Int) -> Bool { number % 50 == 0 }
}
