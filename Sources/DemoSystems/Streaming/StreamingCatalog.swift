/// The streaming site's starting data: titles, viewers and their subscriptions. Fixed, so a seeded
/// run repeats; each service loads the part it owns (content-service the titles, user-service the
/// profiles, billing-service the subscriptions, recommendation-service its model of them).
public enum StreamingCatalog {
    /// A picture quality a stream is played at, lowest first.
    public enum Quality: String, Codable, Sendable, CaseIterable, Comparable {
        case sd = "480p"
        case hd = "1080p"
        case uhd = "2160p"

        private var rank: Int {
            switch self {
            case .sd: 0
            case .hd: 1
            case .uhd: 2
            }
        }

        public static func < (lhs: Quality, rhs: Quality) -> Bool { lhs.rank < rhs.rank }
    }

    /// A subscription plan, and the best quality it pays for.
    public enum Plan: String, Codable, Sendable, CaseIterable {
        case basic, standard, premium

        public var maxQuality: Quality {
            switch self {
            case .basic: .sd
            case .standard: .hd
            case .premium: .uhd
            }
        }
    }

    /// Where a viewer watches from; each region is served by its own CDN.
    public enum Region: String, Codable, Sendable, CaseIterable {
        case euWest = "eu-west"
        case usEast = "us-east"
        case apSouth = "ap-south"

        /// The CDN host that serves the region.
        public var cdnHost: String { "cdn-\(rawValue).meshtop.example" }
    }

    /// A title's metadata, as content-service serves it.
    public struct Title: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var genre: String
        public var year: Int
        public var runtimeMinutes: Int
        /// The best rendition encoded: a stream never plays above it, whatever the plan.
        public var maxQuality: Quality
    }

    /// A title as a row on the home page shows it.
    public struct TitleCard: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var genre: String

        public init(id: String, name: String, genre: String) {
            self.id = id
            self.name = name
            self.genre = genre
        }

        init(_ title: Title) {
            self.init(id: title.id, name: title.name, genre: title.genre)
        }
    }

    /// A viewer's profile, as user-service serves it.
    public struct Profile: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var region: Region
        public var favouriteGenres: [String]
    }

    /// A viewer's subscription, as billing-service serves it.
    public struct Subscription: Codable, Sendable, Equatable {
        public var userId: String
        public var active: Bool
        public var plan: Plan
        /// Why an inactive subscription is inactive.
        public var reason: String?
    }

    static let genres = ["drama", "comedy", "documentary", "thriller", "animation", "sci-fi", "crime", "romance"]

    /// Forty titles, `t1`…`t40`: every fourth is encoded in 2160p, every seventh (an old one) only in 480p.
    public static let titles: [Title] = {
        let first = ["Midnight", "Silver", "Northern", "Hidden", "Broken", "Golden", "Quiet", "Burning"]
        let second = ["Harbour", "Frontier", "Signal", "Orchard", "Archive"]
        return (0..<40).map { index in
            let number = index + 1
            let quality: Quality = number % 4 == 0 ? .uhd : number % 7 == 0 ? .sd : .hd
            return Title(id: "t\(number)", name: "\(first[index % first.count]) \(second[index / first.count])", genre: genres[index % genres.count],
                         year: 1990 + (index * 7) % 35, runtimeMinutes: 40 + (index * 13) % 110, maxQuality: quality)
        }
    }()

    /// How many viewers there are: `u1`…`u200`, API key `key-uN`.
    public static let userCount = 200

    /// The viewers: each in a region, each with two favourite genres.
    public static let profiles: [Profile] = (1...userCount).map { number in
        Profile(id: "u\(number)", name: "Viewer \(number)", region: Region.allCases[number % Region.allCases.count],
                favouriteGenres: [genres[number % genres.count], genres[(number * 3 + 1) % genres.count]])
    }

    /// Every eighth viewer's subscription has lapsed (`u8`, `u16`, …); the plans go round.
    public static let subscriptions: [Subscription] = (1...userCount).map { number in
        let lapsed = number % 8 == 0
        return Subscription(userId: "u\(number)", active: !lapsed, plan: Plan.allCases[(number / 2) % Plan.allCases.count],
                            reason: lapsed ? (number % 16 == 0 ? "cancelled by the viewer" : "the last payment was declined") : nil)
    }

    /// The viewers whose subscription is active, and those whose subscription has lapsed.
    public static let activeViewers = subscriptions.filter(\.active).map(\.userId)
    public static let lapsedViewers = subscriptions.filter { !$0.active }.map(\.userId)

    /// The editors' all-time ranking: what the home page falls back to when neither
    /// recommendations nor live viewing figures are to be had.
    public static let staticTrending: [TitleCard] = [3, 12, 1, 27, 8, 19, 33, 5, 14, 40, 22, 9, 31, 2, 17, 25, 36, 11, 6, 29].map { TitleCard(titles[$0 - 1]) }

    /// Numbered ids in order: `t2` before `t10`, `s-9` before `s-10` (by the text before the
    /// trailing number, then the number).
    static func catalogOrder(_ a: String, _ b: String) -> Bool {
        func split(_ id: String) -> (Substring, Int) {
            let digits = id.reversed().prefix { $0.isASCII && $0.isNumber }.count
            return (id.dropLast(digits), Int(id.suffix(digits)) ?? -1)
        }
        let (left, right) = (split(a), split(b))
        return left.0 != right.0 ? left.0 < right.0 : left.1 != right.1 ? left.1 < right.1 : a < b
    }
}
