import DemoSystems
import Telemetry
import Testing

/// Every scenario in demo/ shows what its description promises: each is played on a manual clock
/// (the whole run in about a second) and its report checked for the promised effect.
@Suite("Shipped scenarios do what they say")
struct ShippedScenarioTests {
    private func play(_ file: String) async throws -> (Scenario, HeadlessReport) {
        let scenario = try Scenario.load(path: repositoryRoot + "/demo/storefront/" + file, knownServices: DemoSystemCatalog.storefrontServices)
        // The scenario's timeline at a lower rate: what it shows depends on its faults, and a
        // fifth of the requests keeps the test to seconds in a debug build.
        let test = try ManualRun(rps: min(scenario.rps, 40), duration: scenario.duration, faults: scenario.faults, seed: scenario.seed ?? 42)
        let report = try #require(try await test.runToEnd()).report
        return (scenario, report)
    }

    private func calls(_ report: HeadlessReport, _ caller: String, _ target: String) throws -> HeadlessReport.Calls {
        try #require(report.calls.first { $0.caller == caller && $0.target == target })
    }

    @Test("payment-outage: the payment breaker opens and closes again, payments are queued or compensated")
    func paymentOutage() async throws {
        let (_, report) = try await play("payment-outage.json")
        let breaker = try #require(report.breakers.first { $0.id == "order-service->payment-service" })
        #expect(breaker.transitions.contains { $0.to == .open })
        #expect(breaker.transitions.last?.to == .closed)
        #expect(report.orders!.compensations + report.orders!.paymentsQueued > 0)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }

    @Test("slow-inventory-then-notifications-down: inventory calls time out and are retried; notifications wait and arrive")
    func slowInventoryThenNotificationsDown() async throws {
        let (_, report) = try await play("slow-inventory-then-notifications-down.json")
        let inventory = try calls(report, "order-service", "inventory-service")
        #expect(inventory.timeouts > 0)
        #expect(inventory.retries > 0)
        let breaker = try #require(report.breakers.first { $0.id == "order-service->inventory-service" })
        #expect(breaker.transitions.contains { $0.to == .open })
        let notifications = try calls(report, "event-bus", "notification-service")
        #expect(notifications.failed > 0, "deliveries failed while notification-service was down")
        #expect(report.orders!.confirmed > 0)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }
}
