/// How a simulated run went: how it ended, how far virtual time got, what it cost, what escaped.
///
/// Everything but ``wallTime`` is the same for every run of the same seed and body, unless the
/// run had escapes (then nothing about it is guaranteed, which is why escapes fail the run).
public struct SimulationReport<Value: Sendable>: Sendable {
    /// Why the run stopped.
    public enum Ending: Sendable, Equatable, CustomStringConvertible {
        /// The body returned (or threw).
        case completed
        /// Virtual time would have passed the run's `until`: the body was cancelled and whatever
        /// it had left runnable ran, without virtual time moving further.
        case deadlineReached
        /// Nothing was runnable and nothing slept, yet the body had not returned: every task left is
        /// waiting for something nobody will do (a continuation nobody resumes, a lock cycle).
        case deadlock

        public var description: String {
            switch self {
            case .completed: "completed"
            case .deadlineReached: "deadline reached"
            case .deadlock: "deadlock"
            }
        }
    }

    /// The seed the run was given, to replay it.
    public var seed: UInt64
    public var ending: Ending
    /// What the body returned or threw; nil when it never returned (a deadlock, or a body that did
    /// not stop when cancelled at the deadline).
    public var outcome: Result<Value, any Error>?
    /// Virtual time when the run stopped.
    public var virtualTime: Duration
    /// Jobs the executor ran (task and actor jobs: a measure of the work done).
    public var jobsRun: Int
    /// Real time the run took (never used to decide anything).
    public var wallTime: Duration
    /// Jobs that reached the simulation from another thread plus sleeps started on another thread:
    /// work that ran outside the simulation. Non-zero fails the run.
    public var escapes: Int
    /// Virtual time of the first escape.
    public var firstEscape: Duration?
    /// Tasks still asleep on the clock when the run stopped.
    public var sleepersLeft: Int

    /// The body's value, when it returned one.
    public var value: Value? {
        if case .success(let value) = outcome { return value }
        return nil
    }

    /// Why the run failed, or nil when it passed. In order: escapes (nothing else can be trusted
    /// then), a deadlock, a body that threw (except `CancellationError` at the deadline, which is
    /// how a body is told to stop), a body that did not stop when cancelled at the deadline.
    public var failure: SimulationFailure? {
        if escapes > 0 {
            return SimulationFailure(seed: seed, kind: .escaped(count: escapes, firstAt: firstEscape ?? .zero))
        }
        if ending == .deadlock {
            return SimulationFailure(seed: seed, kind: .deadlock(at: virtualTime))
        }
        switch outcome {
        case .failure(let error):
            if ending == .deadlineReached, error is CancellationError { return nil }
            return SimulationFailure(seed: seed, kind: .bodyThrew(error))
        case nil:
            return SimulationFailure(seed: seed, kind: .bodyDidNotStop(at: virtualTime))
        case .success:
            return nil
        }
    }

    /// Throws ``failure`` when the run failed.
    public func check() throws(SimulationFailure) {
        if let failure { throw failure }
    }
}

/// Why a simulated run failed, with the seed that replays it.
public struct SimulationFailure: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Work ran outside the simulation's thread; the run is not reproducible.
        case escaped(count: Int, firstAt: Duration)
        /// Nothing could run and nothing slept before the body returned.
        case deadlock(at: Duration)
        /// The body threw.
        case bodyThrew(any Error)
        /// The body was cancelled at the deadline and did not return.
        case bodyDidNotStop(at: Duration)
    }

    public var seed: UInt64
    public var kind: Kind

    public var description: String {
        let what: String
        switch kind {
        case .escaped(let count, let firstAt):
            what = "\(count) job(s) ran outside the simulation's thread (the first at virtual \(firstAt)): "
                + "an unstructured Task {}, Task.detached, a Dispatch queue or a real sleep; "
                + "use a task group, or Task(executorPreference: simulation.executor), and the simulation's clock"
        case .deadlock(let at):
            what = "deadlock at virtual \(at): nothing was runnable and nothing slept, but the body had not returned "
                + "(a continuation nobody resumes, or tasks waiting on each other)"
        case .bodyThrew(let error):
            what = "the body threw \(error)"
        case .bodyDidNotStop(let at):
            what = "the body was cancelled at the deadline (virtual \(at)) and did not return: something ignores cancellation"
        }
        return "simulation with seed \(seed) failed: \(what)"
    }
}
