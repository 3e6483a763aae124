import Synchronization

/// What a simulated body is given: the run's seed, its clock and its executor.
public struct SimulationContext: Sendable {
    /// The run's seed. Derive every component's generator from it (one stream per component),
    /// so the same seed replays the same run.
    public let seed: UInt64
    /// The run's virtual clock; every component of the simulated system must sleep on it.
    public let clock: SimulatedClock
    /// The run's executor, to pass on to an unstructured task that must stay in the simulation:
    /// `Task(executorPreference: context.executor) { ... }`.
    public let executor: SimulationExecutor

    /// Whether the caller runs on the simulation's thread (a check for tests and assertions).
    public var isOnSimulationThread: Bool { executor.isOnSimulationThread }
}

/// Runs a whole system on a virtual clock, on one thread, from one seed: the same seed and body
/// give the same run, job for job.
///
/// ```swift
/// let report = Simulator.run(seed: 42, until: .seconds(45)) { simulation in
///     try await runSystem(clock: simulation.clock, seed: simulation.seed)
/// }
/// try report.check()
/// ```
public enum Simulator {
    /// Runs `body` as the root task of a simulation, on the calling thread, and returns when the
    /// run is over. The calling thread is blocked for the whole run and runs every job of it.
    ///
    /// The loop runs queued jobs in FIFO order; when none is runnable it moves the clock to the
    /// earliest sleeper's deadline and wakes every sleeper due then (in the order they went to
    /// sleep). The run ends:
    /// - when `body` returns or throws (``SimulationReport/Ending/completed``);
    /// - when virtual time would pass `until`: the clock stops at `until`, the body is cancelled and
    ///   the jobs that makes runnable run, with time frozen (``SimulationReport/Ending/deadlineReached``);
    /// - when nothing is runnable and nothing sleeps (``SimulationReport/Ending/deadlock``): after
    ///   waiting up to `deadlockGrace` of real time for activity from outside (a job enqueued or a
    ///   sleep started on another thread: an escape, counted, and the run goes on), the body is
    ///   cancelled and what that makes runnable runs.
    ///
    /// Determinism holds for what runs on the simulation's executor and sleeps on its clock: the
    /// body, its structured child tasks and the default actors they call. It does not hold for the
    /// wall clock, global randomness, `Set`/`Dictionary` iteration order (seeded per process unless
    /// `SWIFT_DETERMINISTIC_HASHING=1`), or anything that runs on another thread; the last is
    /// detected and fails the run (``SimulationReport/escapes``).
    ///
    /// A deadlocked body stays suspended after the run (no one can resume it deterministically):
    /// its tasks and what they hold are leaked.
    ///
    /// - Parameters:
    ///   - seed: the run's seed, handed to `body` in the ``SimulationContext``.
    ///   - limit: virtual time at which the run is stopped; nil runs until the body returns.
    ///   - deadlockGrace: real time to wait, when nothing can run and nothing sleeps, for a task
    ///     resumed from outside before calling it a deadlock. Only a failing run ever waits it.
    ///   - pacer: holds each jump of the clock to a person's pace (a dashboard watching the run);
    ///     nil runs as fast as it can. Pacing does not change the run; the pacer's
    ///     ``SimulationPace/stop()`` ends it before its next instant, as `until` would there.
    public static func run<Value: Sendable>(
        seed: UInt64,
        until limit: Duration? = nil,
        deadlockGrace: Duration = .milliseconds(100),
        pacer: SimulationPacer? = nil,
        _ body: @escaping @Sendable (SimulationContext) async throws -> Value
    ) -> SimulationReport<Value> {
        if let limit {
            precondition(limit >= .zero, "Simulator.run: until must be a virtual time from the start of the run, zero or more (got \(limit))")
        }
        precondition(deadlockGrace >= .zero, "Simulator.run: deadlockGrace must be zero or more (got \(deadlockGrace))")
        // Real time, read only for the report's wallTime: it decides nothing.
        let wallStart = ContinuousClock.now
        let clock = SimulatedClock()
        let executor = SimulationExecutor(clock: clock)
        let context = SimulationContext(seed: seed, clock: clock, executor: executor)
        let outcome = Outcome<Value>()
        let bodyReturned = CompletionFlag()

        executor.beginRun()
        clock.bind(toThread: currentThreadIdentity(), onForeignSleep: { executor.wakeLoop() })
        let root = Task(executorPreference: executor) {
            let result: Result<Value, any Error>
            do {
                result = .success(try await body(context))
            } catch {
                result = .failure(error)
            }
            outcome.result.withLock { $0 = result }
            bodyReturned.set()
        }

        var jobsRun = 0
        var batch: [UnownedJob] = []

        func runQueuedJobs() -> Bool {
            executor.takeJobs(swappingWith: &batch)
            for job in batch { executor.run(job) }
            jobsRun += batch.count
            return !batch.isEmpty
        }

        let ending: SimulationReport<Value>.Ending
        loop: while true {
            if runQueuedJobs() {
                // Checked per batch, not per job: where a batch ends is as deterministic as its jobs.
                if bodyReturned.isSet { ending = .completed; break loop }
                continue loop
            }
            if bodyReturned.isSet { ending = .completed; break loop }
            if let pacer, let next = clock.nextDeadline, limit.map({ next.offset <= $0 }) ?? true {
                switch pacer.holdBeforeAdvancing(now: clock.now.offset, next: next.offset) {
                case .advance:
                    break
                case .ranWork:
                    continue loop
                case .stop:
                    // As at the time limit: the person quit before the run's end.
                    root.cancel()
                    while runQueuedJobs() {}
                    ending = .deadlineReached
                    break loop
                }
            }
            switch clock.wakeEarliest(notAfter: limit) {
            case .woke:
                continue loop
            case .stoppedAtLimit:
                root.cancel()
                while runQueuedJobs() {}
                ending = .deadlineReached
                break loop
            case .nothingSleeps:
                // Something from outside may yet enqueue a job or start a sleep (both escapes, counted).
                if executor.waitForOutsideActivity(grace: deadlockGrace) { continue loop }
                // Cancelling lets whatever honours cancellation unwind; the verdict stays a deadlock.
                root.cancel()
                while runQueuedJobs() {}
                ending = .deadlock
                break loop
            }
        }

        executor.endRun()
        clock.bind(toThread: nil)
        pacer?.runEnded(at: clock.now.offset)
        let jobEscapes = executor.escapes
        let sleepEscapes = clock.foreignSleeps
        let firstEscape = [jobEscapes.first, sleepEscapes.first].compactMap { $0 }.min()
        return SimulationReport(
            seed: seed,
            ending: ending,
            outcome: outcome.result.withLock { $0 },
            virtualTime: clock.now.offset,
            jobsRun: jobsRun,
            wallTime: ContinuousClock.now - wallStart,
            escapes: jobEscapes.count + sleepEscapes.count,
            firstEscape: firstEscape?.offset,
            sleepersLeft: clock.sleeperCount
        )
    }

    /// ``run(seed:until:deadlockGrace:pacer:_:)`` on a new thread of its own, for async callers: the
    /// caller's task is suspended, not blocked, until the run is over, so no cooperative thread is
    /// held for the whole run. The run is the same, job for job, as on the caller's thread.
    public static func runOnDedicatedThread<Value: Sendable>(
        seed: UInt64,
        until limit: Duration? = nil,
        deadlockGrace: Duration = .milliseconds(100),
        pacer: SimulationPacer? = nil,
        _ body: @escaping @Sendable (SimulationContext) async throws -> Value
    ) async -> SimulationReport<Value> {
        await withCheckedContinuation { continuation in
            startDedicatedThread {
                continuation.resume(returning: run(seed: seed, until: limit, deadlockGrace: deadlockGrace, pacer: pacer, body))
            }
        }
    }
}

/// Where the root task leaves what the body returned or threw, for the run loop to see.
private final class Outcome<Value: Sendable>: Sendable {
    let result = Mutex<Result<Value, any Error>?>(nil)
}

/// Whether the body has returned: checked after every batch of jobs, so it is not generic (reading
/// the generic `Outcome<Value>` there looked its type metadata up each time: about a fifth of the
/// samples in a profile of `sim.sleep-wake-1-task`).
private final class CompletionFlag: Sendable {
    private let value = Atomic(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
