import Dispatch
import Simulation
import Synchronization
import Testing

// Each run on a thread of its own, so escaped work finds the cooperative threads free.
@Suite("Escape detection")
struct EscapeDetectionTests {
    /// How long the loop waits for a task resumed from outside before calling it a deadlock: long
    /// enough for a loaded machine to run the escaped work (a passing run never waits it). 5 s was
    /// not: with `swift test` keeping both cores' cooperative threads busy, escaped work waited
    /// longer for a thread, and three of these tests saw a deadlock instead of an escape.
    static let grace = Duration.seconds(60)

    @Test("a clean structured body has no escapes")
    func cleanBody() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 1, deadlockGrace: Self.grace) { await sleepingWorkload($0, tasks: 20) }
        try report.check()
        #expect(report.escapes == 0)
        #expect(report.firstEscape == nil)
    }

    @Test("awaiting a Task.detached is an escape, at the virtual time it came back")
    func detachedTask() async {
        let report = await Simulator.runOnDedicatedThread(seed: 2, deadlockGrace: Self.grace) { simulation in
            try await simulation.clock.sleep(for: .seconds(2))
            return await Task.detached { 42 }.value
        }
        #expect(report.value == 42)
        #expect(report.escapes >= 1)
        #expect(report.firstEscape == .seconds(2))
        guard case .escaped(let count, let firstAt) = report.failure?.kind else {
            Issue.record("expected an escape failure, got \(String(describing: report.failure))")
            return
        }
        #expect(count == report.escapes)
        #expect(firstAt == .seconds(2))
    }

    @Test("a continuation resumed from a Dispatch queue is an escape")
    func dispatchQueue() async {
        let report = await Simulator.runOnDedicatedThread(seed: 3, deadlockGrace: Self.grace) { simulation in
            try await simulation.clock.sleep(for: .milliseconds(1500))
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async { continuation.resume() }
            }
        }
        #expect(report.ending == .completed)
        #expect(report.escapes == 1)
        #expect(report.firstEscape == .milliseconds(1500))
        #expect(report.failure != nil)
    }

    @Test("a real Task.sleep inside the simulation is an escape")
    func realSleep() async {
        let report = await Simulator.runOnDedicatedThread(seed: 4, deadlockGrace: Self.grace) { _ in
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(report.ending == .completed)
        #expect(report.escapes >= 1)
    }

    @Test("unstructured Task {} does not run on the simulation's thread; awaiting it is an escape")
    func unstructuredTask() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 5, deadlockGrace: Self.grace) { simulation in
            var onSimulationThread = 0
            for _ in 0..<20 {
                if await Task(operation: { simulation.isOnSimulationThread }).value { onSimulationThread += 1 }
            }
            return onSimulationThread
        }
        // Measured: none of them runs there (the executor preference is not inherited).
        #expect(report.value == 0)
        #expect(report.escapes >= 1)
    }

    @Test("an unstructured Task {} sleeping on the simulation's clock is an escape")
    func unstructuredTaskSleepingOnTheClock() async {
        let report = await Simulator.runOnDedicatedThread(seed: 8, deadlockGrace: Self.grace) { simulation in
            await Task {
                try? await simulation.clock.sleep(for: .seconds(1))
                return simulation.clock.now
            }.value
        }
        #expect(report.value == .init(offset: .seconds(1)))
        // The sleep started on another thread, and the body was resumed from one.
        #expect(report.escapes >= 2)
        #expect(report.firstEscape == .zero)
    }

    @Test("Task(executorPreference: simulation.executor) stays in the simulation")
    func unstructuredTaskWithExecutorPreference() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 6, deadlockGrace: Self.grace) { simulation in
            var onSimulationThread = 0
            for _ in 0..<20 {
                let task = Task(executorPreference: simulation.executor) {
                    try? await simulation.clock.sleep(for: .milliseconds(10))
                    return simulation.isOnSimulationThread
                }
                if await task.value { onSimulationThread += 1 }
            }
            return onSimulationThread
        }
        try report.check()
        #expect(report.value == 20)
        #expect(report.virtualTime == .milliseconds(200))
    }

    @Test("a service-lifecycle-style structured workload stays on the executor")
    func structuredServicesStayOnTheExecutor() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 7, until: .seconds(30), deadlockGrace: Self.grace) { simulation in
            let tally = ThreadTally()
            // As a ServiceGroup runs its services: one child task per service in a discarding group,
            // each service a loop on the clock with its own children, stopped by cancellation.
            await withDiscardingTaskGroup { services in
                for service in 0..<4 {
                    services.addTask {
                        while !Task.isCancelled {
                            await withTaskGroup(of: Void.self) { requests in
                                for request in 0..<3 {
                                    requests.addTask {
                                        try? await simulation.clock.sleep(for: .milliseconds(10 * (request + 1)))
                                        await tally.note(onSimulationThread: simulation.isOnSimulationThread)
                                    }
                                }
                            }
                            async let check = simulation.isOnSimulationThread
                            await tally.note(onSimulationThread: await check)
                            try? await simulation.clock.sleep(for: .milliseconds(100 * (service + 1)))
                        }
                    }
                }
                // The group's shutdown: what a signal or the first service to return would trigger.
                try? await simulation.clock.sleep(for: .seconds(20))
                services.cancelAll()
            }
            return await tally.counts
        }
        try report.check()
        #expect(report.ending == .completed)
        #expect(report.escapes == 0)
        let counts = try #require(report.value)
        #expect(counts.elsewhere == 0)
        #expect(counts.onSimulationThread > 1_000)
        #expect(report.virtualTime == .seconds(20))
    }
}

/// Counts where the workload's tasks found themselves running.
actor ThreadTally {
    private(set) var counts = (onSimulationThread: 0, elsewhere: 0)

    func note(onSimulationThread: Bool) {
        if onSimulationThread { counts.onSimulationThread += 1 } else { counts.elsewhere += 1 }
    }
}
