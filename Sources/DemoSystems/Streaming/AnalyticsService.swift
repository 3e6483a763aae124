import ServiceMesh
import Synchronization

extension Streaming {
    /// A stream that started: what streaming-service publishes on the `views` topic.
    public struct StreamStarted: Codable, Sendable, Equatable {
        public var streamId: String
        public var userId: String
        public var titleId: String
        public var titleName: String
        public var genre: String
        public var quality: StreamingCatalog.Quality
        public var region: StreamingCatalog.Region
        /// On the mesh's clock, in seconds since it started.
        public var startedAtSeconds: Double

        public init(streamId: String, userId: String, titleId: String, titleName: String, genre: String,
                    quality: StreamingCatalog.Quality, region: StreamingCatalog.Region, startedAtSeconds: Double) {
            self.streamId = streamId
            self.userId = userId
            self.titleId = titleId
            self.titleName = titleName
            self.genre = genre
            self.quality = quality
            self.region = region
            self.startedAtSeconds = startedAtSeconds
        }
    }

    /// analytics-service: records views from `stream.started` events, which the event bus pushes
    /// to `POST /events`. At least once in, exactly once counted: a view is recorded once per
    /// stream id, however often its event arrives. Keeps a time series of views per title over
    /// the last minute, which `GET /trending?limit=N` ranks and `GET /views/:title` reads.
    public final class AnalyticsService: MeshService, Sendable {
        public let name = "analytics-service"
        public static let eventType = "stream.started"

        /// Counters for the report.
        public struct Stats: Sendable, Equatable {
            public var viewsRecorded = 0
            public var duplicatesIgnored = 0
        }

        private struct State {
            /// Title of each stream recorded, by stream id: what makes recording idempotent.
            var recorded: [String: String] = [:]
            /// Views per title since the start.
            var viewsPerTitle: [String: Int] = [:]
            var window: ViewWindow
            /// Each title as its views described it (analytics reads no catalog).
            var cards: [String: StreamingCatalog.TitleCard] = [:]
            var stats = Stats()
        }

        private let state: Mutex<State>
        private let now: @Sendable () -> Duration
        private let work: WorkSimulator

        /// - Parameter window: how far back trending and the time series look.
        public init(mesh: Mesh, work: WorkSimulator, window: Duration = .seconds(60)) {
            state = Mutex(State(window: ViewWindow(length: max(1, Int(window.components.seconds)))))
            now = { mesh.now() }
            self.work = work
        }

        private var nowSecond: Int { Int(now().components.seconds) }

        public var router: Router {
            var router = Router()
            router.post("/events") { [self] request, _ in
                let envelope = try request.decode(EventEnvelope.self)
                guard envelope.type == Self.eventType else {
                    throw BadRequestError(message: "unexpected event type '\(envelope.type)'; analytics-service records \(Self.eventType)")
                }
                let view: StreamStarted
                do { view = try envelope.decode(StreamStarted.self) } catch { throw BadRequestError(message: "not a \(Self.eventType) event: \(error)") }
                try await work.work(0.1, 1)
                record(view)
                return Response(status: 202)
            }
            router.get("/trending") { [self] request, _ in
                let limit = try RecommendationService.limit(request)
                try await work.work(0.5, 4)
                return .json(trending(limit: limit))
            }
            router.get("/views/:title") { [self] _, context in
                let title = try context.parameter("title")
                let now = nowSecond
                return .json(state.withLock { $0.window.series(of: title, now: now) })
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        /// Records a view unless its stream was recorded already; returns whether it was new.
        @discardableResult
        func record(_ view: StreamStarted) -> Bool {
            let now = nowSecond
            return state.withLock { state in
                guard state.recorded[view.streamId] == nil else {
                    state.stats.duplicatesIgnored += 1
                    return false
                }
                state.recorded[view.streamId] = view.titleId
                state.viewsPerTitle[view.titleId, default: 0] += 1
                if state.cards[view.titleId] == nil {
                    state.cards[view.titleId] = StreamingCatalog.TitleCard(id: view.titleId, name: view.titleName, genre: view.genre)
                }
                state.window.add(title: view.titleId, second: Int(view.startedAtSeconds), now: now)
                state.stats.viewsRecorded += 1
                return true
            }
        }

        /// The most viewed titles of the last minute, most viewed first; fewer than `limit` when
        /// fewer titles were watched.
        func trending(limit: Int) -> [StreamingCatalog.TitleCard] {
            let now = nowSecond
            return state.withLock { state in
                state.window.expire(now: now)
                return state.window.top(limit).compactMap { state.cards[$0.title] }
            }
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        /// The stream ids recorded (with their title), and the views counted per title.
        public func ledgerViews() -> (recorded: [String: String], viewsPerTitle: [String: Int]) {
            state.withLock { ($0.recorded, $0.viewsPerTitle) }
        }
    }
}
