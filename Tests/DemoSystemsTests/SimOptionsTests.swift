import DemoSystems
import Telemetry
import Testing

@Suite struct SimOptionsTests {
    /// A scenario "file system" for tests: only `outage.json` exists.
    private static let outage = Scenario(
        name: "outage", rps: 100, duration: .seconds(60), seed: 5,
        faults: [ScheduledFault(at: .seconds(10), service: "payment-service", fault: .errors(ratio: 0.6, status: 503))]
    )

    private func options(_ arguments: SimArguments) throws(DemoOptionsError) -> SimOptions {
        try SimOptions(validating: arguments, drawSeed: { 99 }, loadScenario: { path throws(ScenarioError) in
            guard path == "outage.json" else { throw ScenarioError(file: path, field: nil, problem: "no such file") }
            return Self.outage
        })
    }

    private func message(_ arguments: SimArguments) -> String? {
        do {
            _ = try options(arguments)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func defaultsAreTheStorefrontForAnHourAt200RpsWithADrawnSeed() throws {
        let options = try options(SimArguments())
        #expect(options.system == "storefront")
        #expect(options.seed == 99 && options.seedWasDrawn)
        #expect(options.duration == .seconds(3600))
        #expect(options.rps == 200)
        #expect(options.faults.changes.isEmpty)
        #expect(options.replayCommand == "meshtop sim storefront --seed 99 --duration 1h")
    }

    @Test func everyOptionIsReadAndTheReplayCommandRepeatsThem() throws {
        let options = try options(SimArguments(system: "storefront", seed: "18446744073709551615", duration: "20s", rps: "100",
                                               faults: ["payment-service=errors:0.5"], faultSource: "outage.json", json: true))
        #expect(options.seed == .max && !options.seedWasDrawn)
        #expect(options.duration == .seconds(20) && options.rps == 100 && options.json)
        #expect(options.faults.changes.map(\.origin) == [.cli, .scenario])
        #expect(options.replayCommand == "meshtop sim storefront --seed 18446744073709551615 --duration 20s --rps 100 "
            + "--fault payment-service=errors:0.5 --faults outage.json")
    }

    @Test("bad input names the option, the value and what is accepted", arguments: [
        (SimArguments(system: "bank"), "SYSTEM: unknown system \"bank\"; expected one of \(DemoSystemCatalog.names.joined(separator: ", ")) (see `meshtop systems`)"),
        (SimArguments(seed: "-1"), "--seed: invalid seed \"-1\"; expected a whole number from 0 to 18446744073709551615"),
        (SimArguments(duration: "0s"), "--duration: invalid duration \"0s\": expected more than 0s of virtual time"),
        (SimArguments(faultSource: "swarm"), "--faults: swarm faults are not available yet; expected none or a scenario file"),
        (SimArguments(faultSource: "missing.json"), "--faults: invalid scenario 'missing.json': no such file (expected none or a scenario file; swarm is not available yet)"),
        (SimArguments(faults: ["paymnt=down"]), nil),
    ])
    func badInput(arguments: SimArguments, expected: String?) {
        let got = message(arguments)
        if let expected {
            #expect(got == expected)
        } else {
            #expect(got?.hasPrefix("--fault: ") == true, "got \(got ?? "no error")")
        }
    }

    @Test func aNegativeOrUnparsableDurationIsRefused() {
        #expect(message(SimArguments(duration: "-5s"))?.hasPrefix("--duration: ") == true)
        #expect(message(SimArguments(duration: "soon"))?.hasPrefix("--duration: ") == true)
    }
}
