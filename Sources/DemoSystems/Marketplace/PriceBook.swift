/// What a product costs a tier at a moment: the list price, the tier's discount, and the
/// promotion running then. Pure: pricing-service quotes from it and the invariant checker
/// re-prices each quote line with it.
///
/// Promotions run on a fixed timetable of ``promotionPeriod``s: in period `k`, the products whose
/// number ≡ `k` (mod ``promotionGroups``) are ``promotionPercent``% off for the first
/// ``promotionLength`` of the period, then back to full price until their group's turn comes again.
public enum PriceBook {
    public static let promotionPeriod = Duration.seconds(10)
    public static let promotionLength = Duration.seconds(7)
    public static let promotionGroups = 8
    public static let promotionPercent = 20

    /// A promotion: its name, its discount, and when it ends (time since the run's start).
    public struct Promotion: Codable, Sendable, Equatable {
        public var name: String
        public var percentOff: Int
        public var endsAt: Duration

        public init(name: String, percentOff: Int, endsAt: Duration) {
            self.name = name
            self.percentOff = percentOff
            self.endsAt = endsAt
        }
    }

    /// The promotion on product `number` at `time`, if one is running.
    public static func promotion(on number: Int, at time: Duration) -> Promotion? {
        let period = Int(time / promotionPeriod)
        guard number % promotionGroups == period % promotionGroups else { return nil }
        let start = promotionPeriod * period
        guard time < start + promotionLength else { return nil }
        return Promotion(name: "deal-\(period)-\(number % promotionGroups)", percentOff: promotionPercent, endsAt: start + promotionLength)
    }

    /// What one unit costs: the list price at the tier's percent, less the promotion's, rounded
    /// down to a cent.
    public static func unitCents(listCents: Int, tier: MarketplaceCatalog.Tier, percentOff: Int?) -> Int {
        let tiered = listCents * tier.percentOfList / 100
        return tiered * (100 - (percentOff ?? 0)) / 100
    }
}
