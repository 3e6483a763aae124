import DemoSystems
import Telemetry
import Testing

/// The streaming site run whole on a manual clock (traffic, background work, settling), and its
/// shipped scenarios played to check they show what their descriptions promise.
@Suite("Streaming: whole runs and shipped scenarios")
struct StreamingRunTests {
    private static func run(rps: Double, duration: Duration, faults: [ScheduledFault] = [], seed: UInt64 = 7) throws -> ManualRun {
        try ManualRun(rps: rps, duration: duration, faults: faults, seed: seed) { clock, seed, time in
            Streaming(clock: clock, seed: seed, workScale: 0, networkLatency: .zero, time: time)
        }
    }

    private func play(_ file: String) async throws -> (HeadlessReport, ManualRun) {
        let scenario = try Scenario.load(path: repositoryRoot + "/demo/streaming/" + file, knownServices: Streaming.profile.services)
        // The scenario's timeline at a lower rate: what it shows depends on its faults, and a
        // fifth of the requests keeps the test to seconds in a debug build.
        let test = try Self.run(rps: min(scenario.rps, 40), duration: scenario.duration, faults: scenario.faults, seed: scenario.seed ?? 42)
        let report = try #require(try await test.runToEnd()).report
        return (report, test)
    }

    private func calls(_ report: HeadlessReport, _ caller: String, _ target: String) throws -> HeadlessReport.Calls {
        try #require(report.calls.first { $0.caller == caller && $0.target == target })
    }

    /// Requests `service` answered with a status other than 200.
    private func non200(_ test: ManualRun, _ service: String) -> Double {
        let store = test.run.mesh.telemetry.metricsStore
        return store.total(.init(label: "requests_total", matching: ["service": service]))
            - store.total(.init(label: "requests_total", matching: ["service": service, "status": "200"]))
    }

    @Test("a run settles with its invariants holding, every service at work, and the site's figures counted")
    func wholeRun() async throws {
        let test = try Self.run(rps: 50, duration: .seconds(4))
        let report = try #require(try await test.runToEnd()).report
        #expect(report.system == "streaming")
        #expect(report.invariants.ok, "\(report.invariants.violations)")
        for service in Streaming.profile.services {
            #expect(report.services.first { $0.name == service }?.requests ?? 0 > 0, "\(service) handled requests")
        }
        let figures = report.domain
        for name in ["homepages", "streamsStarted", "streamsRefused", "streamsOfUnknownTitles", "viewsRecorded", "settingsRefreshes"] {
            #expect(figures.count(name) > 0, "\(name)")
        }
        #expect(figures.count("viewsRecorded") == figures.count("streamsStarted"))
        #expect(try calls(report, "gateway", "home-service").calls == figures.count("homepages"))
        #expect(report.orders == nil)
    }

    @Test("recommendation-outage: home pages fall back to trending and stay 200; the breaker opens and closes again")
    func recommendationOutage() async throws {
        let (report, test) = try await play("recommendation-outage.json")
        #expect(report.domain.count("fallbacks") > 0)
        #expect(report.domain.count("trendingFromAnalytics") > 0)
        #expect(report.domain.count("fallbacks") < report.domain.count("homepages"), "pages before and after the outage had recommendations")
        #expect(non200(test, "home-service") == 0, "every home page answered 200")
        let breaker = try #require(report.breakers.first { $0.id == Streaming.recommendationBreakerID })
        #expect(breaker.transitions.contains { $0.to == .open })
        #expect(breaker.transitions.last?.to == .closed)
        #expect(try calls(report, "home-service", "recommendation-service").rejected > 0, "the open breaker spared the calls")
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }

    @Test("slow-content: metadata reads time out and are retried, the breakers open so starts fail fast, home pages are untouched, and they close again")
    func slowContent() async throws {
        let (report, test) = try await play("slow-content.json")
        let metadata = try calls(report, "streaming-service", "content-service")
        #expect(metadata.timeouts > 0)
        #expect(metadata.retries > 0)
        let breaker = try #require(report.breakers.first { $0.id == Streaming.contentBreakerID })
        #expect(breaker.transitions.contains { $0.to == .open })
        #expect(breaker.transitions.last?.to == .closed)
        #expect(try calls(report, "gateway", "streaming-service").rejected > 0)
        #expect(non200(test, "home-service") == 0)
        let recommendations = try #require(report.breakers.first { $0.id == Streaming.recommendationBreakerID })
        #expect(!recommendations.transitions.contains { $0.to == .open }, "home pages kept their recommendations")
        #expect(report.domain.count("streamsStarted") > 0)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }
}
