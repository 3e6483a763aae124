import DemoSystems
import Telemetry
import Testing

/// The rides scenarios in demo/rides/ show what their descriptions promise, each played on a
/// manual clock at a lower rate.
@Suite("Rides: shipped scenarios do what they say")
struct RidesScenarioTests {
    @Test("location-slow: dispatch's calls to location-service time out, its breaker opens and closes again, dispatch degrades, invariants hold")
    func locationSlow() async throws {
        let scenario = try Scenario.load(path: repositoryRoot + "/demo/rides/location-slow.json", knownServices: Rides.profile.services)
        // A tenth of the rate keeps the test to seconds in a debug build; the breaker still sees
        // several searches a second.
        let test = try ManualRun(rps: min(scenario.rps, 20), duration: scenario.duration, faults: scenario.faults, seed: scenario.seed ?? 7) { clock, seed, time in
            Rides(clock: clock, seed: seed, workScale: 0, networkLatency: .zero, time: time)
        }
        let report = try #require(try await test.runToEnd()).report
        let search = try #require(report.calls.first { $0.caller == "dispatch-service" && $0.target == "location-service" })
        #expect(search.timeouts > 0)
        #expect(search.rejected > 0, "the open breaker turned searches away")
        let breaker = try #require(report.breakers.first { $0.id == Rides.locationBreakerID })
        #expect(breaker.transitions.contains { $0.to == .open })
        #expect(breaker.transitions.last?.to == .closed)
        #expect(report.domain.count("dispatchDegraded") > 0)
        #expect(report.domain.count("dispatchedFromCache") > 0)
        #expect(report.domain.count("ridesCompleted") > 0)
        // Drivers' own updates went through the gateway's 1 s timeout: slowed, not failed.
        let moves = try #require(report.calls.first { $0.caller == "gateway" && $0.target == "location-service" })
        #expect(moves.timeouts == 0)
        #expect(report.invariants.ok, "\(report.invariants.violations)")
    }
}
