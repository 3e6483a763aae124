import ArgumentParser
import DemoSystems
import HTTPEdge
import MeshtopHTTP
import OTLP
import ServiceLifecycle
import Telemetry
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

/// `meshtop serve [SYSTEM]`: run a system headless under traffic and serve its HTTP API
/// (`/metrics`, snapshots, traces, the live feed, the control API) until SIGINT/SIGTERM.
///
/// The system options are `demo --headless`'s, validated by `DemoOptions`; the listen address and
/// the token file by HTTPEdge's `ListenAddress` and `ControlToken`. A bad value exits with status 2
/// before anything runs.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a system under traffic and serve its HTTP API: Prometheus metrics, snapshots, traces, a live feed, control.",
        discussion: """
            Prints `serving SYSTEM on http://HOST:PORT` once it listens (with --listen HOST:0, the port \
            it was given), then runs until SIGINT or SIGTERM (or for --duration).

            The control API (POST /api/v1/control) is on only with --token-file; clients send \
            `Authorization: Bearer TOKEN`. Listening on anything but a loopback address requires a token file.

            Exit status: 0 stopped by a signal or after --duration; 2 a bad option (nothing ran); \
            3 the server could not start (the address is in use, say).
            """
    )

    @Argument(help: SharedHelp.system)
    var system: String?

    @Option(help: ArgumentHelp("Address to listen on, HOST:PORT; port 0 picks a free one. (default: \(ListenAddress.defaultValue))", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("File holding the bearer token that turns the control API on; required to listen beyond loopback.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Stop after this long: 500ms, 10s, 2m, 1h. (default: run until SIGINT/SIGTERM)", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Requests per second the open-loop generator sends. (default: 200, or the scenario's)", valueName: "rps"))
    var rps: String?

    @Option(help: ArgumentHelp("Seed for traffic and faults; the same seed repeats a run. (default: 42, or the scenario's)", valueName: "seed"))
    var seed: String?

    @Option(name: .customLong("fault"), help: SharedHelp.fault)
    var faults: [String] = []

    @Option(help: ArgumentHelp("Play a scenario file's rate and faults over time, e.g. demo/storefront/payment-outage.json.", valueName: "file"))
    var scenario: String?

    @Option(help: SharedHelp.otlpExport)
    var otlpExport: String?
    @Option(help: SharedHelp.sample)
    var sample: String?

    func validate() throws {
        do {
            _ = try ServeSettings(self)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try ServeSettings(self)
        } catch {
            throw DemoUsageError(message: error.message)
        }
        let clock = ContinuousClock()
        let options = settings.options
        let plan = SystemRun<ContinuousClock>.Plan(
            rps: options.rps, seed: options.seed, faults: options.faults,
            trafficDuration: settings.duration, ending: .stop, sampleRatio: options.sampleRatio)
        let run = try SystemRun(system: options.system.make(clock: clock, seed: options.seed, time: nil), clock: clock, plan: plan)
        let provider = MeshEdgeProvider(mesh: run.mesh)
        let systemName = options.systemName
        let server = HTTPEdgeServer(
            routes: EdgeRoutes(provider: provider, token: settings.token, clock: clock),
            host: settings.listen.host,
            port: settings.listen.port,
            onListening: { address in
                // At once and unbuffered: a script started us with port 0 and waits for this line.
                writeAll("serving \(systemName) on http://\(address)\n", to: STDOUT_FILENO)
                if settings.token == nil {
                    writeAll("meshtop serve: the control API is off; start with --token-file FILE to turn it on\n", to: STDERR_FILENO)
                }
            })
        let exporter: [any Service] = settings.export.map { [otlpExporter(for: run.mesh, endpoint: $0, seed: options.seed)] } ?? []
        try await SystemGroup.run([run, server] + exporter, shutdownSignals: [.sigterm, .sigint])
    }
}

/// `serve`'s options, checked: the system run's (as `demo --headless` checks them), where to
/// listen, and the control token.
private struct ServeSettings: Sendable {
    var options: DemoOptions
    /// nil: until a signal.
    var duration: Duration?
    var listen: ListenAddress
    var token: ControlToken?
    var export: OTLPEndpoint?

    struct Problem: Error {
        var message: String
    }

    init(_ command: ServeCommand) throws(Problem) {
        do {
            options = try DemoOptions(validating: DemoArguments(
                system: command.system, headless: true, duration: command.duration, rps: command.rps,
                seed: command.seed, faults: command.faults, scenario: command.scenario,
                sample: command.sample))
        } catch {
            throw Problem(message: "\(error)")
        }
        duration = command.duration == nil ? nil : options.duration
        if let text = command.listen {
            do {
                listen = try ListenAddress(parsing: text)
            } catch {
                throw Problem(message: "--listen \(error)")
            }
        } else {
            listen = .defaultValue
        }
        if let path = command.tokenFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Problem(message: "--token-file: cannot read \(path) (missing, or not readable by this user)")
            }
            do {
                token = try ControlToken.fromFile(contents: String(decoding: data, as: UTF8.self), path: path)
            } catch {
                throw Problem(message: "--token-file: \(error)")
            }
        } else {
            token = nil
        }
        do {
            export = try command.otlpExport.map { text throws(OTLPEndpoint.Invalid) in try OTLPEndpoint(parsing: text) }
        } catch {
            throw Problem(message: error.description)
        }
        if token == nil, !listen.isLoopback {
            throw Problem(message: "--listen \(listen): a non-loopback address is reachable from other machines; "
                + "serving there requires --token-file FILE (the control API's bearer token). For this machine only, use 127.0.0.1:PORT")
        }
    }
}

/// Writes all of `text` to a descriptor, bypassing stdio's buffer.
private func writeAll(_ text: String, to descriptor: Int32) {
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
