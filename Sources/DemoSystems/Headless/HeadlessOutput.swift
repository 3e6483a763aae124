#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a finished headless run hands to the command line: the report, the Prometheus exposition
/// taken at the end, and what the traffic generator measured.
public struct HeadlessRunResult: Sendable, Equatable {
    public var report: HeadlessReport
    /// `PrometheusExposition.render(store)` at the end of the run.
    public var prometheusExposition: String
    /// What the generator sent and at what rate; nil when no traffic ran.
    public var traffic: TrafficRunSummary?

    public init(report: HeadlessReport, prometheusExposition: String, traffic: TrafficRunSummary? = nil) {
        self.report = report
        self.prometheusExposition = prometheusExposition
        self.traffic = traffic
    }
}

/// Turns a headless run's result into what the process prints, writes and exits with.
///
/// Exit statuses of `meshtop demo`: 0 every invariant holds, 1 an invariant is violated (the report
/// lists which), 2 a bad option (nothing ran), 3 the run could not be carried out.
public enum HeadlessOutput {
    public static let exitInvariantsHold: Int32 = 0
    public static let exitInvariantViolated: Int32 = 1
    public static let exitUsage: Int32 = 2
    public static let exitRunFailed: Int32 = 3

    /// Writes the exposition to `options.prometheusOutputPath` (when given) and returns the text
    /// for standard output (JSON with `--json`, the text report otherwise) and the exit status.
    ///
    /// - Parameter writeFile: writes text to a path (tests pass their own).
    /// - Throws: ``HeadlessOutputError`` when the JSON cannot be made or the file cannot be written.
    public static func finish(
        _ result: HeadlessRunResult,
        options: DemoOptions,
        writeFile: (String, String) throws -> Void = HeadlessOutput.writeFileToDisk
    ) throws(HeadlessOutputError) -> (standardOutput: String, exitStatus: Int32) {
        if let path = options.prometheusOutputPath {
            do {
                try writeFile(result.prometheusExposition, path)
            } catch {
                throw HeadlessOutputError(message: "cannot write the Prometheus exposition to \(path): \(error)")
            }
        }
        var output: String
        if options.json {
            do {
                output = try result.report.jsonString() + "\n"
            } catch {
                throw HeadlessOutputError(message: "cannot encode the report as JSON: \(error)")
            }
        } else {
            output = result.report.renderText()
            if let traffic = result.traffic { output += traffic.summaryLine + "\n" }
        }
        return (output, result.report.exitStatus)
    }

    @Sendable public static func writeFileToDisk(_ text: String, _ path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}

public struct HeadlessOutputError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension TrafficRunSummary {
    /// One line for the text report: `TRAFFIC     sent 2,000 (target 200 req/s, achieved 199.9 req/s), max lag 1.2ms, 0 late`.
    public var summaryLine: String {
        "TRAFFIC     sent \(HeadlessReport.grouped(sent)) (target \(HeadlessReport.fixed(targetRPS, decimals: 1)) req/s, achieved \(HeadlessReport.fixed(achievedRPS, decimals: 1)) req/s), "
            + "max lag \(HeadlessReport.milliseconds(maxLagMs)), \(HeadlessReport.grouped(lateSends)) late"
            + (wasCancelled ? ", cancelled" : "")
    }
}
