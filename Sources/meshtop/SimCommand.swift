import ArgumentParser
import Dashboard
import DemoSystems
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `meshtop sim`: run a system on the deterministic simulator — one thread, virtual time, one seed —
/// and report what it did, with a digest that is the same for every run of the same seed.
///
/// Every option is taken as text and validated by `SimOptions` (DemoSystems), so the rules and
/// their messages are unit-tested there; a bad value exits with status 2 before anything runs.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a system on the deterministic simulator: virtual time, one seed, swarm faults, a digest of the run.",
        discussion: """
            The same SystemRun as `meshtop demo --headless`, on a virtual clock and one thread: an hour \
            of traffic takes far less than an hour, and the same seed gives the same run (the same digest).

            Faults: by default each seed draws its own schedule (swarm: which fault kinds and targets are \
            on, when, for how long, how hard); --faults FILE plays a scenario instead, --faults none nothing.

            --seeds A..B runs every seed from A to B (two at a time) and lists those that failed. \
            --shrink reduces a failing seed's schedule to a small one that violates the same invariant and \
            writes it as a scenario file (`meshtop sim --faults FILE` and `meshtop demo --scenario FILE` play it). \
            --at T --json prints the system's snapshot at virtual time T instead of a report. \
            --dashboard opens the dashboard on the run, with time controls (P pause, + - speed, . , step, \
            T go to a time, v go to the first violation); q prints the report.

            Exit status: 0 all invariants hold (every seed passed); 1 an invariant was violated (the report \
            gives the first and the command that replays the run); 2 a bad option (nothing ran); 3 the \
            simulation failed (work escaped the simulator, a deadlock).
            """
    )

    @Argument(help: SharedHelp.system)
    var system: String?

    @Option(help: ArgumentHelp("Seed of the run, 0…\(UInt64.max); the same seed replays the run. (default: the scenario's, else drawn at random, printed first)", valueName: "seed"))
    var seed: String?

    @Option(help: ArgumentHelp("Run every seed from A to B (both included), two at a time, and list the failing ones.", valueName: "A..B"))
    var seeds: String?

    @Option(help: ArgumentHelp("Virtual time traffic runs: 500ms, 10s, 2m, 1h. (default: the scenario's, else 1h)", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Requests per second the open-loop generator sends. (default: the scenario's, else 200)", valueName: "rps"))
    var rps: String?

    @Option(name: .customLong("fault"), help: SharedHelp.fault)
    var faults: [String] = []

    @Option(name: .customLong("faults"), help: ArgumentHelp("Faults over time: swarm (drawn from the seed), none, or a scenario file (its faults; its rps, duration and seed where no flag gives them). (default: swarm, or none with --fault)", valueName: "swarm|none|file"))
    var faultSource: String?

    @Flag(help: "Shrink a failing seed's fault schedule to a small one that fails the same way, and write it as a scenario file.")
    var shrink = false

    @Option(name: .customLong("shrink-out"), help: ArgumentHelp("Where --shrink writes the scenario. (default: SYSTEM-seed-N-shrunk.json)", valueName: "file"))
    var shrinkOut: String?

    @Option(help: ArgumentHelp("With --json: print the system's snapshot (as `meshtop snapshot --json`) at this virtual time, at most the duration.", valueName: "time"))
    var at: String?

    /// A bug planted on purpose, for the tests that show swarm and --shrink find bugs.
    @Option(name: .customLong("planted-bug"), help: .hidden)
    var plantedBug: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Watch the run on the dashboard, with time controls: pause (P), speed (+ -), step (. ,), go to a time (T), go to the first violation (v); q prints the report.")
    var dashboard = false

    @Option(help: SharedHelp.sample)
    var sample: String?

    var arguments: SimArguments {
        var arguments = SimArguments(system: system, seed: seed, seeds: seeds, duration: duration, rps: rps, faults: faults, faultSource: faultSource,
                                     shrink: shrink, shrinkOut: shrinkOut, at: at, plantedBug: plantedBug, json: json,
                                     sample: sample)
        arguments.dashboard = dashboard
        return arguments
    }

    func validate() throws {
        do {
            // A drawn seed is thrown away here; run() draws the one it uses.
            _ = try SimOptions(validating: arguments, drawSeed: { 0 })
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let options: SimOptions
        do {
            // The one read of global randomness in a simulation: the seed when none was given.
            options = try SimOptions(validating: arguments, drawSeed: { UInt64.random(in: .min ... .max) })
        } catch {
            throw DemoUsageError(message: error.description)
        }
        if options.seedWasDrawn {
            // First, so a run that never finishes can still be replayed.
            let line = "seed \(options.seed) (drawn at random; --seed \(options.seed) replays this run)\n"
            // Written straight to the descriptor, so it is out even if the run never ends.
            Self.writeAll(line, to: options.json ? 2 : 1)
        }
        if options.seeds != nil {
            let sweep = await SeedSweep.run(options)
            print(options.json ? try sweep.jsonString() : sweep.renderText(), terminator: options.json ? "\n" : "")
            throw ExitCode(sweep.exitStatus)
        }
        if let at = options.at {
            switch await SystemSimulation.snapshot(options, at: at) {
            case .success(let snapshot):
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(snapshot), as: UTF8.self))
                return
            case .failure(let failure):
                Self.writeAll("meshtop sim: \(failure.description)\nreplay: \(options.replayCommand) --at \(DurationParser.format(at)) --json\n", to: 2)
                throw ExitCode(HeadlessOutput.exitRunFailed)
            }
        }
        if options.dashboard {
            let (ending, interventions) = try await runSimDashboard(options)
            switch ending {
            case .finished(let report):
                print(report.renderText(), terminator: "")
                // A failing run's report names the replay command already.
                if report.firstFailure == nil { print("replay: \(options.replayCommand)") }
            case .left(let at):
                let time = SimulationStatus(seed: options.seed, virtualTime: at, speed: "", isPaused: true).timeText
                print("meshtop sim \(options.system): seed \(options.seed), left at t=\(time) of \(DurationParser.format(options.duration)) "
                    + "(quit before the run's end: no digest, invariants not checked)")
                print("replay: \(options.replayCommand)")
            }
            if !interventions.isEmpty {
                print("changed by hand: \(interventions.count) manual action(s) during the run; the digest and the report reflect them, "
                    + "so `\(options.replayCommand)` alone does not replay this run:")
                for intervention in interventions {
                    let time = SimulationStatus(seed: options.seed, virtualTime: intervention.at, speed: "", isPaused: true).timeText
                    print("  at t=\(time)  \(intervention.command.summary)")
                }
            }
            // The person quit the dashboard: that is the normal end, whatever the run found.
            return
        }
        if options.shrink {
            let outcome = await SimShrink.run(options)
            if let shrunk = outcome.shrunk {
                do {
                    try Data(shrunk.fileText.utf8).write(to: URL(fileURLWithPath: shrunk.path))
                } catch {
                    throw DemoUsageError(message: "--shrink-out: cannot write \(shrunk.path): \(error)")
                }
            }
            print(options.json ? try outcome.jsonString() : outcome.renderText(), terminator: options.json ? "\n" : "")
            throw ExitCode(outcome.exitStatus)
        }
        let report = await SystemSimulation.runOnDedicatedThread(options)
        if options.json {
            print(try report.jsonString())
        } else {
            print(report.renderText(), terminator: "")
        }
        throw ExitCode(report.exitStatus)
    }

    /// Makes sure the process hashes deterministically before anything is hashed: Swift seeds
    /// `Hasher` per process, so `Set` and `Dictionary` order differs between runs unless
    /// `SWIFT_DETERMINISTIC_HASHING` is set when the process starts. When it is missing, the
    /// process runs itself again with it set (the same arguments); nothing has happened yet.
    static func reexecWithDeterministicHashingIfNeeded() {
        let arguments = CommandLine.arguments
        guard arguments.count > 1, arguments[1] == "sim", getenv("SWIFT_DETERMINISTIC_HASHING") == nil else { return }
        setenv("SWIFT_DETERMINISTIC_HASHING", "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        // Only reached when exec failed (no /proc, say): go on, and say the digest may differ.
        writeAll("meshtop sim: could not re-run with SWIFT_DETERMINISTIC_HASHING=1 (\(String(cString: strerror(errno)))); "
            + "set it yourself for digests that match across processes\n", to: 2)
    }

    private static func writeAll(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result <= 0 { return }
            written += result
        }
    }
}
