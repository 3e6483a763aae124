import Foundation
import MallocInterposerSwift

/// One figure of the benchmark run, as `--json` prints it.
struct BenchmarkResult: Codable {
    var name: String
    /// Nanoseconds per operation (best of several rounds: the least disturbed by the rest of the machine).
    var nsPerOp: Double
    /// The figure this one is compared with, measured earlier in the same run; nil when there is none.
    var baseline: String?
    /// `nsPerOp / baseline.nsPerOp`; nil when there is no baseline.
    var ratio: Double?
    /// Heap allocations per operation (malloc calls counted by malloc-interposer).
    var allocationsPerOp: Double
    /// Extra context for figures that are not plain ns/op (throughput, memory), in words.
    var note: String?
}

/// Never lets the optimiser prove a value unused.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Runs benchmark bodies and collects figures.
///
/// A body receives an iteration count and runs the measured operation that many times itself, so
/// the harness adds one closure call per round, not per operation. Each figure is the best of
/// `rounds` rounds after a warm-up; allocations are counted in a separate round.
final class BenchmarkRunner {
    private(set) var results: [BenchmarkResult] = []
    let filter: String?
    /// Divides every iteration count (`--quick`), for a smoke run.
    let scale: Int
    let rounds: Int
    private let log: (String) -> Void

    init(filter: String?, quick: Bool, log: @escaping (String) -> Void) {
        self.filter = filter
        self.scale = quick ? 20 : 1
        self.rounds = quick ? 2 : 5
        self.log = log
    }

    func shouldRun(_ name: String) -> Bool {
        guard let filter else { return true }
        return name.contains(filter)
    }

    func measure(_ name: String, baseline: String? = nil, iterations: Int, note: String? = nil, _ body: (Int) -> Void) {
        guard shouldRun(name) || isBaselineNeeded(name) else { return }
        let n = max(1, iterations / scale)
        body(max(1, n / 10))
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            body(n)
            best = min(best, nanoseconds(ContinuousClock.now - start) / Double(n))
        }
        let allocations = countAllocations { body(n) }
        record(name: name, nsPerOp: best, baseline: baseline, allocationsPerOp: Double(allocations) / Double(n), note: note)
    }

    func measureAsync(_ name: String, baseline: String? = nil, iterations: Int, note: String? = nil, _ body: (Int) async throws -> Void) async rethrows {
        guard shouldRun(name) || isBaselineNeeded(name) else { return }
        let n = max(1, iterations / scale)
        try await body(max(1, n / 10))
        var best = Double.infinity
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            try await body(n)
            best = min(best, nanoseconds(ContinuousClock.now - start) / Double(n))
        }
        MallocInterposerSwift.hook()
        try await body(n)
        MallocInterposerSwift.unhook()
        let allocations = takeAllocationCount()
        record(name: name, nsPerOp: best, baseline: baseline, allocationsPerOp: Double(allocations) / Double(n), note: note)
    }

    /// Stops the run with a message naming `figure` unless `condition` holds: every figure checks
    /// at set-up that its inputs are what its name and note claim, because a figure measured over
    /// the wrong inputs is worse than none. Checked only when `figure` runs (or is a baseline).
    func require(_ figure: String, _ condition: @autoclosure () -> Bool, _ problem: @autoclosure () -> String) {
        guard shouldRun(figure) || isBaselineNeeded(figure), !condition() else { return }
        FileHandle.standardError.write(Data("meshtop-bench: \(figure): set-up check failed: \(problem())\n".utf8))
        exit(3)
    }

    /// Records a figure measured by other means (a throughput run, a memory reading).
    func record(name: String, nsPerOp: Double, baseline: String? = nil, allocationsPerOp: Double = 0, note: String? = nil) {
        let base = baseline.flatMap { b in results.first { $0.name == b } }
        let result = BenchmarkResult(
            name: name,
            nsPerOp: nsPerOp,
            baseline: baseline,
            ratio: base.map { nsPerOp / $0.nsPerOp },
            allocationsPerOp: allocationsPerOp,
            note: note
        )
        results.append(result)
        log(Self.describe(result))
    }

    /// Baselines run even when filtered out, so a filtered figure still has its ratio.
    private var baselineNames: Set<String> = []
    func declareBaselines(_ names: [String]) { baselineNames.formUnion(names) }
    private func isBaselineNeeded(_ name: String) -> Bool { baselineNames.contains(name) }

    private func countAllocations(_ body: () -> Void) -> Int64 {
        MallocInterposerSwift.hook()
        body()
        MallocInterposerSwift.unhook()
        return takeAllocationCount()
    }

    private func takeAllocationCount() -> Int64 {
        let stats = MallocInterposerSwift.getStatistics()
        MallocInterposerSwift.reset()
        return Int64(stats.mallocCount)
    }

    private func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    static func describe(_ result: BenchmarkResult) -> String {
        var line = result.name.padding(toLength: 44, withPad: " ", startingAt: 0)
        line += String(format: "%12.1f ns/op", result.nsPerOp)
        line += String(format: "  %6.2f allocs/op", result.allocationsPerOp)
        if let ratio = result.ratio, let baseline = result.baseline {
            line += String(format: "  %5.2f× %@", ratio, baseline)
        }
        if let note = result.note { line += "  (\(note))" }
        return line
    }
}

/// Makes sure malloc calls are counted: on Linux the interposer only sees them when its library is
/// loaded first, so the process re-executes itself once with `LD_PRELOAD` set when it is not.
func ensureAllocationCounting() {
    MallocInterposerSwift.initialize()
    MallocInterposerSwift.hook()
    let probe = [Int](repeating: 1, count: 64)
    blackHole(probe)
    MallocInterposerSwift.unhook()
    let counted = MallocInterposerSwift.getStatistics().mallocCount > 0
    MallocInterposerSwift.reset()
    if counted { return }
    #if os(Linux)
    let env = ProcessInfo.processInfo.environment
    if env["MESHTOP_BENCH_PRELOADED"] == nil {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let library = executable.deletingLastPathComponent().appendingPathComponent("libMallocInterposerSwift.so").path
        if FileManager.default.fileExists(atPath: library) {
            setenv("LD_PRELOAD", library, 1)
            setenv("MESHTOP_BENCH_PRELOADED", "1", 1)
            var argv = CommandLine.arguments.map { strdup($0) } + [nil]
            execv(executable.path, &argv)
        }
    }
    #endif
    FileHandle.standardError.write(Data("meshtop-bench: warning: allocations are not being counted (malloc interposer not loaded)\n".utf8))
}
