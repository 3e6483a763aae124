import Foundation // JSONSerialization, to look at the JSON as a reader without our types would
import DemoSystems
import Telemetry
import Testing

@Suite struct HeadlessReportTests {
    static let snapshot = SystemSnapshot(
        system: "storefront",
        takenAt: 1_700_000_000,
        uptimeSeconds: 10,
        windowSeconds: 10,
        totals: Totals(rps: 200, storedTraces: 1000),
        services: [
            ServiceStatus(name: "gateway", health: .up, rps: 199, errorRatio: 0.018, latency: LatencySummary(count: 2000, p50Ms: 12.4, p95Ms: 41, p99Ms: 84.2, maxMs: 120), requestsTotal: 2000),
            ServiceStatus(name: "payment-service", health: Health(.degraded, reason: "error ratio 42%"), rps: 41, errorRatio: 0.42, latency: LatencySummary(count: 412, p50Ms: 3.25, p95Ms: 250, p99Ms: 1234, maxMs: 1500), requestsTotal: 412),
            ServiceStatus(name: "notification-service", health: Health(.down, reason: "refusing connections"), requestsTotal: 0),
        ],
        breakers: [
            BreakerStatus(id: "order-service->payment-service", state: .halfOpen, transitions: [
                BreakerTransitionRecord(from: .closed, to: .open, atSeconds: 3.2, reason: "failure rate 62% ≥ 50% over last 100 calls"),
                BreakerTransitionRecord(from: .open, to: .halfOpen, atSeconds: 8.2, reason: "open for 5s"),
            ]),
            BreakerStatus(id: "order-service->inventory-service", state: .closed),
        ],
        dropped: DroppedCounts(traces: 2345)
    )

    static let orders = HeadlessReport.Orders(placed: 400, confirmed: 350, cancelled: 40, pending: 0, compensations: 40, paymentsQueued: 10)

    @Test func buildsFromTheSnapshotOrdersAndViolations() {
        let report = HeadlessReport(snapshot: Self.snapshot, durationSeconds: 10, orders: Self.orders, violations: [])
        #expect(report.system == "storefront")
        #expect(report.services.map(\.name) == ["gateway", "payment-service", "notification-service"])
        #expect(report.services[0] == HeadlessReport.Service(name: "gateway", requests: 2000, rps: 200, errorRatio: 0.018, p50Ms: 12.4, p95Ms: 41, p99Ms: 84.2, health: "up"))
        #expect(report.services[2].p50Ms == nil)
        #expect(report.breakers[0].transitions.count == 2)
        #expect(report.traces == HeadlessReport.Traces(kept: 1000, dropped: 2345))
        #expect(report.invariants.ok)
        #expect(report.exitStatus == 0)

        let violated = HeadlessReport(snapshot: Self.snapshot, durationSeconds: 10, orders: Self.orders, violations: [Violation(invariant: .nothingPending, subject: "order o-3", message: "order o-3 is still pending after the run drained")])
        #expect(!violated.invariants.ok)
        #expect(violated.exitStatus == 1)
    }

    @Test func domainFiguresAreOneObjectInTheirOwnOrderAndOrdersAreLeftOutWithoutThem() throws {
        var report = HeadlessReport(snapshot: Self.snapshot, durationSeconds: 10,
                                    domain: DomainFigures(["homepages": .count(1200), "surgeRatioMax": .ratio(1.75)]), orders: nil, violations: [])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.jsonString().utf8)) as? [String: Any])
        #expect(object["orders"] == nil)
        let domain = try #require(object["domain"] as? [String: Any])
        #expect(domain["homepages"] as? Int == 1200)
        #expect(domain["surgeRatioMax"] as? Double == 1.75)
        #expect(report.renderText().contains("DOMAIN      homepages 1,200, surgeRatioMax 1.75"))
        report.domain["homepages"] = .count(1201)
        #expect(report.domain.entries.map(\.name) == ["homepages", "surgeRatioMax"])
        let decoded = try JSONDecoder().decode(HeadlessReport.self, from: Data(report.jsonString().utf8))
        #expect(decoded.domain.count("homepages") == 1201)
    }

    @Test func orderTotalsCountTheLedger() {
        let totals = HeadlessReport.Orders(ledger: InvariantCheckerTests.clean, compensations: 1, paymentsQueued: 0)
        #expect(totals == HeadlessReport.Orders(placed: 2, confirmed: 1, cancelled: 1, pending: 0, compensations: 1, paymentsQueued: 0))
    }

    @Test func eachSubscriptionsWorstLagIsReportedAndPrinted() throws {
        var snapshot = Self.snapshot
        snapshot.services[2].subscriptions = [
            SubscriptionStatus(topic: "orders", partitions: 8, queued: 3, secondsBehind: 0.2, peakQueued: 41, peakSecondsBehind: 0.35, deadLettered: 2),
        ]
        let report = HeadlessReport(snapshot: snapshot, durationSeconds: 10, orders: nil, violations: [])
        let subscription = try #require(report.subscriptions.first)
        #expect(report.subscriptions.count == 1)
        #expect(subscription.subscriber == "notification-service")
        #expect(subscription.peakQueued == 41)
        #expect(subscription.peakSecondsBehind == 0.35)
        let lines = report.renderText().split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex(of: "SUBSCRIBER <- TOPIC             PARTITIONS  PEAK QUEUED  PEAK BEHIND  DEAD-LETTERED"))
        #expect(lines[header + 1] == "notification-service <- orders           8           41        350ms              2")
        #expect(HeadlessReport(snapshot: Self.snapshot, durationSeconds: 10, orders: nil, violations: []).renderText().contains("SUBSCRIBER") == false)
    }

    @Test func jsonHasExactlyTheDocumentedFields() throws {
        var report = HeadlessReport(snapshot: Self.snapshot, durationSeconds: 10, orders: Self.orders, violations: [Violation(invariant: .nothingPending, subject: "order o-3", message: "pending")])
        report.calls = [HeadlessReport.Calls(caller: "order-service", target: "inventory-service", calls: 10, failed: 2, retries: 3, timeouts: 2, rejected: 0)]
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.jsonString().utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["system", "durationSeconds", "interrupted", "services", "breakers", "calls", "subscriptions", "domain", "orders", "invariants", "traces", "interventions"])
        #expect(object["interrupted"] as? Bool == false)
        let calls = try #require(object["calls"] as? [[String: Any]])
        #expect(Set(calls[0].keys) == ["caller", "target", "calls", "failed", "retries", "hedges", "timeouts", "rejected"])
        let services = try #require(object["services"] as? [[String: Any]])
        #expect(services.allSatisfy { Set($0.keys) == ["name", "requests", "rps", "errorRatio", "p50Ms", "p95Ms", "p99Ms", "health"] })
        #expect(services[2]["p50Ms"] is NSNull)
        let breakers = try #require(object["breakers"] as? [[String: Any]])
        #expect(Set(breakers[0].keys) == ["id", "state", "transitions"])
        #expect(breakers[0]["id"] as? String == "order-service->payment-service")
        #expect(breakers[0]["state"] as? String == "halfOpen")
        let transitions = try #require(breakers[0]["transitions"] as? [[String: Any]])
        #expect(Set(transitions[0].keys) == ["from", "to", "atSeconds", "reason"])
        #expect(transitions[0]["to"] as? String == "open")
        #expect(Set(try #require(object["orders"] as? [String: Any]).keys) == ["placed", "confirmed", "cancelled", "pending", "compensations", "paymentsQueued"])
        let invariants = try #require(object["invariants"] as? [String: Any])
        #expect(Set(invariants.keys) == ["ok", "violations"])
        #expect(invariants["ok"] as? Bool == false)
        #expect(Set(try #require(object["traces"] as? [String: Any]).keys) == ["kept", "dropped"])

        let decoded = try JSONDecoder().decode(HeadlessReport.self, from: Data(try report.jsonString().utf8))
        #expect(decoded == report)
    }

    @Test func textReportIsAlignedTables() {
        let report = HeadlessReport(snapshot: Self.snapshot, durationSeconds: 10, orders: Self.orders, violations: [])
        #expect(report.renderText() == """
            storefront: headless run of 10s

            SERVICE               REQUESTS    RPS   ERR%    P50    P95    P99  HEALTH
            gateway                  2,000  200.0   1.8%   12ms   41ms   84ms  up
            payment-service            412   41.2  42.0%  3.3ms  250ms  1.23s  degraded
            notification-service         0    0.0   0.0%      -      -      -  down

            BREAKER                           STATE
            order-service->payment-service    HALF-OPEN      2 transitions
              at 3.20s  CLOSED -> OPEN     failure rate 62% ≥ 50% over last 100 calls
              at 8.20s  OPEN -> HALF-OPEN  open for 5s
            order-service->inventory-service  CLOSED         no transitions

            ORDERS      placed 400, confirmed 350, cancelled 40, pending 0, compensations 40, payments queued 10
            TRACES      kept 1,000, dropped 2,345
            INVARIANTS  ok

            """)
    }

    @Test func violationsAreListedUnderTheTotals() {
        let report = HeadlessReport(
            system: "storefront", durationSeconds: 1.5, services: [], breakers: [],
            orders: HeadlessReport.Orders(placed: 1, confirmed: 0, cancelled: 0, pending: 1, compensations: 0, paymentsQueued: 1),
            invariants: HeadlessReport.Invariants(ok: false, violations: [Violation(invariant: .nothingPending, subject: "order o-3", message: "order o-3 is still pending after the run drained")]),
            traces: HeadlessReport.Traces(kept: 0, dropped: 0)
        )
        #expect(report.renderText() == """
            storefront: headless run of 1.5s

            SERVICES  none

            BREAKERS  none

            ORDERS      placed 1, confirmed 0, cancelled 0, pending 1, compensations 0, payments queued 1
            TRACES      kept 0, dropped 0
            INVARIANTS  VIOLATED (1 violation)
              - nothingPending: order o-3 is still pending after the run drained

            """)
    }

    @Test func interventionsAreInTheJSONAndATableOfTheText() throws {
        var snapshot = Self.snapshot
        snapshot.interventions = [
            InterventionRecord(id: 1, action: .fault, target: "payment-service", origin: "cli", detail: "errors 60%", atSeconds: 0,
                               endedAtSeconds: 10, endedBy: "fault by run", effect: InterventionEffect(faultsInjected: 120)),
            InterventionRecord(id: 2, action: .trip, target: "order-service->payment-service", origin: "scenario", detail: "forced open for 5s",
                               atSeconds: 2, endedAtSeconds: 7.5, endedBy: "timed trip ended", effect: InterventionEffect(callsRejected: 40)),
        ]
        let report = HeadlessReport(snapshot: snapshot, durationSeconds: 10, orders: Self.orders, violations: [])
        let decoded = try JSONDecoder().decode(HeadlessReport.self, from: Data(try report.jsonString().utf8))
        #expect(decoded.interventions == snapshot.interventions)
        let text = report.renderText()
        #expect(text.contains("""
            INTERVENTION     AT  TARGET                          ORIGIN    LASTED  EFFECT
            fault         0.00s  payment-service                 cli       10.00s  120 requests hit (errors 60%)
            trip          2.00s  order-service->payment-service  scenario  5.50s   40 calls rejected (forced open for 5s)
            """), "\(text)")
    }

    @Test func outputWritesTheExpositionAndPicksJSONOrTextAndTheExitStatus() throws {
        let report = HeadlessReport(snapshot: Self.snapshot, durationSeconds: 10, orders: Self.orders, violations: [])
        var traffic = TrafficRunSummary(targetRPS: 200)
        traffic.sent = 2000
        traffic.achievedRPS = 199.96
        traffic.maxLagMs = 1.24
        let result = HeadlessRunResult(report: report, prometheusExposition: "# TYPE x counter\nx_total 1\n", traffic: traffic)
        var written: [(String, String)] = []

        let text = try HeadlessOutput.finish(result, options: DemoOptions(headless: true, prometheusOutputPath: "/tmp/m.prom")) { written.append(($0, $1)) }
        #expect(text.exitStatus == 0)
        #expect(text.standardOutput.hasSuffix("INVARIANTS  ok\nTRAFFIC     sent 2,000 (target 200.0 req/s, achieved 200.0 req/s), max lag 1.2ms, 0 late\n"))
        #expect(written.map(\.1) == ["/tmp/m.prom"])
        #expect(written.map(\.0) == ["# TYPE x counter\nx_total 1\n"])

        let json = try HeadlessOutput.finish(result, options: DemoOptions(headless: true, json: true)) { _, _ in Issue.record("no file was asked for") }
        #expect(json.standardOutput == (try report.jsonString()) + "\n")

        struct DiskFull: Error {}
        #expect(throws: HeadlessOutputError(message: "cannot write the Prometheus exposition to /tmp/m.prom: DiskFull()")) {
            try HeadlessOutput.finish(result, options: DemoOptions(headless: true, prometheusOutputPath: "/tmp/m.prom")) { _, _ in throw DiskFull() }
        }
    }
}
