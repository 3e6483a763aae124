import DemoSystems
import Telemetry
import Testing

@Suite struct DemoOptionsTests {
    /// A scenario "file system" for tests: only `outage.json` exists.
    private static let outage = Scenario(
        name: "outage", rps: 100, duration: .seconds(60), seed: 5,
        faults: [
            ScheduledFault(at: .seconds(10), service: "payment-service", fault: .errors(ratio: 0.6, status: 503)),
            ScheduledFault(at: .zero, service: "payment-service", fault: .latency(milliseconds: 50)),
        ]
    )

    private func options(_ arguments: DemoArguments, paths: [String: DemoOptions.PathKind] = ["/tmp": .directory, ".": .directory]) throws(DemoOptionsError) -> DemoOptions {
        try DemoOptions(
            validating: arguments,
            loadScenario: { path throws(ScenarioError) in
                guard path == "outage.json" else { throw ScenarioError(file: path, field: nil, problem: "no such file") }
                return Self.outage
            },
            pathKind: { paths[$0] ?? .missing }
        )
    }

    private func error(_ arguments: DemoArguments) -> DemoOptionsError? {
        do {
            _ = try options(arguments)
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsAreTenSecondsAt200RpsSeed42() throws {
        let options = try options(DemoArguments(headless: true))
        #expect(options == DemoOptions(headless: true, duration: .seconds(10), rps: 200, seed: 42, refreshInterval: .milliseconds(250)))
    }

    @Test func everyOptionIsRead() throws {
        let options = try options(DemoArguments(
            headless: true, duration: "1.5s", rps: "2000", seed: "7",
            faults: ["payment-service=errors:0.7", "inventory-service=latency:300ms"],
            json: true, prometheusOut: "/tmp/metrics.prom", refreshMs: "100"
        ))
        #expect(options.duration == .milliseconds(1500))
        #expect(options.rps == 2000)
        #expect(options.seed == 7)
        #expect(options.faults.changes == [
            ScheduledFault(at: .zero, service: "payment-service", fault: .errors(ratio: 0.7, status: 503), origin: .cli),
            ScheduledFault(at: .zero, service: "inventory-service", fault: .latency(milliseconds: 300), origin: .cli),
        ])
        #expect(options.json)
        #expect(options.prometheusOutputPath == "/tmp/metrics.prom")
        #expect(options.refreshInterval == .milliseconds(100))
    }

    @Test func theScenarioSuppliesWhatFlagsLeaveOutAndFlagsWin() throws {
        let fromFile = try options(DemoArguments(headless: true, scenario: "outage.json"))
        #expect(fromFile.rps == 100)
        #expect(fromFile.duration == .seconds(60))
        #expect(fromFile.seed == 5)
        #expect(fromFile.scenario == Self.outage)

        let overridden = try options(DemoArguments(headless: true, duration: "20s", rps: "50", seed: "1", faults: ["payment-service=none"], scenario: "outage.json"))
        #expect(overridden.rps == 50)
        #expect(overridden.duration == .seconds(20))
        #expect(overridden.seed == 1)
        // Sorted by time; at 0 s the flag comes after the file's change, so it wins.
        #expect(overridden.faults.changes == [
            ScheduledFault(at: .zero, service: "payment-service", fault: .latency(milliseconds: 50)),
            ScheduledFault(at: .zero, service: "payment-service", fault: .none, origin: .cli),
            ScheduledFault(at: .seconds(10), service: "payment-service", fault: .errors(ratio: 0.6, status: 503)),
        ])
        #expect(overridden.faults.changes(through: .zero).last?.fault == FaultSpec.none)
    }

    @Test(arguments: [
        (DemoArguments(duration: "10x"), "--duration", #"invalid duration "10x": it has no unit; expected a number followed by ms, s, m or h (for example 500ms, 10s, 1.5s, 2m, 1h)"#),
        (DemoArguments(duration: "0s"), "--duration", #"invalid duration "0s": expected more than 0s and at most 24h"#),
        (DemoArguments(duration: "25h"), "--duration", #"invalid duration "25h": expected more than 0s and at most 24h"#),
        (DemoArguments(rps: "abc"), "--rps", #"invalid rate "abc"; expected requests per second, a number greater than 0 and at most 100000"#),
        (DemoArguments(rps: "0"), "--rps", #"invalid rate "0"; expected requests per second, a number greater than 0 and at most 100000"#),
        (DemoArguments(rps: "-5"), "--rps", #"invalid rate "-5"; expected requests per second, a number greater than 0 and at most 100000"#),
        (DemoArguments(rps: "1e3"), "--rps", #"invalid rate "1e3"; expected requests per second, a number greater than 0 and at most 100000"#),
        (DemoArguments(seed: "-1"), "--seed", #"invalid seed "-1"; expected a whole number from 0 to 18446744073709551615"#),
        (DemoArguments(seed: "4.2"), "--seed", #"invalid seed "4.2"; expected a whole number from 0 to 18446744073709551615"#),
        (DemoArguments(refreshMs: "5"), "--refresh-ms", #"invalid refresh interval "5"; expected whole milliseconds from 10 to 10000"#),
        (DemoArguments(refreshMs: "fast"), "--refresh-ms", #"invalid refresh interval "fast"; expected whole milliseconds from 10 to 10000"#),
        (DemoArguments(sample: "often"), "--sample", #"invalid sample ratio "often"; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)"#),
        (DemoArguments(sample: "-0.1"), "--sample", #"invalid sample ratio "-0.1"; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)"#),
        (DemoArguments(sample: "1.5"), "--sample", #"invalid sample ratio "1.5"; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)"#),
        (DemoArguments(sample: "10%"), "--sample", #"invalid sample ratio "10%"; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)"#),
        (DemoArguments(sample: ""), "--sample", #"invalid sample ratio ""; expected the share of traces to keep, a number from 0 to 1 such as 0.1 (errors and slow traces are kept whatever it is)"#),
        (DemoArguments(json: true), "--json", "the JSON report is only printed by a headless run; add --headless"),
        (DemoArguments(prometheusOut: "/tmp/m.prom"), "--prometheus-out", "the exposition is only written by a headless run; add --headless"),
        (DemoArguments(headless: true, prometheusOut: "/nonexistent/m.prom"), "--prometheus-out", "the directory /nonexistent does not exist; expected a path to a file in an existing directory"),
        (DemoArguments(headless: true, prometheusOut: "/tmp"), "--prometheus-out", "/tmp is a directory; expected a path to a file to write"),
        (DemoArguments(faults: ["payment-service=errors:2"]), "--fault", #"invalid fault "payment-service=errors:2": "2" is not a ratio between 0 and 1 or a percentage between 0% and 100%; expected errors:RATIO[:STATUS] (RATIO 0…1 or 0%…100%, STATUS 400…599, default 503), latency:DURATION (e.g. 300ms), down, hang, none"#),
        (DemoArguments(faults: ["paymnt=down"]), "--fault", #"invalid fault "paymnt=down": unknown service "paymnt"; expected one of gateway, user-service, product-service, inventory-service, payment-service, order-service, notification-service, or one instance as SERVICE-N (e.g. gateway-1)"#),
        (DemoArguments(faults: ["payment-service=down", "payment-service=none"]), "--fault", "payment-service is given more than once; expected at most one --fault per service"),
        (DemoArguments(scenario: "missing.json"), "--scenario", "invalid scenario 'missing.json': no such file"),
        (DemoArguments(headless: true, duration: "5s", scenario: "outage.json"), "--scenario",
         "invalid scenario 'outage.json': faults[0].at: 10s is after the end of the run at 5s (the run was shortened with --duration); expected a time from 0s to 5s"),
    ])
    func badValuesNameTheOptionAndWhatIsAccepted(arguments: DemoArguments, option: String, message: String) {
        #expect(error(arguments) == DemoOptionsError(option: option, message: message))
    }

    @Test("--sample takes a ratio from 0 to 1; without it every trace is sampled", arguments: [
        (nil, 1.0), ("0.1", 0.1), ("0", 0), ("1", 1), (" 0.25 ", 0.25), ("1.0", 1), (".5", 0.5),
    ] as [(String?, Double)])
    func sampleRatio(text: String?, ratio: Double) throws {
        #expect(try options(DemoArguments(headless: true, sample: text)).sampleRatio == ratio)
    }

    @Test func theDashboardDemoIgnoresDurationSoItCutsNoScenario() throws {
        // On the dashboard, traffic runs until the person quits: a short --duration cuts nothing.
        let dashboard = try options(DemoArguments(duration: "5s", scenario: "outage.json"))
        #expect(dashboard.scenario == Self.outage)
    }

    @Test func aRelativeOutputPathIsCheckedAgainstTheCurrentDirectory() throws {
        let options = try options(DemoArguments(headless: true, prometheusOut: "metrics.prom"))
        #expect(options.prometheusOutputPath == "metrics.prom")
    }

    @Test func theErrorReadsAsOneLine() {
        #expect(DemoOptionsError(option: "--rps", message: "invalid rate").description == "--rps: invalid rate")
    }
}
