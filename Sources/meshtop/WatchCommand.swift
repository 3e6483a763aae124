import ArgumentParser
import Dashboard
import DemoSystems
import HTTPEdge
import MeshtopKit
import OTLP
import OTLPHTTP
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

/// `meshtop watch`: an OTLP/HTTP receiver, and the dashboard (or, headless, `serve`'s API) on
/// whatever OpenTelemetry-instrumented processes send it.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Receive OTLP from any OpenTelemetry-instrumented process and watch it on the dashboard.",
        discussion: """
            Listens for OTLP/HTTP (POST /v1/traces, /v1/metrics and /v1/logs; protobuf or JSON, gzip or not) on \
            --otlp-listen, OTLP's usual port 4318 by default. Point an SDK at it, e.g. \
            OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318.

            Services come from the senders' service.name; request rates, error ratios and latencies \
            from their server and consumer spans; calls between services from spans whose parent is \
            another service's. Controls (trip, fault) are off: the services run in their own processes.

            --headless serves meshtop serve's API on --listen instead of opening the dashboard \
            (for scripts, `meshtop attach`, and Prometheus on /metrics).

            Exit status: 0 stopped by q, a signal or after --duration; 2 a bad option or no terminal \
            (nothing ran); 3 an address could not be bound.
            """
    )

    @Option(help: ArgumentHelp("Where the OTLP receiver listens, HOST:PORT; port 0 picks a free one. (default: 127.0.0.1:4318)", valueName: "host:port"))
    var otlpListen: String = "127.0.0.1:4318"

    @Flag(help: "Serve the HTTP API on --listen instead of opening the dashboard.")
    var headless = false

    @Option(help: ArgumentHelp("With --headless: where the HTTP API listens, HOST:PORT. (default: \(ListenAddress.defaultValue))", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("The name the header and API give what is watched. (default: otlp)", valueName: "name"))
    var name: String = "otlp"

    @Option(help: ArgumentHelp("Stop after this long: 500ms, 10s, 2m. (default: until q or a signal)", valueName: "duration"))
    var duration: String?

    @Option(help: ArgumentHelp("Dashboard redraw interval in milliseconds, 10…10000. (default: 250)", valueName: "ms"))
    var refreshMs: Int = 250

    func validate() throws {
        do {
            _ = try WatchSettings(self)
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        let settings: WatchSettings
        do {
            settings = try WatchSettings(self)
        } catch {
            throw DemoUsageError(message: error.message)
        }
        if !headless, isatty(STDIN_FILENO) != 1 || isatty(STDOUT_FILENO) != 1 {
            throw DemoUsageError(message: "the dashboard needs a terminal, but standard input or output is not one; "
                + "use `meshtop watch --headless` to serve the API instead")
        }
        let clock = ContinuousClock()
        let system = WatchedSystem(time: TimeSource(clock: clock), configuration: .init(name: settings.name))
        let receiver = OTLPReceiver(
            routes: OTLPReceiverRoutes(system: system), host: settings.otlpListen.host, port: settings.otlpListen.port,
            onListening: { address in
                if settings.headless { writeLine("receiving OTLP on http://\(address)") }
            })
        var services: [any Service] = [WatchedSystemRuntime(system: system, clock: clock), receiver]
        if let duration = settings.duration { services.append(StopAfter(duration: duration, clock: clock)) }
        if settings.headless {
            let server = HTTPEdgeServer(
                routes: EdgeRoutes(provider: WatchedEdgeProvider(system: system), token: nil, clock: clock),
                host: settings.listen.host, port: settings.listen.port,
                onListening: { address in writeLine("serving \(settings.name) on http://\(address)") })
            try await SystemGroup.run(services + [server], shutdownSignals: [.sigterm, .sigint])
        } else {
            let dashboard = try DashboardService(source: WatchedSource(system: system), refresh: .milliseconds(settings.refreshMs))
            defer { dashboard.restoreTerminal() }
            try await SystemGroup.run(services + [dashboard], shutdownSignals: [])
        }
    }
}

/// `watch`'s options, checked.
private struct WatchSettings: Sendable {
    var otlpListen: ListenAddress
    var listen: ListenAddress
    var headless: Bool
    var name: String
    var duration: Duration?
    var refreshMs: Int

    struct Problem: Error {
        var message: String
    }

    init(_ command: WatchCommand) throws(Problem) {
        do {
            otlpListen = try ListenAddress(parsing: command.otlpListen)
        } catch {
            throw Problem(message: "--otlp-listen \(error)")
        }
        do {
            listen = try command.listen.map { text throws(ListenAddressError) in try ListenAddress(parsing: text) } ?? .defaultValue
        } catch {
            throw Problem(message: "--listen \(error)")
        }
        if command.listen != nil, !command.headless {
            throw Problem(message: "--listen is where --headless serves the API; add --headless, or leave --listen out")
        }
        if !listen.isLoopback {
            throw Problem(message: "--listen \(listen): watch serves its API without a token, so only on a loopback address such as 127.0.0.1:PORT")
        }
        headless = command.headless
        let trimmed = command.name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 64, !trimmed.contains(where: \.isNewline) else {
            throw Problem(message: "--name \"\(command.name)\": give 1…64 characters")
        }
        name = trimmed
        if let text = command.duration {
            do {
                duration = try DurationParser.parse(text)
            } catch {
                throw Problem(message: "--duration \(error)")
            }
        } else {
            duration = nil
        }
        guard (10...10_000).contains(command.refreshMs) else {
            throw Problem(message: "--refresh-ms \(command.refreshMs) is out of range: give 10…10000 milliseconds")
        }
        refreshMs = command.refreshMs
    }
}

/// The dashboard's source over a watched system: read in process, no controls.
struct WatchedSource: DashboardSource {
    let system: WatchedSystem

    func snapshot() async -> SystemSnapshot? { system.snapshot(window: 10) }
    func traces(_ query: TraceQuery) async -> TracePage { system.traces(query) }
    func traceTree(id: String) async -> TraceTree? { system.traceTree(id: id) }
    func logs(traceId: String) async -> [LogRecord]? { system.logs.records(traceId: traceId) }

    func perform(_ command: ControlCommand) async throws {
        throw ControlTargetNotFound(WatchedSystem.controlUnavailableReason)
    }

    var controlUnavailableReason: String? { WatchedSystem.controlUnavailableReason }
}

/// Ends the group after `duration`: `--duration`.
struct StopAfter<C: Clock>: Service where C.Duration == Duration {
    let duration: Duration
    let clock: C

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await clock.sleep(for: duration) }
    }
}

/// One line on standard output at once, unbuffered: scripts wait for it.
private func writeLine(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    var written = 0
    while written < bytes.count {
        let result = bytes.withUnsafeMutableBytes { buffer in
            write(STDOUT_FILENO, buffer.baseAddress! + written, buffer.count - written)
        }
        if result <= 0 { return }
        written += result
    }
}
