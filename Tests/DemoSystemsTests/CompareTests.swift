import DemoSystems
import Foundation
import Telemetry
import Testing

@Suite("Components: what a fault names in every system")
struct ComponentTests {
    @Test("derived from service names: a trailing -service is dropped, other names stand for themselves")
    func derived() {
        #expect(SystemProfile.componentName(ofService: "payment-service") == "payment")
        #expect(SystemProfile.componentName(ofService: "gateway") == "gateway")
        #expect(SystemProfile.componentName(ofService: "-service") == "-service")
        let storefront = Storefront.profile
        #expect(storefront.components.map(\.name) == ["gateway", "user", "product", "inventory", "payment", "order", "notification"])
        #expect(storefront.target(ofComponent: "payment") == "payment-service")
        #expect(storefront.target(ofComponent: "shop") == nil)
    }

    @Test("a system written without a mapping gets one; written targets replace derived ones and add new ones")
    func defaultsAndOverrides() {
        let plain = SystemProfile(name: "market", summary: "", services: ["gateway", "listing-service", "bid-service"], invariants: [])
        #expect(plain.components == [.init(name: "gateway", target: "gateway"), .init(name: "listing", target: "listing-service"), .init(name: "bid", target: "bid-service")])
        var written = plain
        written.componentTargets = ["bid": "bid-engine", "search": "listing-service"]
        #expect(written.components.map(\.target) == ["gateway", "listing-service", "bid-engine", "listing-service"])
        #expect(written.target(ofComponent: "search") == "listing-service")
    }

    @Test("every system in the catalog has components, each naming one of its fault targets")
    func everySystem() {
        for system in DemoSystemCatalog.all {
            let profile = system.profile
            #expect(!profile.components.isEmpty)
            for component in profile.components { #expect(profile.faultTargets.contains(component.target), "\(profile.name): \(component.name)") }
        }
    }
}

@Suite("meshtop compare: options and the fault mapping")
struct CompareOptionsTests {
    @Test("a fault on a component lands on what each side calls it, with the same rate, duration and seed")
    func mapping() throws {
        let options = try CompareOptions(validating: CompareArguments(systems: ["monolith", "storefront"], duration: "30s", rps: "500", seed: "9",
                                                                      faults: ["payment=errors:0.5"]))
        #expect(options.systems == ["monolith", "storefront"])
        #expect(options.mappedFaults == [MappedFault(at: .zero, component: "payment", fault: .errors(ratio: 0.5, status: 503),
                                                     targets: [.init(system: "monolith", target: "payment-module"), .init(system: "storefront", target: "payment-service")])])
        let plans = options.sidePlans
        #expect(plans.map(\.system) == ["monolith", "storefront"])
        #expect(plans.allSatisfy { $0.duration == .seconds(30) && $0.rps == 500 && $0.seed == 9 })
        #expect(plans.map { $0.faults.map(\.service) } == [["payment-module"], ["payment-service"]])
    }

    @Test("a component only one side has is applied there alone, and marked")
    func oneSided() throws {
        let options = try CompareOptions(validating: CompareArguments(systems: ["monolith", "storefront"], faults: ["shop=down", "notification=errors:1"]))
        let mapped = options.mappedFaults
        #expect(mapped.map(\.isOneSided) == [true, false])
        #expect(options.sidePlans.map { $0.faults.map(\.service) } == [["shop", "notification-module"], ["notification-service"]])
    }

    @Test("defaults: 10 s at 200 req/s, seed 42, no faults")
    func defaults() throws {
        let options = try CompareOptions(validating: CompareArguments(systems: ["storefront", "monolith"]))
        #expect(options == CompareOptions(systems: ["storefront", "monolith"]))
    }

    @Test("bad input names what was wrong and what exists", arguments: [
        (CompareArguments(systems: ["monolith", "bank"]), "SYSTEMS", #"unknown system "bank"; expected one of "# + DemoSystemCatalog.names.joined(separator: ", ")),
        (CompareArguments(systems: ["monolith", "monolith"]), "SYSTEMS", "monolith is named twice; expected two different systems"),
        (CompareArguments(systems: ["monolith"]), "SYSTEMS", "expected two systems to compare, got 1"),
        (CompareArguments(systems: ["monolith", "storefront"], faults: ["paymnt=errors:0.5"]), "--fault",
         #"invalid fault "paymnt=errors:0.5": neither monolith nor storefront has a component "paymnt"; expected COMPONENT=KIND[:VALUE] with COMPONENT one of gateway, shop, inventory, notification, order, payment, product, user"#),
        (CompareArguments(systems: ["monolith", "storefront"], faults: ["payment=errors:2"]), "--fault", #"invalid fault "payment=errors:2""#),
        (CompareArguments(systems: ["monolith", "storefront"], faults: ["payment=down", "payment=none"]), "--fault", "payment is given more than once"),
        (CompareArguments(systems: ["monolith", "storefront"], rps: "-1"), "--rps", #"invalid rate "-1""#),
    ])
    func badInput(arguments: CompareArguments, option: String, message: String) {
        #expect {
            try CompareOptions(validating: arguments)
        } throws: { error in
            guard let error = error as? CompareOptionsError else { return false }
            return error.option == option && error.message.contains(message)
        }
    }

    @Test("a fault's error lists each side's components")
    func componentHint() throws {
        let error = try #require(throws: CompareOptionsError.self) {
            try CompareOptions(validating: CompareArguments(systems: ["monolith", "storefront"], faults: ["billing=down"]))
        }
        #expect(error.message.hasSuffix("(monolith has gateway, shop, inventory, notification, order, payment, product, user; "
            + "storefront has gateway, user, product, inventory, payment, order, notification)"))
    }

    @Test("a scenario's faults name components, checked against both sides")
    func scenario() throws {
        let scenario = Scenario(name: "s", rps: 300, duration: .seconds(20), faults: [ScheduledFault(at: .seconds(5), service: "payment", fault: .errors(ratio: 0.5, status: 503))])
        let options = try CompareOptions(validating: CompareArguments(systems: ["monolith", "storefront"], scenario: "s.json"), loadScenario: { _ in scenario })
        #expect(options.rps == 300 && options.duration == .seconds(20))
        #expect(options.sidePlans.map { $0.faults.map(\.at) } == [[.seconds(5)], [.seconds(5)]])
        var bad = scenario
        bad.faults[0].service = "payment-service"
        #expect(throws: CompareOptionsError.self) {
            try CompareOptions(validating: CompareArguments(systems: ["monolith", "storefront"], scenario: "s.json"), loadScenario: { _ in bad })
        }
    }

    @Test("the shipped comparison scenarios name components both systems have", arguments: ["payment-failure.json", "payment-crash.json", "notifications-down.json"])
    func shippedScenarios(file: String) throws {
        let path = repositoryRoot + "/demo/compare/" + file
        let options = try CompareOptions(validating: CompareArguments(systems: ["monolith", "storefront"], scenario: path))
        #expect(!options.faults.isEmpty)
        #expect(options.mappedFaults.allSatisfy { !$0.isOneSided })
    }

    @Test("a side's plan survives the trip to the child process")
    func planRoundTrip() throws {
        let plan = CompareSidePlan(system: "storefront", duration: .milliseconds(1500), rps: 250, seed: 3,
                                   faults: [ScheduledFault(at: .seconds(2), service: "payment-service", fault: .latency(milliseconds: 300))])
        #expect(try CompareSidePlan.decode(try plan.jsonString()) == plan)
        #expect(throws: CompareOptionsError.self) { try CompareSidePlan.decode(#"{"system":"bank","duration":"1s","rps":1,"seed":1,"faults":[]}"#) }
    }
}

@Suite("meshtop compare: the table and the JSON")
struct ComparisonRenderingTests {
    static func side(_ system: String, p50: Double, cpu: Double, order: RouteOutcomes, domain: DomainFigures) -> CompareSideResult {
        let gateway = HeadlessReport.Service(name: "gateway", requests: 1000, rps: 100, errorRatio: 0, p50Ms: p50, p95Ms: p50 * 4, p99Ms: p50 * 8, health: "up")
        var report = HeadlessReport(system: system, durationSeconds: 10, services: [gateway], breakers: [], orders: nil,
                                    invariants: .init(ok: true, violations: []), traces: .init(kept: 0, dropped: 0))
        report.domain = domain
        return CompareSideResult(system: system, report: report,
                                 traffic: .init(sent: 1000, targetRPS: 100, achievedRPS: 100, sendingSeconds: 10, maxLagMs: 1, lateSends: 0),
                                 routes: [RouteOutcomes(route: "browse", requests: 600, ok: 600), order],
                                 resources: .init(cpuSeconds: cpu, peakRSSBytes: 40 * 1_048_576))
    }

    static let comparison: Comparison = {
        let options = try! CompareOptions(validating: CompareArguments(systems: ["monolith", "storefront"], rps: "100", faults: ["payment=errors:0.5", "shop=latency:5ms"]))
        return Comparison(options: options, sides: [
            side("monolith", p50: 5, cpu: 1, order: RouteOutcomes(route: "placeOrder", requests: 400, ok: 200, failed: 200),
                 domain: DomainFigures(["ordersCancelled": .count(200), "ordersConfirmed": .count(200)])),
            side("storefront", p50: 6, cpu: 2, order: RouteOutcomes(route: "placeOrder", requests: 400, ok: 40, queued: 350, rejected: 10),
                 domain: DomainFigures(["ordersCancelled": .count(10), "ordersConfirmed": .count(390), "paymentsQueued": .count(350)])),
        ])
    }()

    @Test("the table: faults and where they landed, one column per side with ratios, the blast radius per request kind")
    func table() {
        let text = Self.comparison.renderText()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "compare monolith vs storefront: 10s at 100 req/s each, seed 42, one after the other")
        #expect(lines[1] == "fault: payment=errors:0.5 -> monolith: payment-module; storefront: payment-service")
        #expect(lines[2] == "fault: shop=latency:5ms -> monolith: shop; storefront: no shop, not applied  (*)")
        #expect(lines[3] == "(*) applied on one side only: the other system has no such component")
        #expect(text.contains("""

                                              monolith  storefront  storefront / monolith
            THROUGHPUT
              offered req/s                      100.0       100.0
              sent req/s                         100.0       100.0
              answered 2xx req/s                  80.0        99.0
            LATENCY AT THE EDGE
              p50                                5.0ms       6.0ms                  1.20x
              p95                                 20ms        24ms                  1.20x
              p99                                 40ms        48ms                  1.20x
            ERRORS
              failed (5xx)                       20.0%        0.0%
            ORDERS
              orders confirmed                     200         390
              orders cancelled                     200          10
              payments queued                        -         350
            COST (each side its own process)
              CPU s per 1,000 req                1.000       2.000                  2.00x
              peak RSS                        40.0 MiB    40.0 MiB                  1.00x
              peak RSS per 1,000 req          40.0 MiB    40.0 MiB
            INVARIANTS
              all hold                              ok          ok

            BLAST RADIUS: what clients saw, per request kind (FAILED 5xx or no answer, REJECTED 4xx, QUEUED 202)
            KIND        monolith FAILED  REJECTED  QUEUED  storefront FAILED  REJECTED  QUEUED
            browse                 0.0%      0.0%    0.0%               0.0%      0.0%    0.0%
            placeOrder            50.0%      0.0%    0.0%               0.0%      2.5%   87.5%

            """))
        #expect(text.hasSuffix("\n"))
    }

    @Test("the JSON has both sides, the mapping and the ratios, and reads back")
    func json() throws {
        let text = try Self.comparison.jsonString()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["systems"] as? [String] == ["monolith", "storefront"])
        let ratios = try #require(object["ratios"] as? [String: Any])
        #expect(ratios["cpuPerRequest"] as? Double == 2)
        #expect(ratios["p50"] as? Double == 1.2)
        let faults = try #require(object["faults"] as? [[String: Any]])
        #expect(faults[1]["component"] as? String == "shop")
        #expect((faults[1]["targets"] as? [[String: Any]])?[1]["target"] is NSNull)
        #expect(try JSONDecoder().decode(Comparison.self, from: Data(text.utf8)) == Self.comparison)
        #expect(Self.comparison.exitStatus == 0)
    }

    @Test("a side result reads back from a child's line")
    func sideRoundTrip() throws {
        let side = Self.comparison.sides[1]
        #expect(try CompareSideResult.decode(Array(side.jsonString().utf8)) == side)
    }
}
