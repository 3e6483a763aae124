import Randomness
import Resilience
import ServiceMesh
import Telemetry

/// The streaming site (Netflix-shaped): gateway, home, user, content, recommendation, billing,
/// streaming, analytics and config services on one mesh, with the policies a careful team would
/// set, and the traffic that exercises them.
///
/// - `GET /api/home/:user`: home-service reads the profile, recommendations and continue-watching
///   in parallel; without recommendations it falls back to trending titles and still answers 200.
/// - `POST /api/stream`: streaming-service checks the subscription (inactive → 402), reads the
///   title's metadata from content-service, answers with a playback URL for the plan's quality
///   and the viewer's CDN region, and publishes the view; analytics-service records it once.
/// - `GET /api/titles/:id`: content-service's metadata.
///
/// ```swift
/// let site = Streaming(clock: ContinuousClock(), seed: 42)
/// let response = await site.send(.home, index: 0)
/// let violations = StreamingInvariantChecker.check(site.ledger())
/// ```
public final class Streaming: DemoSystem {
    public static let systemName = "streaming"
    public static let profile = SystemProfile(
        name: systemName,
        summary: "A video streaming site: a home page from three parallel reads with a trending fallback, subscription checks, views counted once from events",
        services: ["gateway", "home-service", "user-service", "content-service", "recommendation-service", "billing-service",
                   "streaming-service", "analytics-service", "config-service"],
        instances: ["gateway": 2, "home-service": 2, "user-service": 2, "content-service": 2, "recommendation-service": 2,
                    "billing-service": 2, "streaming-service": 2, "analytics-service": 2],
        invariants: Invariant.streaming)

    public static func make<C: Clock>(clock: C, seed: UInt64, time: TimeSource?) -> Streaming where C.Duration == Duration {
        Streaming(clock: clock, seed: seed, time: time)
    }

    public var trafficMix: TrafficMix { .streaming }
    /// The breaker home-service's recommendation reads go through.
    public static let recommendationBreakerID = "home-service->recommendation-service"
    /// The breaker streaming-service's metadata reads go through.
    public static let contentBreakerID = "streaming-service->content-service"

    public let mesh: Mesh
    public let seed: UInt64
    public let home: HomeService
    public let users: ProfileService
    public let content: ContentService
    public let recommendations: RecommendationService
    public let billing: BillingService
    public let streams: StreamingService
    public let analytics: AnalyticsService
    public let config: ConfigService

    /// - Parameters:
    ///   - workScale: multiplies the simulated work time of handlers (0 for none, as in unit tests).
    ///   - networkLatency: added to every hop.
    ///   - settings: what config-service starts with (the services use the defaults until their first refresh).
    public init<C: Clock>(clock: C, seed: UInt64, workScale: Double = 1, networkLatency: Duration = .microseconds(300),
                          time: TimeSource? = nil, settings: Settings = Settings()) where C.Duration == Duration {
        self.seed = seed
        let telemetry = MeshTelemetry(time: time ?? TimeSource(clock: clock), seed: seed)
        let controlPlane = ControlPlane(defaultPolicy: Self.defaultPolicy)
        mesh = Mesh(name: Self.systemName, clock: clock, telemetry: telemetry,
                    configuration: Mesh.Configuration(networkLatency: networkLatency, seed: seed), controlPlane: controlPlane)
        Self.applyPolicies(to: controlPlane)

        let work = { (salt: UInt64) in WorkSimulator(clock: clock, seed: seed &+ salt, scale: workScale) }
        home = HomeService(mesh: mesh, work: work(11))
        users = ProfileService(work: work(12))
        content = ContentService(work: work(13))
        recommendations = RecommendationService(seed: seed, work: work(14))
        billing = BillingService(work: work(15))
        streams = StreamingService(mesh: mesh, work: work(16))
        analytics = AnalyticsService(mesh: mesh, work: work(17))
        config = ConfigService(settings: settings, work: work(18))

        let gateway = Gateway(
            routes: [
                Gateway.Route(prefix: "home", service: "home-service"),
                Gateway.Route(prefix: "stream", service: "streaming-service"),
                Gateway.Route(prefix: "titles", service: "content-service", publicMethods: [.get]),
            ],
            apiKeys: Dictionary(uniqueKeysWithValues: StreamingCatalog.profiles.map { ("key-\($0.id)", Principal(userID: $0.id, roles: ["viewer"])) }),
            rateLimit: CallPolicy.RateLimit(perSecond: 200, burst: 400), clock: clock, metrics: telemetry.metrics)

        Self.profile.deploy([gateway, home, users, content, recommendations, billing, streams, analytics, config], on: mesh)

        // The bus pushes views to analytics-service through the mesh.
        mesh.pushEvents(of: StreamingService.viewsTopic, to: "analytics-service")
    }

    // MARK: Policies

    /// ``CallPolicy/demoDefault``: what every call gets unless set otherwise below.
    public static let defaultPolicy = CallPolicy.demoDefault

    /// The gateway's calls to home-service and streaming-service: no retries, as those services
    /// retry their own dependencies (retrying at both layers would multiply the attempts).
    public static let edgePolicy: CallPolicy = {
        var policy = defaultPolicy
        policy.retry = nil
        return policy
    }()

    /// home-service's and streaming-service's calls to their dependencies: 250 ms an attempt, so
    /// three attempts and their backoff fit inside the gateway's 1 s.
    public static let dependencyPolicy: CallPolicy = {
        var policy = defaultPolicy
        policy.timeout = .milliseconds(250)
        return policy
    }()

    /// streaming-service's reads of a title's metadata from content-service (``contentBreakerID``):
    /// hedged. When an attempt has not answered within the p95 of the reads seen lately (kept
    /// between 10 and 50 ms), a second one goes to the other instance and the first answer wins,
    /// so one slow instance costs a stream start the delay rather than its whole latency. The
    /// budget lets hedges add at most half again the reads (a slow service as a whole is not
    /// read twice over); the reads are idempotent, which is what makes them safe to hedge.
    public static let contentMetadataPolicy: CallPolicy = {
        var policy = dependencyPolicy
        policy.hedging = HedgingPolicy(delay: .adaptive(percentile: 95, floor: .milliseconds(10), ceiling: .milliseconds(50)),
                                       maxAttempts: 2, maxHedgeRatio: 0.5, budgetCapacity: 20)
        return policy
    }()

    /// home-service's reads of recommendations: one attempt within `timeout` (a setting of
    /// config-service), as the page has a fallback and should not wait for retries.
    public static func recommendationPolicy(timeout: Duration) -> CallPolicy {
        var policy = defaultPolicy
        policy.retry = nil
        policy.timeout = timeout
        return policy
    }

    /// home-service's reads of live trending figures, itself a fallback: one quick attempt.
    public static let trendingPolicy: CallPolicy = {
        var policy = defaultPolicy
        policy.retry = nil
        policy.timeout = .milliseconds(100)
        return policy
    }()

    private static func applyPolicies(to controlPlane: ControlPlane) {
        controlPlane.setPolicy(edgePolicy, caller: "gateway", target: "home-service")
        controlPlane.setPolicy(edgePolicy, caller: "gateway", target: "streaming-service")
        controlPlane.setPolicy(dependencyPolicy, caller: "home-service")
        controlPlane.setPolicy(recommendationPolicy(timeout: Settings().recommendationTimeout), caller: "home-service", target: "recommendation-service")
        controlPlane.setPolicy(trendingPolicy, caller: "home-service", target: "analytics-service")
        controlPlane.setPolicy(dependencyPolicy, caller: "streaming-service")
        controlPlane.setPolicy(contentMetadataPolicy, caller: "streaming-service", target: "content-service")
    }

    // MARK: Traffic

    /// The root of every request's own stream (see ``request(for:index:)``).
    private var requestSeed: UInt64 { SeededRandom.derivedSeed(seed, component: "streaming.requests") }

    /// The request a traffic arrival of `kind` sends, drawn from the seed and its index (so it does
    /// not depend on which task runs first).
    public func request(for kind: RequestKind, index: Int) -> Request {
        var random = SeededRandom(seed: requestSeed, stream: UInt64(index))
        func pick(_ viewers: [String]) -> String { viewers[random.nextIndex(below: viewers.count)] }
        // Popular titles are watched most: the first titles far more than the last.
        func title() -> String {
            let u = random.nextUnitInterval()
            return "t\(Int(Double(StreamingCatalog.titles.count) * u * u) + 1)"
        }
        func signedIn(_ user: String) -> Headers { [MeshHeader.apiKey: "key-\(user)"] }
        func start(_ user: String, _ titleId: String) -> Request {
            var headers = signedIn(user)
            headers[MeshHeader.idempotencyKey] = "play-\(index)"
            let region = StreamingCatalog.profiles[Int(user.dropFirst())! - 1].region
            let body = StreamingService.StartStream(titleId: titleId, region: region)
            return (try? Request(method: .post, path: "/api/stream", headers: headers, json: body)) ?? Request(method: .post, path: "/api/stream", headers: headers)
        }
        let anyone = "u\(random.nextIndex(below: StreamingCatalog.userCount) + 1)"
        switch kind {
        case .home:
            return Request(path: "/api/home/\(anyone)", headers: signedIn(anyone))
        case .viewTitle:
            return Request(path: "/api/titles/\(title())", headers: signedIn(anyone))
        case .viewUnknownTitle:
            return Request(path: "/api/titles/t999", headers: signedIn(anyone))
        case .startStream:
            return start(pick(StreamingCatalog.activeViewers), title())
        case .startStreamLapsed:
            return start(pick(StreamingCatalog.lapsedViewers), title())
        case .startStreamUnknownTitle:
            return start(pick(StreamingCatalog.activeViewers), "t999")
        default:
            // Not one of ``TrafficMix/streaming``'s kinds: sent as asked, the gateway answers 404.
            return Request(path: "/api/\(kind.rawValue)")
        }
    }

    /// Sends one arrival's request through the gateway, as a client outside the system would.
    @discardableResult
    public func send(_ kind: RequestKind, index: Int) async -> Response {
        await mesh.ingress(request(for: kind, index: index))
    }

    // MARK: Background work

    /// How often home-service and streaming-service read their settings from config-service.
    public static let settingsRefreshInterval = Duration.seconds(5)

    /// The site's own long-running work besides the mesh's: home-service and streaming-service
    /// read their settings from config-service at once, then every ``settingsRefreshInterval``.
    /// Runs until the calling task is cancelled.
    public func runBackgroundWork<C: Clock>(clock: C) async where C.Duration == Duration {
        while !Task.isCancelled {
            await refreshSettings()
            do { try await clock.sleep(for: Self.settingsRefreshInterval) } catch { return }
        }
    }

    /// One round of settings reads, both services at once.
    public func refreshSettings() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.home.refreshSettings() }
            group.addTask { await self.streams.refreshSettings() }
        }
    }

    // MARK: Settling and checking

    /// Ends a run so its invariants can be checked: lifts every injected fault, redelivers dead
    /// letters, and waits (up to `timeout`) for the views still on the bus to reach analytics.
    public func settle<C: Clock>(clock: C, timeout: Duration = .seconds(20)) async where C.Duration == Duration {
        liftFaults()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            // Dead letters go back on the queue each time it is empty, until none are left.
            if mesh.eventBus.pendingCount == 0 {
                if mesh.eventBus.deadLetters.isEmpty { break }
                mesh.eventBus.replayDeadLetters()
            }
            do { try await clock.sleep(for: .milliseconds(50)) } catch { break }
        }
    }

    /// The system's state as the invariant checker reads it, from each service's own data.
    public func ledger() -> StreamingLedger {
        let views = analytics.ledgerViews()
        return StreamingLedger(homePages: home.ledgerPages(), fallbacksCounted: home.statistics.fallbacks,
                               subscriptions: billing.ledgerSubscriptions(), titleQualities: content.ledgerQualities(),
                               streams: streams.ledgerStreams(), views: views.recorded, viewsPerTitle: views.viewsPerTitle)
    }

    public func checkInvariants() -> [Violation] {
        StreamingInvariantChecker.check(ledger())
    }

    /// The site's figures, each counted by the service it is about.
    public func domainFigures() -> DomainFigures {
        let pages = home.statistics
        let started = streams.statistics
        let views = analytics.statistics
        return DomainFigures([
            "homepages": .count(pages.served),
            "fallbacks": .count(pages.fallbacks),
            "trendingFromAnalytics": .count(pages.trendingFromAnalytics),
            "continueWatchingOmitted": .count(pages.continueWatchingOmitted),
            "streamsStarted": .count(started.started),
            "streamsRefused": .count(started.refusedInactive),
            "streamsOfUnknownTitles": .count(started.titleNotFound),
            "repeatedStarts": .count(started.repeatedStarts),
            "viewsRecorded": .count(views.viewsRecorded),
            "duplicateViewsIgnored": .count(views.duplicatesIgnored),
            "settingsRefreshes": .count(home.settings.refreshes + streams.settings.refreshes),
        ])
    }
}
