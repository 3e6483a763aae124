import ServiceMesh
import Synchronization
import Telemetry

extension Streaming {
    /// streaming-service: starts streams and remembers what each viewer watched.
    ///
    /// `POST /stream` (`{"titleId": "t12", "region": "eu-west"}`, as the gateway forwards it with
    /// `X-User-ID`): checks the subscription with billing-service (inactive → 402 with the reason;
    /// billing unreachable → 503, never a stream on an unchecked subscription), reads the title's
    /// metadata from content-service (unknown → 404), and answers 201 with a playback URL on the
    /// region's CDN at the best quality both the plan and the title's encoding allow. The view is
    /// published on the `views` topic in the same step the stream is recorded.
    ///
    /// An `Idempotency-Key` makes a start safe to retry: the same key gives the same stream.
    ///
    /// `GET /continue-watching/:user` lists the viewer's latest titles, newest first;
    /// `GET /streams/:id` one stream's playback.
    public final class StreamingService: MeshService, Sendable {
        public let name = "streaming-service"
        public static let viewsTopic = "views"

        public struct StartStream: Codable, Sendable, Equatable {
            public var titleId: String
            public var region: StreamingCatalog.Region

            public init(titleId: String, region: StreamingCatalog.Region) {
                self.titleId = titleId
                self.region = region
            }
        }

        /// A started stream, as the client gets it.
        public struct Playback: Codable, Sendable, Equatable {
            public var streamId: String
            public var titleId: String
            public var title: String
            public var quality: StreamingCatalog.Quality
            public var cdn: String
            public var url: String
        }

        /// A row entry of continue-watching.
        public struct ContinueWatching: Codable, Sendable, Equatable {
            public var streamId: String
            public var titleId: String
            public var title: String
            public var startedAtSeconds: Double
        }

        /// Counters for the report.
        public struct Stats: Sendable, Equatable {
            public var started = 0
            /// Refused with 402: no active subscription.
            public var refusedInactive = 0
            /// Refused with 404: no such title.
            public var titleNotFound = 0
            /// A retried start answered with the stream its key already started.
            public var repeatedStarts = 0
        }

        private struct Session {
            var event: StreamStarted
            var playback: Playback
        }

        private enum KeyState {
            case starting
            case started(streamId: String)
        }

        private struct State {
            var sessions: [String: Session] = [:]
            var keys: [String: KeyState] = [:]
            /// Each viewer's stream ids, oldest first, the last ``StreamingService/historyLimit`` kept.
            var history: [String: [String]] = [:]
            var nextStream = 0
            var stats = Stats()
        }

        /// Streams remembered per viewer for continue-watching.
        static let historyLimit = 50

        private let state = Mutex(State())
        private let mesh: Mesh
        private let work: WorkSimulator
        let settings = SettingsCopy()

        public init(mesh: Mesh, work: WorkSimulator) {
            self.mesh = mesh
            self.work = work
        }

        public var router: Router {
            var router = Router()
            router.post("/stream") { [self] request, context in
                guard let user = request.headers[MeshHeader.userID] else { throw HTTPError(401, "no user: streams are started through the gateway, signed in") }
                let body = try request.decode(StartStream.self)
                guard !body.titleId.isEmpty else { throw BadRequestError(message: "titleId must name a title, such as \"t12\"") }
                return try await start(user: user, body, key: request.headers[MeshHeader.idempotencyKey], client: context.client)
            }
            router.get("/continue-watching/:user") { [self] _, context in
                let user = try context.parameter("user")
                try await work.work(0.5, 4)
                return .json(continueWatching(user: user, limit: settings.current.continueWatchingLimit))
            }
            router.get("/streams/:id") { [self] _, context in
                let id = try context.parameter("id")
                guard let playback = state.withLock({ $0.sessions[id]?.playback }) else { throw HTTPError(404, "no stream '\(id)'") }
                return .json(playback)
            }
            router.get("/health") { _, _ in .json(["status": "up"]) }
            return router
        }

        // MARK: Starting a stream

        private func start(user: String, _ body: StartStream, key: String?, client: MeshClient) async throws -> Response {
            if let key {
                switch reserve(key) {
                case .started(let streamId):
                    return .json(state.withLock { $0.sessions[streamId]!.playback })
                case .starting:
                    throw HTTPError(409, "a stream with Idempotency-Key '\(key)' is being started; retry shortly")
                case nil:
                    break
                }
            }
            var finished = false
            // Whatever ends the attempt early (a refusal, an error, the caller cancelling), the key
            // is free again for a retry.
            defer { if !finished, let key { _ = state.withLock { $0.keys.removeValue(forKey: key) } } }

            let subscription = try await subscription(of: user, client: client)
            guard subscription.active else {
                state.withLock { $0.stats.refusedInactive += 1 }
                throw HTTPError(402, "subscription inactive: \(subscription.reason ?? "no active plan"); renew it to watch")
            }
            let title = try await contentMetadata(body.titleId, client: client)
            try await work.work(0.5, 3) // the session and the playback token
            let quality = min(subscription.plan.maxQuality, title.maxQuality)
            // Recorded and published in one step, with no suspension between: a stream that
            // started always has its view on the bus.
            let (playback, event) = state.withLock { state -> (Playback, StreamStarted) in
                state.nextStream += 1
                let id = "s-\(state.nextStream)"
                let playback = Playback(streamId: id, titleId: title.id, title: title.name, quality: quality, cdn: body.region.cdnHost,
                                        url: "https://\(body.region.cdnHost)/\(title.id)/\(quality.rawValue)/master.m3u8?stream=\(id)")
                let event = StreamStarted(streamId: id, userId: user, titleId: title.id, titleName: title.name, genre: title.genre,
                                          quality: quality, region: body.region, startedAtSeconds: mesh.now().seconds)
                state.sessions[id] = Session(event: event, playback: playback)
                if let key { state.keys[key] = .started(streamId: id) }
                state.history[user, default: []].append(id)
                if state.history[user]!.count > Self.historyLimit { state.history[user]!.removeFirst() }
                state.stats.started += 1
                return (playback, event)
            }
            finished = true
            try mesh.eventBus.publish(Self.viewsTopic, type: AnalyticsService.eventType, data: event, source: name)
            return .json(playback, status: 201)
        }

        /// Claims `key` for a start: nil when it is free (now taken), else what holds it.
        private func reserve(_ key: String) -> KeyState? {
            state.withLock { state in
                if let existing = state.keys[key] {
                    if case .started = existing { state.stats.repeatedStarts += 1 }
                    return existing
                }
                state.keys[key] = .starting
                return nil
            }
        }

        /// The viewer's subscription from billing-service. Unknown to billing → 402; billing not
        /// answering → the call's error (503/504 upstream): a stream never starts unchecked.
        private func subscription(of user: String, client: MeshClient) async throws -> StreamingCatalog.Subscription {
            let response = try await client.get("billing-service", "/subscriptions/\(user)")
            if response.status == 404 {
                state.withLock { $0.stats.refusedInactive += 1 }
                throw HTTPError(402, "no subscription for this account; subscribe to watch")
            }
            guard response.isSuccess else {
                throw HTTPError(503, "cannot check the subscription: billing-service answered \(response.status)")
            }
            return try response.decode(StreamingCatalog.Subscription.self)
        }

        /// The one read of a title's metadata: streaming-service → content-service under
        /// ``Streaming/contentMetadataPolicy``. Unknown title → 404.
        func contentMetadata(_ titleId: String, client: MeshClient) async throws -> StreamingCatalog.Title {
            let response = try await client.get("content-service", "/titles/\(titleId)")
            if response.status == 404 {
                state.withLock { $0.stats.titleNotFound += 1 }
                throw HTTPError(404, response.errorMessage ?? "no title '\(titleId)'")
            }
            guard response.isSuccess else {
                throw HTTPError(503, "the title's metadata is unavailable: content-service answered \(response.status)")
            }
            return try response.decode(StreamingCatalog.Title.self)
        }

        // MARK: Reading

        /// The viewer's latest titles, newest first, each title once.
        func continueWatching(user: String, limit: Int) -> [ContinueWatching] {
            state.withLock { state in
                var seen: Set<String> = []
                var rows: [ContinueWatching] = []
                for id in (state.history[user] ?? []).reversed() where rows.count < limit {
                    guard let event = state.sessions[id]?.event, seen.insert(event.titleId).inserted else { continue }
                    rows.append(ContinueWatching(streamId: id, titleId: event.titleId, title: event.titleName, startedAtSeconds: event.startedAtSeconds))
                }
                return rows
            }
        }

        /// Reads the settings from config-service (continue-watching's length).
        func refreshSettings() async {
            _ = await settings.refresh(client: mesh.client(as: name))
        }

        public var statistics: Stats { state.withLock { $0.stats } }

        /// Every stream started, by id.
        public func ledgerStreams() -> [String: StreamingLedger.Stream] {
            state.withLock { state in
                state.sessions.mapValues { StreamingLedger.Stream(userId: $0.event.userId, titleId: $0.event.titleId, quality: $0.event.quality) }
            }
        }
    }
}
