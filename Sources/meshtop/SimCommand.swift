import ArgumentParser
import DemoSystems
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
        abstract: "Run the storefront on the deterministic simulator: virtual time, one seed, a digest of the run.",
        discussion: """
            The same SystemRun as `meshtop demo --headless`, on a virtual clock and one thread: an hour \
            of traffic takes far less than an hour, and the same seed gives the same run (the same digest).

            Exit status: 0 all invariants hold; 1 an invariant was violated (the report gives the first \
            and the command that replays the run); 2 a bad option (nothing ran); 3 the simulation failed \
            (work escaped the simulator, a deadlock).
            """
    )

    @Argument(help: SharedHelp.system)
    var system: String?

    @Option(help: ArgumentHelp("Seed of the run, 0…\(UInt64.max); the same seed replays the run. (default: drawn at random, printed first)", valueName: "seed"))
    var seed: String?

    @Option(help: ArgumentHelp("Virtual time traffic runs: 500ms, 10s, 2m, 1h. (default: 1h)", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Requests per second the open-loop generator sends. (default: 200)", valueName: "rps"))
    var rps: String?

    @Option(name: .customLong("fault"), help: SharedHelp.fault)
    var faults: [String] = []

    @Option(name: .customLong("faults"), help: ArgumentHelp("Faults over time: none, or a scenario file (only its faults are played). (default: none)", valueName: "none|file"))
    var faultSource: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    var arguments: SimArguments {
        SimArguments(system: system, seed: seed, duration: duration, rps: rps, faults: faults, faultSource: faultSource, json: json)
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
