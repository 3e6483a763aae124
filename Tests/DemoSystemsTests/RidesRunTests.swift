import DemoSystems
import Telemetry
import Testing

/// The whole rides system under generated traffic on a manual clock: no simulated work or
/// network latency, time moved on whenever every task waits.
@Suite("Rides: a whole run")
struct RidesRunTests {
    private static func run(rps: Double, seconds: Int64, faults: [ScheduledFault] = [], seed: UInt64 = 7) async throws -> HeadlessReport {
        let test = try ManualRun(rps: rps, duration: .seconds(seconds), faults: faults, seed: seed) { clock, seed, time in
            Rides(clock: clock, seed: seed, workScale: 0, networkLatency: .zero, time: time)
        }
        return try #require(try await test.runToEnd()).report
    }

    @Test("a run settles with its invariants holding, every service used, and the services' own figures non-zero")
    func settlesWithInvariantsHolding() async throws {
        let report = try await Self.run(rps: 60, seconds: 8)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
        let domain = report.domain
        for figure in ["ridesRequested", "ridesDispatched", "ridesAccepted", "racesLost", "ridesCompleted", "ridesCancelled",
                       "fraudRefused", "ridersRefused", "locationUpdates", "nearbySearches", "paymentsCaptured", "notificationsSent"] {
            #expect(domain.count(figure) > 0, "\(figure) is \(domain.count(figure))")
        }
        #expect(domain.count("paymentsCaptured") == domain.count("ridesCompleted"), "every completed ride paid once")
        #expect(domain.count("ridesAccepted") <= domain.count("ridesDispatched"))
        if case .ratio(let surge)? = domain["surgeRatioMax"] { #expect(surge >= 1) } else { Issue.record("surgeRatioMax is not a ratio") }
        for service in Rides.profile.services {
            let status = try #require(report.services.first { $0.name == service }, "\(service) is in the report")
            #expect(status.requests > 0, "\(service) handled no request")
        }
    }
}
