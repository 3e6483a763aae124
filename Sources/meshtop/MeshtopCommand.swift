import ArgumentParser
import DemoSystems
import OTLP

/// `meshtop`: the root command. Subcommands do the work.
struct MeshtopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meshtop",
        abstract: "Build and watch microservices: example systems, live traffic, a terminal dashboard.",
        subcommands: [DemoCommand.self, SystemsCommand.self, SnapshotCommand.self, SimCommand.self, CompareCommand.self, CompareSideCommand.self, ServeCommand.self, AttachCommand.self, WatchCommand.self]
    )
}

/// `meshtop demo [SYSTEM]`: run an example system under live traffic, on the dashboard or headless.
///
/// Every option is taken as text and validated by `DemoOptions` (DemoSystems), so the rules and
/// their messages are unit-tested there; a bad value exits with status 2 before anything runs.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run an example system under live traffic and watch it (or report on it with --headless).",
        discussion: """
            SYSTEM is one of `meshtop systems` (default: storefront). Flags beat the scenario file, which beats the defaults. --fault applies from the start.

            Without --headless the dashboard opens and traffic runs until you quit (q, Ctrl-C); \
            --duration applies to --headless runs only.

            Exit status: 0 all invariants hold (headless) or the dashboard was quit; 1 an invariant \
            was violated (the report lists which); 2 a bad option, or no terminal for the dashboard \
            (nothing ran); 3 the run could not be carried out (for example, curses cannot start for this TERM).
            """
    )

    @Argument(help: SharedHelp.system)
    var system: String?

    @Flag(help: "Run without a terminal UI, print a report and exit.")
    var headless = false

    @Option(help: ArgumentHelp("With --headless: how long traffic runs: 500ms, 10s, 1.5s, 2m, 1h. (default: 10s, or the scenario's)", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Requests per second the open-loop generator sends. (default: 200, or the scenario's)", valueName: "rps"))
    var rps: String?

    @Option(help: ArgumentHelp("Seed for traffic and faults; the same seed repeats a run. (default: 42, or the scenario's)", valueName: "seed"))
    var seed: String?

    @Option(name: .customLong("fault"), help: SharedHelp.fault)
    var faults: [String] = []

    @Option(help: ArgumentHelp("Play a scenario file (rate, duration, faults over time), e.g. demo/storefront/payment-outage.json.", valueName: "file"))
    var scenario: String?

    @Flag(help: "With --headless: print the report as JSON.")
    var json = false

    @Option(help: ArgumentHelp("With --headless: write the Prometheus exposition at the end of the run to this file.", valueName: "file"))
    var prometheusOut: String?

    @Option(help: ArgumentHelp("Dashboard redraw interval in milliseconds, 10…10000. (default: 250)", valueName: "ms"))
    var refreshMs: String?

    @Option(help: SharedHelp.otlpExport)
    var otlpExport: String?
    @Option(help: SharedHelp.sample)
    var sample: String?

    var arguments: DemoArguments {
        DemoArguments(
            system: system,
            headless: headless,
            duration: duration,
            rps: rps,
            seed: seed,
            faults: faults,
            scenario: scenario,
            json: json,
            prometheusOut: prometheusOut,
            refreshMs: refreshMs,
            sample: sample
        )
    }

    func validate() throws {
        do {
            _ = try DemoOptions(validating: arguments)
            _ = try otlpExport.map { text throws(OTLPEndpoint.Invalid) in try OTLPEndpoint(parsing: text) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        // validate() has passed, so this cannot fail unless a file changed in between; say so if it did.
        let options: DemoOptions
        let export: OTLPEndpoint?
        do {
            options = try DemoOptions(validating: arguments)
            export = try otlpExport.map { text throws(OTLPEndpoint.Invalid) in try OTLPEndpoint(parsing: text) }
        } catch {
            throw DemoUsageError(message: "\(error)")
        }
        if options.headless {
            let result = try await runHeadlessDemo(options, export: export)
            let (output, status) = try HeadlessOutput.finish(result, options: options)
            print(output, terminator: "")
            throw ExitCode(status)
        } else {
            try await runDashboardDemo(options, export: export)
        }
    }
}

/// An option that became invalid after validation (a scenario file edited meanwhile): exit status 2.
struct DemoUsageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `meshtop systems`: the catalog as a table.
struct SystemsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "systems",
        abstract: "List the example systems `meshtop demo SYSTEM` runs: their services and what each one shows."
    )

    func run() {
        print(SystemsTable.render(DemoSystemCatalog.all.map { $0.profile }), terminator: "")
    }
}
