import ArgumentParser
import DemoSystems

/// `meshtop compare A B`: the same traffic, seed and faults on two systems, one after the other,
/// side by side.
///
/// Each side runs in a child process of this binary (`meshtop compare-side`), so its CPU time and
/// peak memory are its own, as the kernel counts them for that process (`wait4`). Validation, the
/// fault mapping, the table and the JSON are `CompareOptions` and `Comparison` (DemoSystems).
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run two systems on the same seed, traffic and faults and print them side by side.",
        discussion: """
            A fault names a component as both systems know it (payment, inventory, notification, \
            gateway, ...): `--fault payment=errors:0.5` fails payment-service in the storefront and \
            the payment module in the monolith. A component only one system has is applied there \
            and marked in the table.

            Each side runs in its own child process, one after the other, so the CPU seconds and \
            peak RSS are that side's alone.

            Exit status: 0 every invariant holds on both sides; 1 one is violated; 2 a bad option \
            (nothing ran); 3 a side could not be run.
            """
    )

    @Argument(help: ArgumentHelp("The two systems to compare, e.g. monolith storefront (see `meshtop systems`).", valueName: "system"))
    var systems: [String] = []

    @Option(help: ArgumentHelp("How long traffic runs on each side: 500ms, 10s, 1m. (default: 10s, or the scenario's)", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Requests per second sent to each side. (default: 200, or the scenario's)", valueName: "rps"))
    var rps: String?

    @Option(help: ArgumentHelp("Seed for traffic and faults, the same on both sides. (default: 42, or the scenario's)", valueName: "seed"))
    var seed: String?

    @Option(name: .customLong("fault"), help: ArgumentHelp(
        "COMPONENT=KIND[:VALUE], on both sides, from the start: KIND is errors:RATIO[:STATUS], latency:DURATION, down, hang or none. Repeatable.",
        valueName: "fault"))
    var faults: [String] = []

    @Option(help: ArgumentHelp("Play a scenario whose faults name components, e.g. demo/compare/payment-failure.json.", valueName: "file"))
    var scenario: String?

    @Flag(help: "Print the comparison as JSON.")
    var json = false

    var arguments: CompareArguments {
        CompareArguments(systems: systems, duration: duration, rps: rps, seed: seed, faults: faults, scenario: scenario, json: json)
    }

    func validate() throws {
        do {
            _ = try CompareOptions(validating: arguments)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let options: CompareOptions
        do {
            options = try CompareOptions(validating: arguments)
        } catch {
            throw DemoUsageError(message: error.description)
        }
        var sides: [CompareSideResult] = []
        for plan in options.sidePlans {
            sides.append(try MeasuredChild.runSide(plan))
        }
        let comparison = Comparison(options: options, sides: sides)
        if options.json {
            print(try comparison.jsonString())
        } else {
            print(comparison.renderText(), terminator: "")
        }
        throw ExitCode(comparison.exitStatus)
    }
}

/// `meshtop compare-side --plan JSON`: one side of a comparison, run by `meshtop compare` in a
/// child process; prints the side's result as one line of JSON. Not for people: hidden from help.
struct CompareSideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-side",
        abstract: "Run one side of `meshtop compare` (internal).",
        shouldDisplay: false
    )

    @Option(help: ArgumentHelp("The side's plan, as `meshtop compare` writes it.", valueName: "json"))
    var plan: String

    func run() async throws {
        let plan: CompareSidePlan
        do {
            plan = try CompareSidePlan.decode(self.plan)
        } catch {
            throw DemoUsageError(message: error.description)
        }
        let side = try CompareSideRun(plan, clock: ContinuousClock())
        try await SystemGroup.run([side.run], shutdownSignals: [.sigterm, .sigint])
        guard let result = side.result() else {
            throw RunFailure(message: "the \(plan.system) side was cancelled before it settled; no result")
        }
        print(try result.jsonString())
    }
}
