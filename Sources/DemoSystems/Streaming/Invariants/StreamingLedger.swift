/// What the streaming site's services hold at the end of a run, gathered in one plain value so
/// ``StreamingInvariantChecker`` can prove the run kept its promises.
///
/// Each service contributes its own part: home-service the pages it served and its fallback
/// count, billing-service the subscriptions, content-service the titles' encodings,
/// streaming-service the streams, analytics-service the views it recorded.
public struct StreamingLedger: Sendable, Equatable {
    /// Every home page answered 200, in the order served.
    public var homePages: [HomePage]
    /// home-service's own count of trending fallbacks.
    public var fallbacksCounted: Int
    /// Subscriptions by user id.
    public var subscriptions: [String: Subscription]
    /// The best quality each title is encoded in, by title id.
    public var titleQualities: [String: StreamingCatalog.Quality]
    /// Streams started, by stream id.
    public var streams: [String: Stream]
    /// The title of every view analytics recorded, by stream id.
    public var views: [String: String]
    /// analytics' count of views per title.
    public var viewsPerTitle: [String: Int]

    public init(homePages: [HomePage] = [], fallbacksCounted: Int = 0, subscriptions: [String: Subscription] = [:],
                titleQualities: [String: StreamingCatalog.Quality] = [:], streams: [String: Stream] = [:],
                views: [String: String] = [:], viewsPerTitle: [String: Int] = [:]) {
        self.homePages = homePages
        self.fallbacksCounted = fallbacksCounted
        self.subscriptions = subscriptions
        self.titleQualities = titleQualities
        self.streams = streams
        self.views = views
        self.viewsPerTitle = viewsPerTitle
    }

    /// A home page as served: how many titles each row held, and whether it fell back.
    public struct HomePage: Sendable, Equatable {
        public var user: String
        /// Titles in the recommendations row (0 when there was none).
        public var recommended: Int
        /// Titles in the trending row (0 when there was none).
        public var trending: Int
        /// Whether the page showed trending titles in place of recommendations.
        public var fallback: Bool

        public init(user: String, recommended: Int, trending: Int, fallback: Bool) {
            self.user = user
            self.recommended = recommended
            self.trending = trending
            self.fallback = fallback
        }
    }

    public struct Subscription: Sendable, Equatable {
        public var active: Bool
        public var plan: StreamingCatalog.Plan

        public init(active: Bool, plan: StreamingCatalog.Plan) {
            self.active = active
            self.plan = plan
        }
    }

    public struct Stream: Sendable, Equatable {
        public var userId: String
        public var titleId: String
        public var quality: StreamingCatalog.Quality

        public init(userId: String, titleId: String, quality: StreamingCatalog.Quality) {
            self.userId = userId
            self.titleId = titleId
            self.quality = quality
        }
    }
}
