import ServiceMesh
import Synchronization

extension Streaming {
    /// The settings other services read from config-service at start and refresh on an interval
    /// (``Streaming/runBackgroundWork(clock:)``), so an operator changes them without a deploy.
    public struct Settings: Codable, Sendable, Equatable {
        /// Increases with every change.
        public var revision: Int
        /// home-service's per-attempt timeout for recommendations, in milliseconds: past it the
        /// home page shows trending titles instead.
        public var recommendationTimeoutMilliseconds: Int
        /// Titles in a home page's row.
        public var homeRowSize: Int
        /// Feature flag: the trending fallback ranks by live viewing figures from analytics-service;
        /// off, it uses the editors' static ranking without the extra call.
        public var trendingFromAnalytics: Bool
        /// Titles in a viewer's continue-watching row (streaming-service).
        public var continueWatchingLimit: Int

        public init(revision: Int = 1, recommendationTimeoutMilliseconds: Int = 200, homeRowSize: Int = 10,
                    trendingFromAnalytics: Bool = true, continueWatchingLimit: Int = 10) {
            self.revision = revision
            self.recommendationTimeoutMilliseconds = recommendationTimeoutMilliseconds
            self.homeRowSize = homeRowSize
            self.trendingFromAnalytics = trendingFromAnalytics
            self.continueWatchingLimit = continueWatchingLimit
        }

        /// What is wrong with these settings, nil when nothing is.
        func problem() -> String? {
            if !(10...5_000).contains(recommendationTimeoutMilliseconds) {
                return "recommendationTimeoutMilliseconds must be from 10 to 5000 (got \(recommendationTimeoutMilliseconds))"
            }
            if !(1...StreamingCatalog.titles.count).contains(homeRowSize) {
                return "homeRowSize must be from 1 to \(StreamingCatalog.titles.count) (got \(homeRowSize))"
            }
            if !(1...50).contains(continueWatchingLimit) {
                return "continueWatchingLimit must be from 1 to 50 (got \(continueWatchingLimit))"
            }
            return nil
        }

        public var recommendationTimeout: Duration { .milliseconds(recommendationTimeoutMilliseconds) }
    }

    /// config-service: holds the ``Settings``. `GET /settings` reads them; `PUT /settings` replaces
    /// them (the revision is the service's to set) after checking each value.
    public final class ConfigService: MeshService, Sendable {
        public let name = "config-service"
        private let settings: Mutex<Settings>
        private let work: WorkSimulator

        public init(settings: Settings = Settings(), work: WorkSimulator) {
            self.settings = Mutex(settings)
            self.work = work
        }

        public var current: Settings { settings.withLock { $0 } }

        public var router: Router {
            var router = Router()
            router.get("/settings") { [self] _, _ in
                try await work.work(0.2, 1)
                return .json(current)
            }
            router.put("/settings") { [self] request, _ in
                var proposed = try request.decode(Settings.self)
                if let problem = proposed.problem() { throw BadRequestError(message: problem) }
                try await work.work(0.5, 2)
                let stored = settings.withLock { settings in
                    proposed.revision = settings.revision + 1
                    settings = proposed
                    return proposed
                }
                return .json(stored)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }
    }

    /// A service's copy of the ``Settings``: the defaults until the first refresh, then the last
    /// ones config-service gave (kept while it cannot be reached).
    final class SettingsCopy: Sendable {
        private let state: Mutex<(settings: Settings, refreshes: Int, failures: Int)>

        init(_ settings: Settings = Settings()) {
            state = Mutex((settings, 0, 0))
        }

        var current: Settings { state.withLock { $0.settings } }
        /// Refreshes that got an answer, and those that did not.
        var refreshes: Int { state.withLock { $0.refreshes } }
        var failures: Int { state.withLock { $0.failures } }

        /// Reads the settings from config-service as `client`'s service; returns the settings
        /// before and after when they changed, nil otherwise (or when config-service did not answer).
        func refresh(client: MeshClient) async -> (old: Settings, new: Settings)? {
            let fetched: Settings?
            do {
                let response = try await client.get("config-service", "/settings")
                fetched = response.isSuccess ? try? response.decode(Settings.self) : nil
            } catch {
                fetched = nil
            }
            return state.withLock { state in
                guard let fetched else {
                    state.failures += 1
                    return nil
                }
                state.refreshes += 1
                guard fetched != state.settings else { return nil }
                defer { state.settings = fetched }
                return (state.settings, fetched)
            }
        }
    }
}
