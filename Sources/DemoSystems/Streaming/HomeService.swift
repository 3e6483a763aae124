import ServiceMesh
import Synchronization
import Telemetry
import Tracing

extension Streaming {
    /// home-service: composes a viewer's home page (`GET /home/:user`, forwarded by the gateway
    /// from `/api/home/:user`).
    ///
    /// Three reads run in parallel, in a task group under one `compose home` span: the profile
    /// (user-service), recommendations (recommendation-service) and continue-watching
    /// (streaming-service). The page needs the profile (unknown user → 404, user-service
    /// unreachable → 503). Without recommendations — an error, a timeout, an open breaker —
    /// the page shows trending titles instead (live figures from analytics-service while the
    /// `trendingFromAnalytics` flag is on, else or failing that the editors' ranking), says so in
    /// its body (`"fallback": "trending"`) and in the span (`fallback=trending`), counts it, and
    /// still answers 200. Without continue-watching the row is left out.
    public final class HomeService: MeshService, Sendable {
        public let name = "home-service"

        public struct HomePage: Codable, Sendable, Equatable {
            public var user: String
            public var greeting: String
            public var rows: [Row]
            public var continueWatching: [StreamingService.ContinueWatching]
            /// `"trending"` when the page shows trending titles instead of recommendations.
            public var fallback: String?
            /// Why recommendations were missing (`breakerOpen`, `timeout`, `unavailable`, `status 503`).
            public var fallbackReason: String?
        }

        public struct Row: Codable, Sendable, Equatable {
            public enum Kind: String, Codable, Sendable { case recommended, trending }
            public var kind: Kind
            public var heading: String
            public var titles: [StreamingCatalog.TitleCard]
        }

        /// Counters for the report.
        public struct Stats: Sendable, Equatable {
            /// Pages answered 200.
            public var served = 0
            /// Pages that showed trending titles instead of recommendations.
            public var fallbacks = 0
            /// Of those, how many ranked by analytics-service's live figures (the rest: the editors' ranking).
            public var trendingFromAnalytics = 0
            /// Pages served without their continue-watching row.
            public var continueWatchingOmitted = 0
        }

        private struct State {
            var pages: [StreamingLedger.HomePage] = []
            var stats = Stats()
        }

        private let state = Mutex(State())
        private let mesh: Mesh
        private let tracer: TelemetryTracer
        private let work: WorkSimulator
        let settings = SettingsCopy()

        public init(mesh: Mesh, work: WorkSimulator) {
            self.mesh = mesh
            tracer = mesh.telemetry.tracer(for: name)
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.get("/home/:user") { [self] request, context in
                let user = try context.parameter("user")
                if let signedIn = request.headers[MeshHeader.userID], signedIn != user {
                    throw HTTPError(403, "user \(signedIn) may not see the home page of \(user)")
                }
                let span = tracer.startSpan("compose home", context: ServiceContext.current ?? .topLevel, ofKind: .internal)
                defer { span.end() }
                do {
                    let page = try await ServiceContext.withValue(span.context) {
                        try await compose(user: user, settings: settings.current, client: context.client, span: span)
                    }
                    return .json(page)
                } catch {
                    span.setStatus(SpanStatus(code: .error, message: "\(error)"))
                    throw error
                }
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        // MARK: Composing

        /// What one of the parallel reads brought back.
        private enum Part: Sendable {
            case profile(Result<StreamingCatalog.Profile, HTTPError>)
            case recommendations(Result<[StreamingCatalog.TitleCard], RecommendationsMissing>)
            case continueWatching([StreamingService.ContinueWatching]?)
        }

        /// Why there are no recommendations, as the page and the span say it.
        struct RecommendationsMissing: Error {
            var reason: String
        }

        private func compose(user: String, settings: Settings, client: MeshClient, span: TelemetrySpan) async throws -> HomePage {
            var profile: StreamingCatalog.Profile?
            var recommendations: Result<[StreamingCatalog.TitleCard], RecommendationsMissing> = .failure(RecommendationsMissing(reason: "not read"))
            var continuing: [StreamingService.ContinueWatching]?
            try await withThrowingTaskGroup(of: Part.self) { group in
                group.addTask { .profile(await Self.profile(user, client: client)) }
                group.addTask { .recommendations(await Self.recommendations(user, limit: settings.homeRowSize, client: client)) }
                group.addTask { .continueWatching(await Self.continueWatching(user, client: client)) }
                for try await part in group {
                    switch part {
                    case .profile(.success(let found)): profile = found
                    // Without a profile there is no page: the other reads are not waited for.
                    case .profile(.failure(let error)): throw error
                    case .recommendations(let result): recommendations = result
                    case .continueWatching(let rows): continuing = rows
                    }
                }
            }
            guard let profile else { throw HTTPError(503, "the profile was not read") }
            try await work.work(0.2, 1.5) // laying out the page

            var page = HomePage(user: user, greeting: "Welcome back, \(profile.name)", rows: [], continueWatching: continuing ?? [])
            var fromAnalytics = false
            switch recommendations {
            case .success(let titles):
                page.rows.append(Row(kind: .recommended, heading: "Recommended for you", titles: titles))
            case .failure(let missing):
                let (titles, live) = await trending(limit: settings.homeRowSize, fromAnalytics: settings.trendingFromAnalytics, client: client)
                fromAnalytics = live
                page.rows.append(Row(kind: .trending, heading: "Trending now", titles: titles))
                page.fallback = "trending"
                page.fallbackReason = missing.reason
                span.updateAttributes { attributes in
                    attributes["fallback"] = "trending"
                    attributes["fallback.reason"] = missing.reason
                    attributes["trending.source"] = live ? "analytics" : "static"
                }
            }
            let recommended = page.rows.first { $0.kind == .recommended }?.titles.count ?? 0
            let trending = page.rows.first { $0.kind == .trending }?.titles.count ?? 0
            state.withLock { state in
                state.pages.append(StreamingLedger.HomePage(user: user, recommended: recommended, trending: trending, fallback: page.fallback != nil))
                state.stats.served += 1
                if page.fallback != nil { state.stats.fallbacks += 1 }
                if fromAnalytics { state.stats.trendingFromAnalytics += 1 }
                if continuing == nil { state.stats.continueWatchingOmitted += 1 }
            }
            return page
        }

        private static func profile(_ user: String, client: MeshClient) async -> Result<StreamingCatalog.Profile, HTTPError> {
            do {
                let response = try await client.get("user-service", "/users/\(user)")
                if response.status == 404 { return .failure(HTTPError(404, response.errorMessage ?? "no user '\(user)'")) }
                guard response.isSuccess else { return .failure(HTTPError(503, "the profile is unavailable: user-service answered \(response.status)")) }
                return .success(try response.decode(StreamingCatalog.Profile.self))
            } catch let error as MeshCallError {
                return .failure(HTTPError(error.response.status, "the profile is unavailable: \(error.message)"))
            } catch {
                return .failure(HTTPError(502, "user-service sent a profile that cannot be read: \(error)"))
            }
        }

        /// The viewer's recommendations, under home-service's policy for recommendation-service
        /// (its timeout from the settings).
        private static func recommendations(_ user: String, limit: Int, client: MeshClient) async -> Result<[StreamingCatalog.TitleCard], RecommendationsMissing> {
            do {
                let response = try await client.get("recommendation-service", "/recommendations/\(user)?limit=\(limit)")
                guard response.isSuccess else { return .failure(RecommendationsMissing(reason: "status \(response.status)")) }
                let titles = try response.decode([StreamingCatalog.TitleCard].self)
                return titles.isEmpty ? .failure(RecommendationsMissing(reason: "none")) : .success(titles)
            } catch let error as MeshCallError {
                return .failure(RecommendationsMissing(reason: error.kind.rawValue))
            } catch {
                return .failure(RecommendationsMissing(reason: "unreadable"))
            }
        }

        /// Continue-watching, or nil when streaming-service did not give it.
        private static func continueWatching(_ user: String, client: MeshClient) async -> [StreamingService.ContinueWatching]? {
            guard let response = try? await client.get("streaming-service", "/continue-watching/\(user)"), response.isSuccess else { return nil }
            return try? response.decode([StreamingService.ContinueWatching].self)
        }

        /// `limit` trending titles: analytics-service's most viewed of the last minute when
        /// `fromAnalytics` and it answers, topped up from the editors' ranking. The flag says
        /// whether any came from analytics.
        private func trending(limit: Int, fromAnalytics: Bool, client: MeshClient) async -> ([StreamingCatalog.TitleCard], Bool) {
            var titles: [StreamingCatalog.TitleCard] = []
            if fromAnalytics, let response = try? await client.get("analytics-service", "/trending?limit=\(limit)"), response.isSuccess {
                titles = (try? response.decode([StreamingCatalog.TitleCard].self)) ?? []
            }
            let live = !titles.isEmpty
            for card in StreamingCatalog.staticTrending where titles.count < limit && !titles.contains(card) {
                titles.append(card)
            }
            return (titles, live)
        }

        // MARK: Settings

        /// Reads the settings from config-service; a new recommendation timeout becomes
        /// home-service's policy for recommendation-service at once.
        func refreshSettings() async {
            guard let (old, new) = await settings.refresh(client: mesh.client(as: name)) else { return }
            if old.recommendationTimeoutMilliseconds != new.recommendationTimeoutMilliseconds {
                mesh.controlPlane.setPolicy(Streaming.recommendationPolicy(timeout: new.recommendationTimeout), caller: name, target: "recommendation-service")
            }
            mesh.telemetry.events.record(source: name, kind: .info, message: "settings revision \(new.revision) applied: recommendation timeout \(new.recommendationTimeoutMilliseconds)ms, row of \(new.homeRowSize), trending from analytics \(new.trendingFromAnalytics ? "on" : "off")")
        }

        // MARK: Reading

        public var statistics: Stats { state.withLock { $0.stats } }

        /// Every page served, in the order served.
        public func ledgerPages() -> [StreamingLedger.HomePage] {
            state.withLock { $0.pages }
        }
    }
}
