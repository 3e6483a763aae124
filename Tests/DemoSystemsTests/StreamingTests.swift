import DemoSystems
import Foundation
import ServiceMesh
import Telemetry
import Testing
import TestSupport

/// The streaming site on a manual clock with no simulated work or network latency: calls go
/// through the real gateway, sidecars and bus. What sleeps on the clock (an injected delay, a
/// retry's backoff) runs under ``driven(_:)``.
struct Site {
    let clock = ManualClock()
    let site: Streaming

    init(seed: UInt64 = 1, settings: Streaming.Settings = Streaming.Settings()) {
        site = Streaming(clock: clock, seed: seed, workScale: 0, networkLatency: .zero,
                         time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000), settings: settings)
    }

    var mesh: Mesh { site.mesh }

    func home(_ user: String, as viewer: String? = nil) async -> Response {
        await mesh.ingress(Request(path: "/api/home/\(user)", headers: [MeshHeader.apiKey: "key-\(viewer ?? user)"]))
    }

    func stream(_ title: String, user: String, region: StreamingCatalog.Region = .euWest, key: String? = nil) async throws -> Response {
        var headers: Headers = [MeshHeader.apiKey: "key-\(user)"]
        headers[MeshHeader.idempotencyKey] = key
        return await mesh.ingress(try Request(method: .post, path: "/api/stream", headers: headers,
                                              json: Streaming.StreamingService.StartStream(titleId: title, region: region)))
    }

    func get(_ service: String, _ path: String, as caller: String = "test") async throws -> Response {
        try await mesh.client(as: caller).get(service, path)
    }

    func fault(_ service: String, _ fault: FaultSpec) throws {
        try mesh.perform(.setFault(service: service, fault: fault), origin: "test")
    }

    /// Delivers every queued event: the bus runs until its queues are empty, then stops for good.
    func deliverEvents() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await mesh.eventBus.run() }
            await waitUntil("every queued event delivered") { mesh.eventBus.pendingCount == 0 }
            group.cancelAll()
        }
    }

    /// Runs `operation` while moving the clock on whenever something sleeps, a millisecond at a
    /// time at most: a task that has not yet started its sleep (a hop, a retry's backoff) then
    /// wakes a little late, rather than after a timeout that was due much later.
    func driven<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let finished = Flag()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                defer { finished.set() }
                return try await operation()
            }
            group.addTask { [clock] in
                while !finished.isSet {
                    for _ in 0..<20 { await Task.yield() }
                    if let next = clock.nextDeadline { clock.advance(to: min(next, clock.now.advanced(by: .milliseconds(1)))) }
                }
                return nil
            }
            var result: T?
            for try await value in group where value != nil { result = value }
            return try #require(result)
        }
    }

    /// The spans of the newest trace whose root is `operation`.
    func newestTrace(_ operation: String) throws -> [SpanRecord] {
        let summary = try #require(mesh.telemetry.traces.recent(limit: 50).first { $0.rootOperation.hasPrefix(operation) })
        return try #require(mesh.telemetry.traces.tree(hex: summary.traceId)).spans
    }
}

@Suite("Streaming services")
struct StreamingServiceTests {
    @Test("user-service serves profiles, 404 for an unknown user")
    func profiles() async throws {
        let test = Site()
        let profile = try await test.get("user-service", "/users/u4").decode(StreamingCatalog.Profile.self)
        #expect(profile == StreamingCatalog.profiles[3])
        #expect(profile.favouriteGenres.count == 2)
        let missing = try await test.get("user-service", "/users/u999")
        #expect(missing.status == 404)
        #expect(missing.errorMessage == "no user 'u999'")
    }

    @Test("content-service serves a title's metadata and the catalog, 404 for an unknown title")
    func content() async throws {
        let test = Site()
        let title = try await test.get("content-service", "/titles/t8").decode(StreamingCatalog.Title.self)
        #expect(title.id == "t8" && title.maxQuality == .uhd)
        #expect(try await test.get("content-service", "/titles/t7").decode(StreamingCatalog.Title.self).maxQuality == .sd)
        #expect(try await test.get("content-service", "/titles").decode([StreamingCatalog.Title].self).count == 40)
        let missing = try await test.get("content-service", "/titles/t999")
        #expect(missing.status == 404)
        #expect(missing.errorMessage == "no title 't999'")
    }

    @Test("billing-service answers active and lapsed subscriptions with their plan, 404 for no subscription")
    func billing() async throws {
        let test = Site()
        let active = try await test.get("billing-service", "/subscriptions/u3").decode(StreamingCatalog.Subscription.self)
        #expect(active.active && active.plan == .standard && active.reason == nil)
        let lapsed = try await test.get("billing-service", "/subscriptions/u8").decode(StreamingCatalog.Subscription.self)
        #expect(!lapsed.active)
        #expect(lapsed.reason == "the last payment was declined")
        #expect(try await test.get("billing-service", "/subscriptions/nobody").status == 404)
    }

    @Test("recommendation-service ranks the viewer's favourite genres first, honours the limit and refuses a bad one")
    func recommendations() async throws {
        let test = Site()
        let profile = StreamingCatalog.profiles[11]
        let ranked = try await test.get("recommendation-service", "/recommendations/\(profile.id)?limit=5").decode([StreamingCatalog.TitleCard].self)
        #expect(ranked.count == 5)
        #expect(ranked.allSatisfy { profile.favouriteGenres.contains($0.genre) })
        let all = try await test.get("recommendation-service", "/recommendations/\(profile.id)?limit=40").decode([StreamingCatalog.TitleCard].self)
        #expect(Set(all.map(\.id)).count == 40)
        #expect(Array(all.prefix(5)) == ranked, "the same model answers the same order")
        let bad = try await test.get("recommendation-service", "/recommendations/u1?limit=0")
        #expect(bad.status == 400)
        #expect(bad.errorMessage == "limit must be a whole number from 1 to 40 (got '0')")
        #expect(try await test.get("recommendation-service", "/recommendations/nobody").status == 404)
    }

    @Test("config-service serves the settings and takes new ones with the next revision; bad values are refused, saying which")
    func config() async throws {
        let test = Site()
        let client = test.mesh.client(as: "test")
        #expect(try await test.get("config-service", "/settings").decode(Streaming.Settings.self) == Streaming.Settings())
        var changed = Streaming.Settings()
        changed.homeRowSize = 6
        changed.revision = 99
        let stored = try await client.call("config-service", try Request(method: .put, path: "/settings", json: changed)).decode(Streaming.Settings.self)
        #expect(stored.revision == 2, "the revision is the service's to set")
        #expect(stored.homeRowSize == 6)
        changed.recommendationTimeoutMilliseconds = 0
        let refused = try await client.call("config-service", try Request(method: .put, path: "/settings", json: changed))
        #expect(refused.status == 400)
        #expect(refused.errorMessage == "recommendationTimeoutMilliseconds must be from 10 to 5000 (got 0)")
        #expect(test.site.config.current.revision == 2)
    }

    @Test("streaming-service starts a stream at the best quality plan and encoding allow, on the region's CDN, and lists it to continue watching")
    func startStream() async throws {
        let test = Site()
        // u3 is on the standard plan (1080p): a 2160p title plays at 1080p, a 480p title at 480p.
        let first = try await test.stream("t8", user: "u3", region: .apSouth)
        #expect(first.status == 201)
        let playback = try first.decode(Streaming.StreamingService.Playback.self)
        #expect(playback.quality == .hd)
        #expect(playback.cdn == "cdn-ap-south.meshtop.example")
        #expect(playback.url == "https://cdn-ap-south.meshtop.example/t8/1080p/master.m3u8?stream=\(playback.streamId)")
        #expect(try await test.stream("t7", user: "u3").decode(Streaming.StreamingService.Playback.self).quality == .sd)
        _ = try await test.stream("t8", user: "u3")

        let rows = try await test.get("streaming-service", "/continue-watching/u3").decode([Streaming.StreamingService.ContinueWatching].self)
        #expect(rows.map(\.titleId) == ["t8", "t7"], "newest first, each title once")
        #expect(try await test.get("streaming-service", "/streams/\(playback.streamId)").decode(Streaming.StreamingService.Playback.self) == playback)
        #expect(test.site.streams.statistics.started == 3)
    }

    @Test("a retried start with the same Idempotency-Key gets the same stream, not a second one")
    func idempotentStart() async throws {
        let test = Site()
        let first = try await test.stream("t2", user: "u1", key: "play-1")
        let again = try await test.stream("t2", user: "u1", key: "play-1")
        #expect(first.status == 201 && again.status == 200)
        #expect(try first.decode(Streaming.StreamingService.Playback.self) == again.decode(Streaming.StreamingService.Playback.self))
        #expect(test.site.ledger().streams.count == 1)
        #expect(test.site.streams.statistics.repeatedStarts == 1)
        // A refused start frees its key: the same key may start once the refusal is fixed.
        #expect(try await test.stream("t999", user: "u1", key: "play-2").status == 404)
        #expect(try await test.stream("t3", user: "u1", key: "play-2").status == 201)
    }

    @Test("an inactive subscription is refused with 402 and its reason; no stream starts and no view is published")
    func lapsedSubscription() async throws {
        let test = Site()
        let refused = try await test.stream("t1", user: "u16")
        #expect(refused.status == 402)
        #expect(refused.errorMessage == "subscription inactive: cancelled by the viewer; renew it to watch")
        #expect(test.site.ledger().streams.isEmpty)
        #expect(test.mesh.eventBus.pendingCount == 0)
        #expect(test.site.streams.statistics.refusedInactive == 1)
    }

    @Test("an unknown title is 404; with billing-service down a stream never starts unchecked (503)")
    func refusals() async throws {
        let test = Site()
        let unknown = try await test.stream("t999", user: "u1")
        #expect(unknown.status == 404)
        #expect(unknown.errorMessage == "no title 't999'")
        try test.fault("billing-service", .down)
        let unchecked = try await test.driven { try await test.stream("t1", user: "u1") } // retries back off on the clock
        #expect(unchecked.status == 503)
        #expect(test.site.ledger().streams.isEmpty)
        let anonymous = await test.mesh.ingress(try Request(method: .post, path: "/api/stream", json: Streaming.StreamingService.StartStream(titleId: "t1", region: .euWest)))
        #expect(anonymous.status == 401)
    }

    @Test("analytics records a view once per stream id: the same event twice, or a second event for the stream, count once")
    func analyticsExactlyOnce() async throws {
        let test = Site()
        #expect(try await test.stream("t5", user: "u1").status == 201)
        let view = try #require(test.site.ledger().streams.first)
        let event = StreamStartedFixture.event(streamId: view.key, titleId: "t5")
        let envelope = try test.mesh.eventBus.publish("replays", type: "stream.started", data: event, source: "test")
        let bus = test.mesh.client(as: "event-bus")
        #expect(try await bus.post("analytics-service", "/events", json: envelope).status == 202)
        #expect(try await bus.post("analytics-service", "/events", json: envelope).status == 202)
        await test.deliverEvents() // streaming-service's own event for the same stream
        let (recorded, perTitle) = test.site.analytics.ledgerViews()
        #expect(recorded == [view.key: "t5"])
        #expect(perTitle == ["t5": 1])
        #expect(test.site.analytics.statistics.viewsRecorded == 1)
        #expect(test.site.analytics.statistics.duplicatesIgnored == 2)
        let wrongType = try test.mesh.eventBus.publish("replays", type: "order.confirmed", data: event, source: "test")
        #expect(try await bus.post("analytics-service", "/events", json: wrongType).status == 400)
    }

    @Test("analytics ranks trending titles by views in the last minute and keeps each title's series")
    func trending() async throws {
        let test = Site()
        for (title, count) in [("t4", 3), ("t9", 1), ("t2", 3)] {
            for _ in 0..<count { #expect(try await test.stream(title, user: "u1").status == 201) }
        }
        await test.deliverEvents()
        let ranked = try await test.get("analytics-service", "/trending?limit=2").decode([StreamingCatalog.TitleCard].self)
        #expect(ranked.map(\.id) == ["t2", "t4"], "most viewed first, ties in catalog order")
        let series = try await test.get("analytics-service", "/views/t4").decode([Int].self)
        #expect(series.count == 60 && series.last == 3 && series.reduce(0, +) == 3)
        test.clock.advance(by: .seconds(61))
        #expect(try await test.get("analytics-service", "/trending?limit=5").decode([StreamingCatalog.TitleCard].self).isEmpty, "a minute later nothing is trending")
        #expect(test.site.analytics.ledgerViews().viewsPerTitle == ["t4": 3, "t9": 1, "t2": 3], "the totals stay")
    }

    @Test("the traffic's requests: each kind maps to its gateway route, the same index gives the same request")
    func trafficRequests() throws {
        let site = Site().site
        #expect(site.request(for: .home, index: 0).path.hasPrefix("/api/home/u"))
        #expect(site.request(for: .viewTitle, index: 1).path.hasPrefix("/api/titles/t"))
        #expect(site.request(for: .viewUnknownTitle, index: 2).path == "/api/titles/t999")
        let start = site.request(for: .startStream, index: 3)
        #expect(start.method == .post && start.path == "/api/stream" && start.headers[MeshHeader.idempotencyKey] == "play-3")
        let lapsed = site.request(for: .startStreamLapsed, index: 4)
        let user = String(try #require(lapsed.headers[MeshHeader.apiKey]).dropFirst(4))
        #expect(StreamingCatalog.lapsedViewers.contains(user))
        #expect(try site.request(for: .startStreamUnknownTitle, index: 5).decode(Streaming.StreamingService.StartStream.self).titleId == "t999")
        #expect(site.request(for: .home, index: 6) == site.request(for: .home, index: 6))
        #expect(Set(TrafficMix.streaming.kinds) == Set(RequestKind.streaming))
    }
}

@Suite("Streaming: the home page")
struct StreamingHomeTests {
    @Test("a home page has the profile, recommendations and continue-watching; another viewer's page is 403, an unknown viewer's 404")
    func homePage() async throws {
        let test = Site()
        _ = try await test.stream("t6", user: "u5")
        let response = await test.home("u5")
        #expect(response.status == 200)
        let page = try response.decode(Streaming.HomeService.HomePage.self)
        #expect(page.greeting == "Welcome back, Viewer 5")
        #expect(page.rows.map(\.kind) == [.recommended])
        #expect(page.rows[0].titles.count == 10)
        #expect(page.continueWatching.map(\.titleId) == ["t6"])
        #expect(page.fallback == nil)
        #expect(await test.home("u5", as: "u6").status == 403)
        let ghost = try await test.mesh.client(as: "gateway").get("home-service", "/home/ghost")
        #expect(ghost.status == 404)
        #expect(test.site.home.statistics.served == 1)
    }

    @Test("the three reads run in parallel: three child spans of `compose home` that overlap in time")
    func parallelFanOut() async throws {
        let test = Site()
        // Each read takes 50 ms: one after another they would take 150 ms and only touch.
        for service in ["user-service", "recommendation-service", "streaming-service"] { try test.fault(service, .latency(milliseconds: 50)) }
        let response = try await test.driven { await test.home("u7") }
        #expect(response.status == 200)
        let spans = try test.newestTrace("GET /api/home")
        let compose = try #require(spans.first { $0.operation == "compose home" })
        #expect(spans.first { $0.spanId == compose.parentSpanId }?.operation == "GET /home/:user")
        let reads = spans.filter { $0.parentSpanId == compose.spanId && $0.kind == .client }
        #expect(Set(reads.map(\.operation)) == ["GET user-service", "GET recommendation-service", "GET streaming-service"])
        for read in reads {
            #expect(read.durationMs >= 50)
            for other in reads where other.spanId != read.spanId {
                // Overlap: each began before the other ended. Run one after another, they would only touch.
                #expect(read.startOffsetMs < other.startOffsetMs + other.durationMs, "\(read.operation) and \(other.operation)")
            }
        }
    }

    @Test("recommendation-service down: the page falls back to trending, still 200, says so in its body and span, and is counted")
    func fallbackWhenDown() async throws {
        let test = Site()
        for _ in 0..<3 { _ = try await test.stream("t11", user: "u1") }
        await test.deliverEvents()
        try test.fault("recommendation-service", .down)
        let response = await test.home("u2")
        #expect(response.status == 200)
        let page = try response.decode(Streaming.HomeService.HomePage.self)
        #expect(page.fallback == "trending")
        #expect(page.fallbackReason == "unavailable")
        #expect(page.rows.map(\.kind) == [.trending])
        #expect(page.rows[0].titles.first?.id == "t11", "live figures first")
        #expect(page.rows[0].titles.count == 10, "topped up from the editors' ranking")
        let compose = try #require(try test.newestTrace("GET /api/home").first { $0.operation == "compose home" })
        #expect(compose.attributes["fallback"] == "trending")
        #expect(compose.attributes["fallback.reason"] == "unavailable")
        #expect(compose.attributes["trending.source"] == "analytics")
        let stats = test.site.home.statistics
        #expect(stats.served == 1 && stats.fallbacks == 1 && stats.trendingFromAnalytics == 1)
        #expect(test.site.domainFigures().count("fallbacks") == 1)
        #expect(StreamingInvariantChecker.check(test.site.ledger()).isEmpty)
    }

    @Test("recommendations slower than the configured timeout: the page falls back (timeout); a longer timeout from config-service waits for them")
    func fallbackOnTimeout() async throws {
        let test = Site()
        try test.fault("recommendation-service", .latency(milliseconds: 300))
        let slow = try await test.driven { await test.home("u2") }
        #expect(try slow.decode(Streaming.HomeService.HomePage.self).fallbackReason == "timeout")

        var patient = Streaming.Settings()
        patient.recommendationTimeoutMilliseconds = 500
        _ = try await test.mesh.client(as: "test").call("config-service", try Request(method: .put, path: "/settings", json: patient))
        await test.site.refreshSettings()
        #expect(test.mesh.controlPlane.policy(caller: "home-service", target: "recommendation-service").timeout == .milliseconds(500))
        let waited = try await test.driven { await test.home("u2") }
        #expect(try waited.decode(Streaming.HomeService.HomePage.self).fallback == nil)
        #expect(test.site.domainFigures().count("settingsRefreshes") == 2)
    }

    @Test("the breaker to recommendations open: trending from the editors' ranking when the flag turns analytics off")
    func fallbackWhenBreakerOpenWithoutAnalytics() async throws {
        var settings = Streaming.Settings()
        settings.trendingFromAnalytics = false
        settings.homeRowSize = 4
        let test = Site(settings: settings)
        await test.site.refreshSettings()
        #expect(await test.home("u3").status == 200) // the breaker exists once a call went through it
        try test.mesh.perform(.tripBreaker(id: Streaming.recommendationBreakerID, forSeconds: nil), origin: "test")
        let page = try await test.home("u3").decode(Streaming.HomeService.HomePage.self)
        #expect(page.fallbackReason == "breakerOpen")
        #expect(page.rows[0].titles == Array(StreamingCatalog.staticTrending.prefix(4)))
        #expect(test.site.home.statistics.trendingFromAnalytics == 0)
        test.mesh.telemetry.metricsStore.tick()
        #expect(test.mesh.telemetry.metricsStore.total(.init(label: "requests_total", matching: ["service": "analytics-service"])) == 0, "no call for live figures")
    }
}

@Suite("Streaming: invariants")
struct StreamingInvariantTests {
    /// A small honest run: pages, streams (one refused), views delivered.
    private func settledSite() async throws -> Site {
        let test = Site()
        for user in ["u1", "u2", "u3"] { #expect(await test.home(user).status == 200) }
        #expect(try await test.stream("t4", user: "u1").status == 201)
        #expect(try await test.stream("t5", user: "u2").status == 201)
        #expect(try await test.stream("t5", user: "u8").status == 402)
        await test.deliverEvents()
        #expect(StreamingInvariantChecker.check(test.site.ledger()).isEmpty)
        return test
    }

    @Test("a home page with neither recommendations nor a fallback, and a fallback left uncounted, are caught")
    func homePageShowsTitles() async throws {
        var ledger = try await settledSite().site.ledger()
        ledger.homePages.append(StreamingLedger.HomePage(user: "u9", recommended: 0, trending: 0, fallback: false))
        ledger.homePages.append(StreamingLedger.HomePage(user: "u10", recommended: 0, trending: 10, fallback: true))
        let violations = StreamingInvariantChecker.check(ledger)
        #expect(violations.map(\.invariant) == [.homePageShowsTitles, .homePageShowsTitles])
        #expect(violations[0].message == "home page 4 for u9 had neither recommendations nor a trending fallback")
        #expect(violations[1].message == "1 home pages fell back to trending, but home-service counted 0")
    }

    @Test("a stream for a lapsed subscription is caught")
    func streamHasActiveSubscription() async throws {
        var ledger = try await settledSite().site.ledger()
        ledger.streams["s-99"] = StreamingLedger.Stream(userId: "u8", titleId: "t1", quality: .sd)
        ledger.views["s-99"] = "t1"
        ledger.viewsPerTitle["t1", default: 0] += 1
        let violations = StreamingInvariantChecker.check(ledger)
        #expect(violations.map(\.invariant) == [.streamHasActiveSubscription])
        #expect(violations.first?.message == "stream s-99 started for u8, whose subscription is inactive")
    }

    @Test("a stream above its plan's quality or its title's encoding is caught")
    func streamWithinPlanQuality() async throws {
        var ledger = try await settledSite().site.ledger()
        // u1 is on the basic plan (480p); t7 is encoded only in 480p.
        ledger.streams["s-98"] = StreamingLedger.Stream(userId: "u1", titleId: "t8", quality: .uhd)
        ledger.streams["s-99"] = StreamingLedger.Stream(userId: "u5", titleId: "t7", quality: .hd)
        for id in ["s-98", "s-99"] { ledger.views[id] = ledger.streams[id]!.titleId }
        ledger.viewsPerTitle["t8", default: 0] += 1
        ledger.viewsPerTitle["t7", default: 0] += 1
        let violations = StreamingInvariantChecker.check(ledger)
        #expect(violations.map(\.invariant) == [.streamWithinPlanQuality, .streamWithinPlanQuality])
        #expect(violations.map(\.message) == ["stream s-98 plays at 2160p, above the basic plan's 480p",
                                              "stream s-99 plays at 1080p, above title t7's best encoding, 480p"])
    }

    @Test("a stream without its view, a view without its stream, and a view counted twice are caught")
    func viewRecordedOnce() async throws {
        let test = try await settledSite()
        // A view of a stream that never started, planted in analytics itself.
        let envelope = try test.mesh.eventBus.publish("replays", type: "stream.started", data: StreamStartedFixture.event(streamId: "s-ghost", titleId: "t3"), source: "test")
        _ = try await test.mesh.client(as: "event-bus").post("analytics-service", "/events", json: envelope)
        var ledger = test.site.ledger()
        #expect(StreamingInvariantChecker.check(ledger).map(\.message) == ["analytics recorded a view of stream s-ghost, which never started"])
        ledger.views["s-ghost"] = nil
        ledger.viewsPerTitle["t3"] = nil
        ledger.views["s-1"] = nil
        ledger.viewsPerTitle["t5", default: 0] += 1
        let violations = StreamingInvariantChecker.check(ledger)
        #expect(violations.map(\.invariant) == [.viewRecordedOnce, .viewRecordedOnce, .viewRecordedOnce])
        #expect(violations.map(\.message) == [
            "stream s-1 started but analytics recorded no view of it",
            "analytics counts 1 views of title t4 but recorded 0 streams of it",
            "analytics counts 2 views of title t5 but recorded 1 streams of it",
        ])
    }
}

/// Views as streaming-service publishes them, for tests that deliver them by hand.
enum StreamStartedFixture {
    static func event(streamId: String, titleId: String) -> Streaming.StreamStarted {
        let title = StreamingCatalog.titles.first { $0.id == titleId }!
        return Streaming.StreamStarted(streamId: streamId, userId: "u1", titleId: titleId, titleName: title.name, genre: title.genre,
                                       quality: .sd, region: .euWest, startedAtSeconds: 0)
    }
}
