import Foundation
import Randomness
import Simulation

/// The simulator's cost per sleep/wake (a task parks on the virtual clock, the loop advances time
/// and runs it again), against the same workload as plain function calls.
func registerSimulationBenchmarks(on runner: BenchmarkRunner) {
    runner.declareBaselines(["sim.baseline-plain-calls"])

    // The workload without a simulator: draw the next pause, move a virtual "now", log the step.
    runner.measure("sim.baseline-plain-calls", iterations: 10_000_000,
                   note: "per step: a seeded pause, a time update and a digest update, as plain calls") { n in
        var generator = SeededRandom(seed: 1)
        var now = Duration.zero
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325
        for step in 0..<n {
            now += .microseconds(Int64(generator.next() % 1_000))
            digest = stepDigest(digest, step: step, now: now)
        }
        blackHole(digest)
    }

    // One task sleeping n times: every sleep is a continuation parked on the clock, a clock
    // advance, an enqueue and a job run on the simulation's executor.
    let oneTaskJobs = jobsPerSleep(tasks: 1, sleeps: 10_000)
    runner.measure("sim.sleep-wake-1-task", baseline: "sim.baseline-plain-calls", iterations: 100_000,
                   note: "per sleep of one task; \(oneTaskJobs) jobs per sleep") { n in
        blackHole(simulatedSleeps(tasks: 1, sleepsPerTask: n).jobsRun)
    }

    // 100 tasks in a task group, seeded pauses: the sleeper heap holds 100 entries, with ties.
    let manyTasksJobs = jobsPerSleep(tasks: 100, sleeps: 10_000)
    runner.measure("sim.sleep-wake-100-tasks", baseline: "sim.baseline-plain-calls", iterations: 100_000,
                   note: "per sleep, 100 tasks in a task group; \(manyTasksJobs) jobs per sleep") { n in
        blackHole(simulatedSleeps(tasks: 100, sleepsPerTask: max(1, n / 100)).jobsRun)
    }
}

/// Jobs the executor runs per sleep in that workload, measured (for the figure's note).
private func jobsPerSleep(tasks: Int, sleeps: Int) -> String {
    let report = simulatedSleeps(tasks: tasks, sleepsPerTask: sleeps / tasks)
    return String(format: "%.2f", Double(report.jobsRun) / Double(sleeps))
}

private func simulatedSleeps(tasks: Int, sleepsPerTask: Int) -> SimulationReport<UInt64> {
    let report = Simulator.run(seed: 1) { simulation in
        await withTaskGroup(of: UInt64.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var generator = SeededRandom(seed: simulation.seed, stream: UInt64(task))
                    var digest: UInt64 = 0xCBF2_9CE4_8422_2325
                    for step in 0..<sleepsPerTask {
                        try? await simulation.clock.sleep(for: .microseconds(Int64(generator.next() % 1_000)))
                        digest = stepDigest(digest, step: step, now: simulation.clock.now.offset)
                    }
                    return digest
                }
            }
            return await group.reduce(0, ^)
        }
    }
    if let failure = report.failure {
        FileHandle.standardError.write(Data("meshtop-bench: \(failure)\n".utf8))
        exit(1)
    }
    return report
}

@inline(never)
private func stepDigest(_ digest: UInt64, step: Int, now: Duration) -> UInt64 {
    (digest ^ UInt64(truncatingIfNeeded: step) ^ UInt64(bitPattern: now.components.attoseconds)) &* 0x0000_0100_0000_01B3
}
