import DemoSystems
import ServiceMesh
import Telemetry
import Testing

/// The marketplace as a catalog entry and run whole on a manual clock (traffic, background work,
/// settling), and its shipped scenarios played to check they show what their descriptions promise.
@Suite("Marketplace: deployment, whole runs and shipped scenarios")
struct MarketplaceRunTests {
    private static func run(rps: Double, duration: Duration, faults: [ScheduledFault] = [], seed: UInt64 = 7) throws -> ManualRun {
        try ManualRun(rps: rps, duration: duration, faults: faults, seed: seed) { clock, seed, time in
            Marketplace(clock: clock, seed: seed, workScale: 0, networkLatency: .zero, time: time)
        }
    }

    private func play(_ file: String) async throws -> (HeadlessReport, ManualRun) {
        let scenario = try Scenario.load(path: repositoryRoot + "/demo/marketplace/" + file, knownServices: Marketplace.profile.faultTargets)
        let test = try Self.run(rps: min(scenario.rps, 40), duration: scenario.duration, faults: scenario.faults, seed: scenario.seed ?? 42)
        let report = try #require(try await test.runToEnd()).report
        return (report, test)
    }

    @Test("the catalog has the marketplace, deployed as its profile says: sixteen services, the gateway first")
    func deploymentMatchesProfile() throws {
        #expect(try DemoSystemCatalog.system(named: "marketplace") == Marketplace.self)
        let profile = Marketplace.profile
        #expect(profile.services.count == 16 && profile.services.first == "gateway")
        let shop = Marketplace(clock: ManualClock(), seed: 1, workScale: 0)
        #expect(shop.mesh.name == "marketplace")
        #expect(shop.mesh.serviceNames == profile.services.sorted())
        for service in profile.services {
            #expect(shop.mesh.instanceIDs.filter { $0.hasPrefix(service + "-") && Int($0.dropFirst(service.count + 1)) != nil }.count == profile.instanceCount(of: service), "\(service)")
        }
        #expect(Set(shop.trafficMix.kinds) == Set(RequestKind.marketplace))
        #expect(profile.invariants == Invariant.marketplace)
    }

    @Test("a run settles with its invariants holding, every service at work, orders shipped and replays answered once")
    func wholeRun() async throws {
        let test = try Self.run(rps: 60, duration: .seconds(5))
        let report = try #require(try await test.runToEnd()).report
        #expect(report.system == "marketplace")
        #expect(report.invariants.ok, "\(report.invariants.violations)")
        for service in Marketplace.profile.services {
            #expect(report.services.first { $0.name == service }?.requests ?? 0 > 0, "\(service) handled requests")
        }
        let figures = report.domain
        for name in ["ordersConfirmed", "ordersShipped", "ordersTrackable", "idempotentReplays", "quotes", "promotionsApplied", "productPages",
                     "searches", "listingsIndexed", "trackingLookups", "cartAdds", "tokensRefused"] {
            #expect(figures.count(name) > 0, "\(name)")
        }
        #expect(figures.count("ordersShipped") == figures.count("ordersConfirmed") - figures.count("ordersEndedUnfulfilled"))
        #expect(figures.count("cartsCheckedOut") == figures.count("ordersConfirmed"))
        #expect(figures.count("sagasStuck") == 0)
    }

    @Test("two runs with one seed report the same figures")
    func deterministicFigures() async throws {
        let first = try #require(try await Self.run(rps: 40, duration: .seconds(2), seed: 3).runToEnd()).report.domain
        let second = try #require(try await Self.run(rps: 40, duration: .seconds(2), seed: 3).runToEnd()).report.domain
        #expect(first.count("orderRequests") == second.count("orderRequests"))
        #expect(first.count("cartAdds") == second.count("cartAdds"))
    }

    @Test("inventory-failing: reservations fail after payment and the saga refunds and cancels; invariants hold")
    func inventoryFailing() async throws {
        let (report, _) = try await play("inventory-failing.json")
        #expect(report.domain.count("compensations") > 0)
        #expect(report.domain.count("refunds") > 0)
        #expect(report.domain.count("ordersConfirmed") > 0)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }

    @Test("search-outage: searches fail, orders carry on, listing events dead-letter and the index catches up when they are replayed")
    func searchOutage() async throws {
        let (report, test) = try await play("search-outage.json")
        let store = test.run.mesh.telemetry.metricsStore
        let searchFailures = store.total(.init(label: "requests_total", matching: ["service": "gateway", "status": "503"]))
        #expect(searchFailures > 0)
        #expect(report.domain.count("ordersConfirmed") > 0)
        #expect(store.total(.init(label: "events_dead_lettered_total", matching: ["subscriber": "search-service"])) > 0)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }

    @Test("promotion-ends: orders quoted during a promotion and paid after it keep the quoted price")
    func promotionEnds() async throws {
        let (report, _) = try await play("promotion-ends.json")
        #expect(report.domain.count("promotionsApplied") > 0)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }
}
