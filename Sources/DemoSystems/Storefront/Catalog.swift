/// The storefront's starting data: a small catalog and its users. Fixed, so a seeded run repeats.
public enum StorefrontCatalog {
    public struct Product: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var description: String
        public var priceCents: Int
        public var initialStock: Int
    }

    public struct User: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var email: String
        public var roles: [String]
    }

    /// Twenty products; the last two are scarce, so stock runs out and reservations fail under load.
    public static let products: [Product] = {
        let items: [(String, String, Int)] = [
            ("Trail running shoe", "light shoe with a grippy sole for wet trails", 12_999),
            ("Road running shoe", "cushioned shoe for long road runs", 11_499),
            ("Rain jacket", "waterproof breathable jacket with a hood", 15_900),
            ("Wool socks", "merino wool socks, pack of three", 2_400),
            ("Running cap", "light cap with a reflective band", 1_999),
            ("Water bottle", "insulated steel bottle, 750 ml", 2_950),
            ("Head lamp", "rechargeable lamp for night runs", 4_500),
            ("Trail backpack", "12 litre running backpack with bottle pockets", 8_900),
            ("Thermal shirt", "long sleeve merino shirt for cold runs", 6_500),
            ("Running tights", "warm tights with a zip pocket", 5_900),
            ("GPS watch", "running watch with heart rate and maps", 29_900),
            ("Energy gels", "box of twelve caffeine gels", 2_199),
            ("Foam roller", "firm roller for recovery", 3_499),
            ("Compression sleeves", "calf sleeves for long runs", 3_200),
            ("Trail poles", "folding carbon poles for steep trails", 13_900),
            ("Windbreaker", "packable wind jacket", 7_900),
            ("Gloves", "touchscreen running gloves", 2_800),
            ("Race belt", "number belt with gel loops", 1_500),
            ("Limited edition shoe", "numbered trail shoe from the spring drop", 19_900),
            ("Signed race poster", "poster signed by the course record holder", 4_900),
        ]
        return items.enumerated().map { index, item in
            Product(id: "p\(index + 1)", name: item.0, description: item.1, priceCents: item.2,
                    initialStock: index >= 18 ? 40 : 100_000)
        }
    }()

    /// Fifty customers (`u1`…`u50`, API key `key-uN`) and one admin (`admin`, token `token-admin`).
    public static let users: [User] = (1...50).map { User(id: "u\($0)", name: "Customer \($0)", email: "u\($0)@example.com", roles: ["customer"]) }
        + [User(id: "admin", name: "Shop admin", email: "admin@example.com", roles: ["admin", "customer"])]

    /// Catalog order: `p2` before `p10`.
    public static func catalogOrder(_ a: Product, _ b: Product) -> Bool {
        (Int(a.id.dropFirst()) ?? .max, a.id) < (Int(b.id.dropFirst()) ?? .max, b.id)
    }
}
