import DemoSystems
import Telemetry
import Testing

@Suite struct SimOptionsTests {
    /// A scenario "file system" for tests: only `outage.json` exists.
    private static let outage = Scenario(
        name: "outage", rps: 100, duration: .seconds(60), seed: 5,
        faults: [ScheduledFault(at: .seconds(10), service: "payment-service", fault: .errors(ratio: 0.6, status: 503))]
    )

    static let rangeForms = "expected A..B, two whole numbers from 0 to 18446744073709551615 with A ≤ B (such as 1..100)"

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

    @Test func defaultsAreTheStorefrontForAnHourAt200RpsWithADrawnSeedAndSwarmFaults() throws {
        let options = try options(SimArguments())
        #expect(options.system == "storefront")
        #expect(options.seed == 99 && options.seedWasDrawn)
        #expect(options.duration == .seconds(3600))
        #expect(options.rps == 200)
        #expect(options.faultPlan == .swarm)
        let swarm = try #require(options.swarmScenario)
        #expect(options.faults.changes == FaultTimeline(swarm.faults).changes)
        #expect(swarm == SwarmFaults.scenario(system: "storefront", seed: 99, targets: Storefront.profile.faultTargets, entry: "gateway", rps: 200, duration: .seconds(3600)))
        #expect(options.replayCommand == "meshtop sim storefront --seed 99 --duration 1h")
    }

    @Test func aFaultFlagAloneMeansNoSwarmAndNoneMeansNone() throws {
        let flagged = try options(SimArguments(faults: ["payment-service=down"]))
        #expect(flagged.faultPlan == .none && flagged.swarmScenario == nil)
        #expect(flagged.faults.changes.map(\.service) == ["payment-service"])
        let none = try options(SimArguments(faultSource: "none"))
        #expect(none.faults.changes.isEmpty)
        let both = try options(SimArguments(seed: "3", faults: ["payment-service=down"], faultSource: "swarm"))
        #expect(both.faults.changes.filter { $0.origin == .cli }.map(\.service) == ["payment-service"] && both.faults.changes.count > 1)
    }

    @Test func aScenarioFilesSeedDurationAndRateApplyUnlessAFlagGivesThem() throws {
        let fromFile = try options(SimArguments(faultSource: "outage.json"))
        #expect(fromFile.seed == 5 && !fromFile.seedWasDrawn && fromFile.duration == .seconds(60) && fromFile.rps == 100)
        let flagged = try options(SimArguments(seed: "8", duration: "30s", rps: "50", faultSource: "outage.json"))
        #expect(flagged.seed == 8 && flagged.duration == .seconds(30) && flagged.rps == 50)
        #expect(message(SimArguments(duration: "5s", faultSource: "outage.json"))?.hasPrefix("--faults: invalid scenario 'outage.json': faults[0].at: 10s is after the end of the run at 5s") == true)
    }

    @Test func eachSeedOfASweepDrawsItsOwnSchedule() throws {
        let options = try options(SimArguments(seeds: "3..5", duration: "2m"))
        #expect(options.seeds == 3...5 && options.seed == 3)
        let four = options.withSeed(4)
        #expect(four.seed == 4 && four.seeds == nil)
        #expect(four.swarmScenario?.seed == 4 && four.faults.changes == FaultTimeline(four.swarmScenario!.faults).changes)
        #expect(four == (try self.options(SimArguments(seed: "4", duration: "2m"))))
    }

    @Test("seed ranges", arguments: [("1..10", 1...10), ("7..7", 7...7), (" 0..18446744073709551615 ", 0...UInt64.max)] as [(String, ClosedRange<UInt64>)])
    func seedRanges(text: String, expected: ClosedRange<UInt64>) throws {
        #expect(try SimOptions.parseSeedRange(text) == expected)
    }

    @Test func atAndShrinkAreRead() throws {
        let at = try options(SimArguments(duration: "6m", at: "5m", json: true))
        #expect(at.at == .seconds(300))
        let shrink = try options(SimArguments(seed: "4", shrink: true, shrinkOut: "small.json", plantedBug: "skip-refund:3"))
        #expect(shrink.shrink && shrink.shrinkOut == "small.json" && shrink.plantedBug == PlantedBug(skipRefundEvery: 3))
        #expect(shrink.defaultShrinkPath == "storefront-seed-4-shrunk.json")
        #expect(shrink.replayCommand == "meshtop sim storefront --seed 4 --duration 1h --planted-bug skip-refund:3")
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
        (SimArguments(faultSource: "missing.json"), "--faults: invalid scenario 'missing.json': no such file (expected swarm, none or a scenario file)"),
        (SimArguments(seeds: "9..3"), "--seeds: invalid seed range \"9..3\": it runs backwards (9 > 3); \(SimOptionsTests.rangeForms)"),
        (SimArguments(seeds: ""), "--seeds: invalid seed range \"\": no \"..\" between the first and last seed; \(SimOptionsTests.rangeForms)"),
        (SimArguments(seeds: ".."), "--seeds: invalid seed range \"..\": \"\" is not a seed; \(SimOptionsTests.rangeForms)"),
        (SimArguments(seeds: "1..x"), "--seeds: invalid seed range \"1..x\": \"x\" is not a seed; \(SimOptionsTests.rangeForms)"),
        (SimArguments(seeds: "-1..4"), "--seeds: invalid seed range \"-1..4\": \"-1\" is not a seed; \(SimOptionsTests.rangeForms)"),
        (SimArguments(seeds: "12"), "--seeds: invalid seed range \"12\": no \"..\" between the first and last seed; \(SimOptionsTests.rangeForms)"),
        (SimArguments(seed: "1", seeds: "1..2"), "--seeds: --seed and --seeds were both given; expected one seed (--seed N) or a range (--seeds A..B)"),
        (SimArguments(seeds: "1..2", shrink: true), "--shrink: --shrink takes one seed, not the range \"1..2\"; expected --seed N --shrink (a failing seed a --seeds sweep listed)"),
        (SimArguments(shrinkOut: "x.json"), "--shrink-out: \"x.json\" was given without --shrink; expected --shrink --shrink-out FILE"),
        (SimArguments(shrink: true, shrinkOut: ""), "--shrink-out: the file name is empty; expected a path to a scenario file to write"),
        (SimArguments(shrink: true, shrinkOut: "/tmp"), "--shrink-out: /tmp is a directory; expected a path to a scenario file to write"),
        (SimArguments(duration: "6m", at: "7m", json: true), "--at: invalid time \"7m\": expected a virtual time from 0s to the run's duration (6m)"),
        (SimArguments(duration: "6m", at: "5m"), "--at: --at prints the system's snapshot as JSON; expected --json with it"),
        (SimArguments(seeds: "1..2", at: "5m", json: true), "--at: --at takes a snapshot of one run; expected it without --seeds and --shrink"),
        (SimArguments(plantedBug: "skip-refund:0"), "--planted-bug: invalid planted bug \"skip-refund:0\"; expected \(PlantedBug.acceptedForms)"),
        (SimArguments(sample: "2"), #"--sample: invalid sample ratio "2"; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)"#),
        (SimArguments(sample: "x"), #"--sample: invalid sample ratio "x"; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)"#),
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

    @Test("--dashboard takes one run: with --json, --seeds, --shrink or --at it says which and exits before anything runs", arguments: [
        (SimArguments(json: true), "--json"),
        (SimArguments(seeds: "1..3"), "--seeds"),
        (SimArguments(seed: "4", shrink: true), "--shrink"),
        (SimArguments(duration: "6m", at: "5m", json: true), "--json, --at"),
    ])
    func dashboardTakesOneRun(arguments: SimArguments, named: String) {
        var arguments = arguments
        arguments.dashboard = true
        #expect(message(arguments) == "--dashboard: it watches one run on the terminal and cannot be combined with \(named); "
            + "expected --dashboard with one seed (its time controls go to any moment: t, v)")
    }

    @Test func dashboardWithOneSeedIsAccepted() throws {
        var arguments = SimArguments(seed: "7", duration: "10m")
        arguments.dashboard = true
        let options = try options(arguments)
        #expect(options.dashboard && options.seed == 7)
        #expect(options.replayCommand == "meshtop sim storefront --seed 7 --duration 10m")
    }

    @Test("a sampled run's replay says its ratio; an unsampled one says nothing of it")
    func replayCarriesTheSampleRatio() throws {
        let sampled = try options(SimArguments(seed: "3", duration: "10s", sample: "0.1"))
        #expect(sampled.sampleRatio == 0.1)
        #expect(sampled.replayCommand == "meshtop sim storefront --seed 3 --duration 10s --sample 0.1")
        #expect(try options(SimArguments(seed: "3", duration: "10s")).replayCommand == "meshtop sim storefront --seed 3 --duration 10s")
    }

    @Test func anUnparsableAtIsRefusedNamingTheOption() {
        #expect(message(SimArguments(at: "soon", json: true))?.hasPrefix("--at: ") == true)
        #expect(message(SimArguments(at: "-1s", json: true))?.hasPrefix("--at: ") == true)
    }

    @Test func aNegativeOrUnparsableDurationIsRefused() {
        #expect(message(SimArguments(duration: "-5s"))?.hasPrefix("--duration: ") == true)
        #expect(message(SimArguments(duration: "soon"))?.hasPrefix("--duration: ") == true)
    }
}
