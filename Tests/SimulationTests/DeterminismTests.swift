import Simulation
import Synchronization
import Testing

@Suite("Simulator")
struct SimulatorTests {
    @Test("the same seed gives the same ordered log, jobs and virtual time in 20 runs, on any thread")
    func sameSeedSameRun() async throws {
        // The first on the test's own thread (blocking it), the others on threads of their own.
        let first = Simulator.run(seed: 7) { await sleepingWorkload($0) }
        try first.check()
        let digest = try #require(first.value)
        for _ in 1..<20 {
            let again = await Simulator.runOnDedicatedThread(seed: 7) { await sleepingWorkload($0) }
            try again.check()
            #expect(again.value == digest)
            #expect(again.jobsRun == first.jobsRun)
            #expect(again.virtualTime == first.virtualTime)
        }
        #expect(first.ending == .completed)
        #expect(first.escapes == 0)
        // 300 tasks × 8 sleeps, each a wake-up and an actor call at least.
        #expect(first.jobsRun >= 300 * 8)
    }

    @Test("different seeds give different logs")
    func differentSeedsDiffer() async throws {
        var digests: [UInt64] = []
        for seed: UInt64 in 1...5 {
            let report = await Simulator.runOnDedicatedThread(seed: seed) { await sleepingWorkload($0) }
            try report.check()
            digests.append(try #require(report.value))
        }
        #expect(Set(digests).count == digests.count)
    }

    @Test("sleepers due at the same instant wake in the order they went to sleep")
    func tiesWakeInRegistrationOrder() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 1) { simulation in
            let log = OrderedLog(keepsEntries: true)
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<10 {
                    group.addTask {
                        try? await simulation.clock.sleep(until: .init(offset: .seconds(5)))
                        await log.append(task: task, step: 0, at: simulation.clock.now)
                    }
                }
            }
            return await log.entries
        }
        try report.check()
        #expect(report.value == (0..<10).map { "\($0).0@+5.0 seconds" })
    }

    @Test("a run with a deadline stops at that virtual time and cancels the body")
    func deadlineStopsTheRun() async throws {
        let ticks = Counter()
        let report = await Simulator.runOnDedicatedThread(seed: 3, until: .milliseconds(10_500)) { simulation in
            while true {
                try await simulation.clock.sleep(for: .seconds(1))
                await ticks.increment()
            }
        }
        #expect(report.ending == .deadlineReached)
        #expect(report.virtualTime == .milliseconds(10_500))
        #expect(report.sleepersLeft == 0)
        #expect(report.failure == nil)
        guard case .failure(let error) = report.outcome else {
            Issue.record("the body should have thrown when cancelled, got \(String(describing: report.outcome))")
            return
        }
        #expect(error is CancellationError)
        #expect(ticks.value == 10)
    }

    @Test("a body that returns before the deadline completes, with time where it stopped")
    func bodyEndsBeforeTheDeadline() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 3, until: .seconds(60)) { simulation in
            try await simulation.clock.sleep(for: .seconds(2))
            return "done"
        }
        try report.check()
        #expect(report.ending == .completed)
        #expect(report.value == "done")
        #expect(report.virtualTime == .seconds(2))
    }

    @Test("a body that ignores cancellation at the deadline fails the run, and time stays at the deadline")
    func bodyThatDoesNotStop() async {
        let report = await Simulator.runOnDedicatedThread(seed: 3, until: .seconds(5)) { simulation in
            while true {
                try? await simulation.clock.sleep(for: .seconds(1))
                if Task.isCancelled { await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in } }
            }
        }
        #expect(report.ending == .deadlineReached)
        #expect(report.virtualTime == .seconds(5))
        #expect(report.outcome == nil)
        guard case .bodyDidNotStop(let at) = report.failure?.kind else {
            Issue.record("expected a body that did not stop, got \(String(describing: report.failure))")
            return
        }
        #expect(at == .seconds(5))
    }

    @Test("a task waiting for a continuation nobody resumes is reported as a deadlock")
    func deadlockIsReported() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 4, deadlockGrace: .milliseconds(10)) { simulation in
            try await simulation.clock.sleep(for: .seconds(3))
            await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
        }
        #expect(report.ending == .deadlock)
        #expect(report.virtualTime == .seconds(3))
        #expect(report.escapes == 0)
        #expect(report.outcome == nil)
        guard case .deadlock(let at) = report.failure?.kind else {
            Issue.record("expected a deadlock failure, got \(String(describing: report.failure))")
            return
        }
        #expect(at == .seconds(3))
        #expect(report.failure?.description.contains("seed 4") == true)
    }

    @Test("cancelling a sleeper wakes it with CancellationError, and time never reaches its deadline")
    func cancellingASleeper() async throws {
        let report = await Simulator.runOnDedicatedThread(seed: 5) { simulation in
            await withTaskGroup(of: String.self) { group in
                group.addTask {
                    do {
                        try await simulation.clock.sleep(for: .seconds(3600))
                        return "woke"
                    } catch {
                        return "\(type(of: error)) at \(simulation.clock.now)"
                    }
                }
                group.addTask {
                    try? await simulation.clock.sleep(for: .seconds(1))
                    return "canceller"
                }
                var results: [String] = []
                if let first = await group.next() { results.append(first) }
                group.cancelAll()
                if let second = await group.next() { results.append(second) }
                return results
            }
        }
        try report.check()
        #expect(report.value == ["canceller", "CancellationError at +1.0 seconds"])
        #expect(report.virtualTime == .seconds(1))
        #expect(report.sleepersLeft == 0)
    }

    @Test("a body that throws fails the run with its error")
    func bodyErrorFailsTheRun() async {
        struct Boom: Error {}
        let report = await Simulator.runOnDedicatedThread(seed: 6) { _ in throw Boom() }
        #expect(report.ending == .completed)
        guard case .bodyThrew(let error) = report.failure?.kind else {
            Issue.record("expected the body's error, got \(String(describing: report.failure))")
            return
        }
        #expect(error is Boom)
    }
}

/// A count shared by the body and the test (the body runs on the simulation's thread; the test
/// reads it after the run).
final class Counter: Sendable {
    private let storage = Mutex(0)
    func increment() async { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}
