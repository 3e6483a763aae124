import ArgumentParser
import Dashboard
import MeshtopKit
import DemoSystems
import ServiceLifecycle
import ServiceMesh
import Synchronization
import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `meshtop snapshot [SYSTEM]`: run a system under traffic for a while, then print one dashboard view
/// as plain text (no terminal, no ncurses) or the whole snapshot as JSON.
///
/// Every option is taken as text and validated by `SnapshotOptions` (DemoSystems), so the rules and
/// their messages are unit-tested there; a bad value exits with status 2 before anything runs.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Run a system under traffic, then print a dashboard view as plain text (or the snapshot as JSON).",
        discussion: """
            The view is the one the dashboard shows at that moment, with rates and percentiles over \
            the last 10 s; `trace` is the detail of the slowest stored trace (or of --trace ID); `topology` \
            the services in layers from the gateway with the calls and event deliveries between them; \
            `service` and `breaker` the detail of --target NAME; `route` the slowest stored traces \
            of --target SERVICE:ROUTE; `help` every key; `compare` two traces \
            of the same operation span by span (--trace A --trace B).

            Exit status: 0 printed; 2 a bad option (nothing ran); 3 the run could not be carried out.
            """
    )

    @Argument(help: SharedHelp.system)
    var system: String?

    @Option(help: ArgumentHelp("The view to print: \(SnapshotView.acceptedNames). (default: services)", valueName: "view"))
    var view: String?

    @Option(help: ArgumentHelp("Columns of the text, \(SnapshotOptions.widthRange.lowerBound)…\(SnapshotOptions.widthRange.upperBound). (default: \(SnapshotOptions.defaultWidth))", valueName: "columns"))
    var width: String?

    @Option(help: ArgumentHelp("Rows of the text, \(SnapshotOptions.heightRange.lowerBound)…\(SnapshotOptions.heightRange.upperBound). (default: \(SnapshotOptions.defaultHeight))", valueName: "rows"))
    var height: String?

    @Option(help: ArgumentHelp("How long the system runs under traffic first: 500ms, 3s, 1m. (default: 3s)", valueName: "duration"))
    var after: String?

    @Option(help: ArgumentHelp("Seed for traffic and the system; the same seed gives the same requests. (default: 42)", valueName: "seed"))
    var seed: String?

    @Option(help: ArgumentHelp("Requests per second the open-loop generator sends. (default: 200)", valueName: "rps"))
    var rps: String?

    @Option(name: .customLong("fault"), help: SharedHelp.fault)
    var faults: [String] = []

    @Flag(help: "Print the whole SystemSnapshot as JSON instead of a view.")
    var json = false

    @Option(help: ArgumentHelp("The service (--view service), breaker (--view breaker, CALLER->TARGET) or route (--view route, SERVICE:ROUTE) to show.", valueName: "name"))
    var target: String?

    @Option(name: .customLong("trace"), help: ArgumentHelp("A trace id (32 hex digits): the one --view trace shows; give two for --view compare.", valueName: "id"))
    var traces: [String] = []

    var arguments: SnapshotArguments {
        SnapshotArguments(system: system, view: view, width: width, height: height, after: after, seed: seed, rps: rps, faults: faults, json: json,
                          target: target, traces: traces)
    }

    func validate() throws {
        do {
            _ = try SnapshotOptions(validating: arguments)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let options: SnapshotOptions
        do {
            options = try SnapshotOptions(validating: arguments)
        } catch {
            throw DemoUsageError(message: error.description)
        }
        print(try await takeSnapshot(options), terminator: "")
    }
}

/// Runs the system for `options.after` and returns what `meshtop snapshot` prints (ending in a newline).
///
/// The snapshot is taken while traffic still flows, as the dashboard would show it at that moment;
/// then the system winds down as every run does (``SystemGroup``).
func takeSnapshot(_ options: SnapshotOptions) async throws -> String {
    let run = try SystemGroup.live(options.system, seed: options.seed, rps: options.rps, faults: options.faults)
    let capture = SnapshotCapture(source: MeshSource(mesh: run.mesh), clock: run.clock, at: run.createdAt.advanced(by: options.after), options: options)
    try await SystemGroup.run([run, capture], shutdownSignals: [.sigterm, .sigint])
    if let problem = capture.problem {
        throw DemoUsageError(message: problem)
    }
    guard let text = capture.text else {
        throw SnapshotRunError(message: "interrupted before the snapshot was taken")
    }
    return text
}

/// Waits until the moment a snapshot is due, takes it and renders it, then returns (which winds
/// the group down).
final class SnapshotCapture: Service, Sendable {
    let source: MeshSource
    let clock: ContinuousClock
    let due: ContinuousClock.Instant
    let options: SnapshotOptions
    private let taken = Mutex<String?>(nil)
    private let foundProblem = Mutex<String?>(nil)

    init(source: MeshSource, clock: ContinuousClock, at due: ContinuousClock.Instant, options: SnapshotOptions) {
        self.source = source
        self.clock = clock
        self.due = due
        self.options = options
    }

    /// What `meshtop snapshot` prints; nil until taken.
    var text: String? { taken.withLock { $0 } }
    /// Why the view asked for cannot be shown (an unknown --target, a --trace not stored); nil when it can.
    var problem: String? { foundProblem.withLock { $0 } }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { [clock, due] in try await clock.sleep(until: due, tolerance: nil) }
        } catch {
            return
        }
        if Task.isShuttingDownGracefully { return }
        source.mesh.telemetry.metricsStore.tick()
        let snapshot = source.observe()
        let text = try render(snapshot)
        taken.withLock { $0 = text }
    }

    /// Rendered while the system runs, from the trace store as the dashboard pages it.
    private func render(_ snapshot: SystemSnapshot) throws -> String {
        if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                return String(decoding: try encoder.encode(snapshot), as: UTF8.self) + "\n"
            } catch {
                throw SnapshotRunError(message: "cannot encode the snapshot as JSON: \(error)")
            }
        }
        let view = DashboardView(options.view)
        if let problem = DashboardRenderer.viewProblem(view: view, target: options.target, traceIDs: options.traces, snapshot: snapshot, traceTree: source.tree(id:)) {
            foundProblem.withLock { $0 = problem }
            return ""
        }
        let text = DashboardRenderer.renderText(
            view: view, snapshot: snapshot, traces: source.tracePage, traceTree: source.tree(id:),
            target: options.target, traceIDs: options.traces, width: options.width, height: options.height)
        return text + "\n"
    }
}

/// `meshtop snapshot` ran but could not produce its output: exit status 3.
struct SnapshotRunError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension DashboardView {
    init(_ view: SnapshotView) {
        switch view {
        case .services: self = .services
        case .breakers: self = .breakers
        case .traces: self = .traces
        case .trace: self = .trace
        case .events: self = .events
        case .topology: self = .topology
        case .interventions: self = .interventions
        case .logs: self = .logs
        case .service: self = .service
        case .breaker: self = .breaker
        case .route: self = .route
        case .help: self = .help
        case .compare: self = .compare
        }
    }
}
