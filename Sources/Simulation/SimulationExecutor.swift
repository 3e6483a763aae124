import Dispatch
import Synchronization

/// The single-threaded executor a simulation runs on: jobs wait in one FIFO queue and run, one at
/// a time, on the simulation's thread (the one that called ``Simulator/run(seed:until:deadlockGrace:pacer:_:)``,
/// or the thread ``Simulator/runOnDedicatedThread(seed:until:deadlockGrace:pacer:_:)`` started).
///
/// What runs here: the root task of the run (started with `Task(executorPreference:)`), every
/// structured child of it (`withTaskGroup`, `withDiscardingTaskGroup`, `async let`), and the
/// default actors they call. What does not: an unstructured `Task {}` (it does not inherit the
/// executor preference), `Task.detached`, work on a Dispatch queue, and real sleeps. To start an
/// unstructured task that stays in the simulation, pass this executor on explicitly:
/// `Task(executorPreference: simulation.executor) { ... }`.
///
/// Order: jobs run in the order they were enqueued, so the run is deterministic as long as every
/// job is enqueued from the simulation's own thread.
///
/// Escapes: a job enqueued from any other thread while the run is in progress means something ran
/// elsewhere and came back (a continuation resumed by a detached task or a Dispatch queue, a real
/// sleep's wake-up): where it lands in the queue depends on real timing. The executor still runs it
/// (dropping it would hang whatever waits for it) but counts it, with the virtual time of the
/// first, and the run fails. ``SimulatedClock`` counts sleeps started on another thread the same
/// way. Work that runs elsewhere and never comes back (a fire-and-forget `Task {}` that touches
/// neither this executor nor the clock) cannot be seen from here and is not counted.
public final class SimulationExecutor: TaskExecutor, Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        /// The simulation's thread while a run is in progress; nil before and after.
        var simulationThread: UInt?
        var escapes = 0
        var firstEscape: SimulatedClock.Instant?
        /// Set while the run loop waits for a job from another thread (see `waitForOutsideActivity`).
        var loopIsWaiting = false
    }

    private let state = Mutex(State())
    private let clock: SimulatedClock
    /// Wakes the run loop when a job arrives from another thread while it waits for one.
    private let outsideArrival = DispatchSemaphore(value: 0)

    init(clock: SimulatedClock) {
        self.clock = clock
    }

    /// Queues `job` to run after every job already queued.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let thread = currentThreadIdentity()
        let loopWasWaiting: Bool = state.withLock { state in
            state.jobs.append(job)
            guard let simulationThread = state.simulationThread, simulationThread != thread else { return false }
            state.escapes += 1
            if state.firstEscape == nil { state.firstEscape = clock.now }
            defer { state.loopIsWaiting = false }
            return state.loopIsWaiting
        }
        if loopWasWaiting { outsideArrival.signal() }
    }

    /// Whether the calling thread is the one running the simulation (false when no run is in progress).
    public var isOnSimulationThread: Bool {
        let thread = currentThreadIdentity()
        return state.withLock { $0.simulationThread == thread }
    }

    // MARK: - Driven by the simulator

    /// Starts a run on the calling thread: from now on, enqueues from other threads are escapes.
    func beginRun() {
        let thread = currentThreadIdentity()
        state.withLock { state in
            precondition(state.simulationThread == nil, "a SimulationExecutor runs one simulation at a time")
            state.simulationThread = thread
        }
    }

    /// Ends the run: later enqueues are queued but no longer counted (nothing will run them).
    func endRun() {
        state.withLock { $0.simulationThread = nil }
    }

    /// Jobs enqueued from other threads during the run, and the virtual time of the first.
    var escapes: (count: Int, first: SimulatedClock.Instant?) {
        state.withLock { ($0.escapes, $0.firstEscape) }
    }

    /// Takes every queued job, oldest first, leaving `spare` (emptied, its capacity kept) as the
    /// new queue: one lock per batch rather than per job, and no allocation once both have grown.
    func takeJobs(swappingWith spare: inout [UnownedJob]) {
        spare.removeAll(keepingCapacity: true)
        state.withLock { state in swap(&state.jobs, &spare) }
    }

    /// Runs one job on the calling thread, which must be the simulation's.
    func run(_ job: UnownedJob) {
        job.runSynchronously(on: asUnownedTaskExecutor())
    }

    /// Waits up to `grace` of real time for activity from another thread: a job enqueued, or
    /// ``wakeLoop()`` (a sleep started there). True when something arrived.
    ///
    /// The run loop calls this only when nothing is runnable and nothing sleeps: either a deadlock,
    /// or something outside the simulation is about to resume a task in it (an escape). Waiting a
    /// little tells the two apart; a deterministic run never gets here unless it is deadlocked.
    func waitForOutsideActivity(grace: Duration) -> Bool {
        let queued: Bool = state.withLock { state in
            if !state.jobs.isEmpty { return true }
            state.loopIsWaiting = true
            return false
        }
        if queued { return true }
        let (seconds, attoseconds) = grace.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        // Real time, on purpose: only something outside the simulation can end this wait.
        let signalled = outsideArrival.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success
        return state.withLock { state in
            state.loopIsWaiting = false
            return signalled || !state.jobs.isEmpty
        }
    }

    /// Ends a ``waitForOutsideActivity(grace:)`` in progress, if any.
    func wakeLoop() {
        let wasWaiting: Bool = state.withLock { state in
            defer { state.loopIsWaiting = false }
            return state.loopIsWaiting
        }
        if wasWaiting { outsideArrival.signal() }
    }
}
