#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Telemetry

/// What one side of a comparison runs: a system, the shared rate, duration and seed, and the
/// faults already mapped to this system's own targets (`payment-service`, `payment-module`).
///
/// Codable: `meshtop compare` hands it to the child process that runs the side.
public struct CompareSidePlan: Sendable, Equatable, Codable {
    public var system: String
    public var duration: Duration
    public var rps: Double
    public var seed: UInt64
    public var faults: [ScheduledFault]

    public init(system: String, duration: Duration, rps: Double, seed: UInt64, faults: [ScheduledFault]) {
        self.system = system
        self.duration = duration
        self.rps = rps
        self.seed = seed
        self.faults = faults
    }

    private enum CodingKeys: String, CodingKey { case system, duration, rps, seed, faults }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        system = try container.decode(String.self, forKey: .system)
        duration = try JSONPath.decodeDuration(container, .duration)
        rps = try container.decode(Double.self, forKey: .rps)
        seed = try container.decode(UInt64.self, forKey: .seed)
        faults = try container.decode([ScheduledFault].self, forKey: .faults)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(system, forKey: .system)
        try container.encode(DurationParser.format(duration), forKey: .duration)
        try container.encode(rps, forKey: .rps)
        try container.encode(seed, forKey: .seed)
        try container.encode(faults, forKey: .faults)
    }

    /// The plan as one line of JSON, for a child's command line.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads a plan written by ``jsonString()``, checking its system is in the catalog.
    ///
    /// - Throws: ``CompareOptionsError`` saying what is wrong with it.
    public static func decode(_ text: String) throws(CompareOptionsError) -> CompareSidePlan {
        let plan: CompareSidePlan
        do {
            plan = try JSONDecoder().decode(CompareSidePlan.self, from: Data(text.utf8))
        } catch {
            throw CompareOptionsError(option: "--plan", message: "not a side plan as `meshtop compare` writes it: \(error)")
        }
        do {
            _ = try DemoSystemCatalog.system(named: plan.system)
        } catch {
            throw CompareOptionsError(option: "--plan", message: error.description)
        }
        return plan
    }
}

/// One side's run as a ``SystemRun`` whose answers at the edge are counted by request kind.
public struct CompareSideRun<C: Clock>: Sendable where C.Duration == Duration {
    public let run: SystemRun<C>
    private let outcomes: @Sendable () -> [RouteOutcomes]

    /// The run `plan` asks for on `clock`, settled at the end, its faults played on schedule.
    public init(_ plan: CompareSidePlan, clock: C) throws(TrafficConfigurationError) {
        func recording<S: DemoSystem>(_ type: S.Type) -> (any DemoSystem, @Sendable () -> [RouteOutcomes]) {
            let system = EdgeRecording<S>.make(clock: clock, seed: plan.seed, time: nil)
            return (system, { system.routeOutcomes })
        }
        let (system, outcomes) = recording(DemoSystemCatalog.validated(plan.system))
        let runPlan = SystemRun<C>.Plan(rps: plan.rps, seed: plan.seed, faults: FaultTimeline(plan.faults), trafficDuration: plan.duration, ending: .settle)
        run = try SystemRun(system: system, clock: clock, plan: runPlan)
        self.outcomes = outcomes
    }

    /// The side's result once the run has settled; nil when it was cancelled first.
    public func result() -> CompareSideResult? {
        guard let headless = HeadlessDemo.result(of: run), let traffic = headless.traffic else { return nil }
        return CompareSideResult(system: run.system.mesh.name, report: headless.report, traffic: CompareSideResult.Traffic(traffic), routes: outcomes())
    }
}

/// What one side of a comparison measured: the headless report, the traffic it was offered, the
/// answers at the edge by request kind, and (filled in by the process that ran it as a child)
/// the CPU time and peak memory it took.
public struct CompareSideResult: Sendable, Equatable, Codable {
    public var system: String
    public var report: HeadlessReport
    public var traffic: Traffic
    public var routes: [RouteOutcomes]
    /// nil until the parent process measured the child that ran this side.
    public var resources: Resources?

    public init(system: String, report: HeadlessReport, traffic: Traffic, routes: [RouteOutcomes], resources: Resources? = nil) {
        self.system = system
        self.report = report
        self.traffic = traffic
        self.routes = routes
        self.resources = resources
    }

    /// What the open-loop generator sent.
    public struct Traffic: Sendable, Equatable, Codable {
        public var sent: Int
        public var targetRPS: Double
        public var achievedRPS: Double
        public var sendingSeconds: Double
        public var maxLagMs: Double
        public var lateSends: Int

        public init(sent: Int, targetRPS: Double, achievedRPS: Double, sendingSeconds: Double, maxLagMs: Double, lateSends: Int) {
            self.sent = sent
            self.targetRPS = targetRPS
            self.achievedRPS = achievedRPS
            self.sendingSeconds = sendingSeconds
            self.maxLagMs = maxLagMs
            self.lateSends = lateSends
        }

        init(_ summary: TrafficRunSummary) {
            self.init(sent: summary.sent, targetRPS: summary.targetRPS, achievedRPS: summary.achievedRPS, sendingSeconds: summary.sendingSeconds,
                      maxLagMs: summary.maxLagMs, lateSends: summary.lateSends)
        }
    }

    /// The child process's own usage, from `wait4`: every CPU second it spent (user + system,
    /// from start to exit, settling included) and its peak resident set.
    public struct Resources: Sendable, Equatable, Codable {
        public var cpuSeconds: Double
        public var peakRSSBytes: Int

        public init(cpuSeconds: Double, peakRSSBytes: Int) {
            self.cpuSeconds = cpuSeconds
            self.peakRSSBytes = peakRSSBytes
        }
    }

    /// Reads what ``jsonString()`` wrote (a child's standard output).
    public static func decode(_ bytes: [UInt8]) throws -> CompareSideResult {
        try JSONDecoder().decode(CompareSideResult.self, from: Data(bytes))
    }

    /// The side as one line of JSON, as a child prints it.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The gateway's figures: every request of the side passes it, so they are the edge's.
    public var edge: HeadlessReport.Service? {
        report.services.first { $0.name == "gateway" } ?? report.services.first
    }

    /// CPU seconds per 1,000 requests sent; nil without resources or requests.
    public var cpuSecondsPerThousand: Double? {
        guard let resources, traffic.sent > 0 else { return nil }
        return resources.cpuSeconds / Double(traffic.sent) * 1000
    }

    /// Peak resident set per 1,000 requests sent, in bytes; nil without resources or requests.
    public var peakRSSBytesPerThousand: Double? {
        guard let resources, traffic.sent > 0 else { return nil }
        return Double(resources.peakRSSBytes) / Double(traffic.sent) * 1000
    }

    /// The share of requests the system failed at the edge (5xx), over every request kind.
    public var edgeErrorRatio: Double {
        let requests = routes.reduce(0) { $0 + $1.requests }
        return requests > 0 ? Double(routes.reduce(0) { $0 + $1.failed }) / Double(requests) : 0
    }
}
