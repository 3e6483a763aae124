#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceMesh
import Simulation
import Telemetry

/// What the simulated body hands back: the headless result, the digest, and figures read from the
/// mesh once the run settled.
public struct SimRunValue: Sendable {
    public var result: HeadlessRunResult
    public var digest: String
    public var figures: Figures
    /// Virtual time at which the settled system's invariants were checked.
    public var invariantsCheckedAt: Duration

    /// Read from the mesh after the run, in an order that does not depend on the process.
    public struct Figures: Sendable, Equatable {
        /// Requests the gateway answered, by status, status order.
        public var requestsByOutcome: [SimReport.Count]
        /// Every fault change played (from the event log), oldest first.
        public var faultsApplied: [SimReport.FaultChange]

        init(_ mesh: Mesh) {
            let store = mesh.telemetry.metricsStore
            var byStatus: [String: Int] = [:]
            for series in store.series(matching: SeriesSelector(label: "requests_total", matching: ["service": "gateway"])) {
                guard let status = series.key.dimensions.first(where: { $0.name == "status" })?.value else { continue }
                byStatus[status, default: 0] += Int(store.total(SeriesSelector(label: "requests_total", matching: series.key.dimensions.reduce(into: [:]) { $0[$1.name] = $1.value })))
            }
            requestsByOutcome = byStatus.keys.sorted().map { SimReport.Count(outcome: $0, count: byStatus[$0]!) }
            faultsApplied = mesh.telemetry.events.recent(kinds: [.manualAction]).sorted { $0.id < $1.id }
                .filter { $0.message.hasPrefix("fault ") }
                .map { SimReport.FaultChange(atSeconds: $0.uptimeSeconds, service: $0.source, change: $0.message) }
        }
    }

    init(result: HeadlessRunResult, digest: String, mesh: Figures, invariantsCheckedAt: Duration) {
        self.result = result
        self.invariantsCheckedAt = invariantsCheckedAt
        self.digest = digest
        figures = mesh
    }
}

/// The report of `meshtop sim`: how the simulation went, what the system did, and the digest that
/// says whether two runs were the same.
///
/// Exit statuses: 0 every invariant holds, 1 one is violated, 2 a bad option (before any run),
/// 3 the simulation itself failed (work escaped the simulator, a deadlock, a run that did not end).
public struct SimReport: Codable, Sendable, Equatable {
    public struct Count: Codable, Sendable, Equatable {
        public var outcome: String
        public var count: Int
    }

    public struct FaultChange: Codable, Sendable, Equatable {
        /// Virtual seconds since the start of the run.
        public var atSeconds: Double
        public var service: String
        public var change: String
    }

    public var system: String
    public var seed: UInt64
    /// The command that replays this run.
    public var replay: String
    /// How the simulation ended (`completed`, `deadline reached`, `deadlock`).
    public var ending: String
    /// Why the simulation failed; nil when it ran to its end without escapes.
    public var simulationFailure: String?
    public var virtualSeconds: Double
    public var wallSeconds: Double
    /// Virtual time over wall time.
    public var speedUp: Double
    public var jobsRun: Int
    public var escapes: Int
    /// Requests the traffic generator sent.
    public var requestsSent: Int
    /// What the gateway answered, by status.
    public var requestsByOutcome: [Count]
    /// Where the scheduled faults came from: `swarm`, `none` or `scenario FILE`.
    public var faultPlan: String
    /// The schedule swarm drew for this seed, as a scenario file holds it (nil unless swarm).
    public var swarmSchedule: Scenario?
    public var faultsApplied: [FaultChange]
    public var orders: HeadlessReport.Orders?
    public var invariantsChecked: Int
    public var violations: [Violation]
    /// Virtual seconds at which the violations were found (the invariants are checked once the
    /// run has settled); nil when none was.
    public var firstViolationAtSeconds: Double?
    /// SHA-256 over the event log, the final metrics and the stored traces (``SimulationDigest``);
    /// nil when the run failed before it settled.
    public var digest: String?

    public init(options: SimOptions, simulation: SimulationReport<SimRunValue>) {
        system = options.system
        seed = options.seed
        replay = options.replayCommand
        ending = simulation.ending.description
        simulationFailure = simulation.failure?.description
        if simulationFailure == nil, simulation.value == nil {
            simulationFailure = "simulation with seed \(options.seed) failed: the run stopped before it settled"
        }
        virtualSeconds = simulation.virtualTime.seconds
        wallSeconds = simulation.wallTime.seconds
        speedUp = wallSeconds > 0 ? virtualSeconds / wallSeconds : 0
        jobsRun = simulation.jobsRun
        escapes = simulation.escapes
        let value = simulation.value
        requestsSent = value?.result.traffic?.sent ?? 0
        requestsByOutcome = value?.figures.requestsByOutcome ?? []
        faultsApplied = value?.figures.faultsApplied ?? []
        switch options.faultPlan {
        case .none: faultPlan = "none"
        case .swarm: faultPlan = "swarm"
        case .scenario(let path, _): faultPlan = "scenario \(path)"
        }
        swarmSchedule = options.swarmScenario
        orders = value?.result.report.orders
        invariantsChecked = options.demoSystem.profile.invariants.count
        violations = value?.result.report.invariants.violations ?? []
        firstViolationAtSeconds = violations.isEmpty ? nil : value?.invariantsCheckedAt.seconds
        digest = value?.digest
    }

    /// What failed, to tell whether another run failed the same way: the first violated
    /// invariant's name, `simulation` when the simulation itself failed, nil when the run passed.
    public var failureSignature: String? {
        if simulationFailure != nil { return "simulation" }
        return violations.first?.invariant.rawValue
    }

    /// Whether this run failed with `signature` (``failureSignature`` of another run): the
    /// simulation failed, or one of its violations is of that invariant.
    public func fails(as signature: String) -> Bool {
        if signature == "simulation" { return simulationFailure != nil }
        return simulationFailure == nil && violations.contains { $0.invariant.rawValue == signature }
    }

    /// The first violation or the simulation's failure, in one line; nil when the run passed.
    public var firstFailure: String? {
        if let simulationFailure { return simulationFailure }
        return violations.first.map { "\($0.invariant.rawValue): \($0.message)" }
    }

    /// 0 invariants hold, 1 one is violated, 3 the simulation failed.
    public var exitStatus: Int32 {
        if simulationFailure != nil { return HeadlessOutput.exitRunFailed }
        return violations.isEmpty ? HeadlessOutput.exitInvariantsHold : HeadlessOutput.exitInvariantViolated
    }

    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The report as text, ending with a newline.
    public func renderText() -> String {
        var lines: [String] = []
        lines.append("meshtop sim \(system): seed \(seed)")
        lines.append("  simulation   \(ending); virtual \(Self.seconds(virtualSeconds)) in wall \(Self.seconds(wallSeconds)) "
            + "(speed-up \(Self.fixed(speedUp, 1))x); \(jobsRun) jobs; \(escapes) escapes")
        lines.append("  requests     \(requestsSent) sent; gateway answered "
            + (requestsByOutcome.isEmpty ? "none" : requestsByOutcome.map { "\($0.outcome): \($0.count)" }.joined(separator: ", ")))
        if let orders {
            lines.append("  orders       \(orders.placed) placed, \(orders.confirmed) confirmed, \(orders.cancelled) cancelled, "
                + "\(orders.pending) pending, \(orders.compensations) compensated")
        }
        let plan = swarmSchedule.map { "swarm, \(FaultSchedule($0).summary)" } ?? faultPlan
        if faultsApplied.isEmpty {
            lines.append(plan == "none" ? "  faults       none" : "  faults       none applied (\(plan))")
        } else {
            lines.append("  faults       \(faultsApplied.count) applied (\(plan)):")
            for change in faultsApplied { lines.append("    at \(Self.seconds(change.atSeconds))  \(change.service): \(change.change)") }
        }
        lines.append("  invariants   \(invariantsChecked) checked, \(violations.count) violated")
        lines.append("  digest       \(digest ?? "none (the run did not settle)")")
        if let simulationFailure {
            lines.append("FAILED: \(simulationFailure)")
            lines.append("replay: \(replay)")
        } else if let first = violations.first {
            lines.append("VIOLATED: \(first.description)")
            lines.append("replay: \(replay)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func seconds(_ value: Double) -> String {
        value >= 100 ? "\(Int(value.rounded()))s" : "\(fixed(value, 3))s"
    }

    private static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale), fraction = abs(scaled % Int64(scale))
        let text = String(fraction)
        return "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(String(repeating: "0", count: digits - text.count))\(text)"
    }
}
