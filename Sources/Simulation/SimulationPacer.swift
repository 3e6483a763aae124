import Dispatch
import Synchronization

/// Paces a simulation against real time for a person watching it: the simulation's thread blocks
/// here before each jump of the virtual clock (``Simulator/run(seed:until:deadlockGrace:pacer:_:)``),
/// while another thread (the dashboard) changes the settings: pause, speed, go to a time, run to
/// the end. The decisions are ``SimulationPace``'s; this class only waits and wakes.
///
/// The pacer changes when instants happen in real time, never what happens at them: a paced run
/// is the same, job for job, as an unpaced one, unless work is sent in with ``perform(_:)``.
///
/// Thread safety: every method may be called from any thread.
public final class SimulationPacer: Sendable {
    /// Real time: any monotonic origin, injected so tests decide what time it is.
    public typealias RealClock = @Sendable () -> Duration

    private struct State {
        var pace: SimulationPace
        /// The deadline the clock would jump to next, while the simulation waits for it.
        var pendingDeadline: Duration?
        /// Work to run on the simulation's thread at its next stop (a person's action).
        var work: [@Sendable () -> Void] = []
        var simulationIsWaiting = false
    }

    private let state: Mutex<State>
    /// The real time this pacer reads (a pacer for a new run of the same session takes the same).
    public let realClock: RealClock
    /// Wakes the simulation's thread when the settings change or work arrives while it waits.
    private let wake = DispatchSemaphore(value: 0)

    public init(_ pace: SimulationPace, realClock: @escaping RealClock) {
        state = Mutex(State(pace: pace))
        self.realClock = realClock
    }

    /// The pace now (settings and the virtual time reached).
    public var pace: SimulationPace { state.withLock { $0.pace } }

    /// The virtual time to show now: paced time moves on between deadlines.
    public var shownTime: Duration {
        let real = realClock()
        return state.withLock { $0.pace.shownTime(real: real, next: $0.pendingDeadline) }
    }

    /// Changes the settings (pause, speed, go to, run to the end) and wakes the simulation to
    /// look at them again.
    public func change(_ body: (inout SimulationPace, _ real: Duration) -> Void) {
        let real = realClock()
        let wasWaiting: Bool = state.withLock { state in
            body(&state.pace, real)
            defer { state.simulationIsWaiting = false }
            return state.simulationIsWaiting
        }
        if wasWaiting { wake.signal() }
    }

    /// Runs `work` on the simulation's thread between two instants (at once when the run is over),
    /// and returns what it returned once it has run. For a person's action on the simulated system:
    /// it happens at one virtual time, with nothing of the simulation running beside it.
    public func perform<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            let job: @Sendable () -> Void = { continuation.resume(returning: work()) }
            let (queued, wasWaiting): (Bool, Bool) = state.withLock { state in
                guard !state.pace.hasEnded else { return (false, false) }
                state.work.append(job)
                defer { state.simulationIsWaiting = false }
                return (true, state.simulationIsWaiting)
            }
            if !queued { job() }
            if wasWaiting { wake.signal() }
        }
    }

    // MARK: - Driven by the simulator

    /// Called on the simulation's thread when nothing is runnable and the clock would jump from
    /// `now` to `next`: blocks until the pace allows it, and says what the run loop does next.
    func holdBeforeAdvancing(now: Duration, next: Duration) -> Hold {
        while true {
            let real = realClock()
            let (work, decision): ([@Sendable () -> Void], SimulationPace.Decision) = state.withLock { state in
                if !state.work.isEmpty {
                    defer { state.work = [] }
                    return (state.work, .advance)
                }
                let decision = state.pace.decide(next: next, now: now, real: real)
                if case .wait = decision {
                    state.pendingDeadline = next
                    state.simulationIsWaiting = true
                } else {
                    state.pendingDeadline = nil
                }
                return ([], decision)
            }
            if !work.isEmpty {
                for job in work { job() }
                return .ranWork
            }
            switch decision {
            case .advance:
                return .advance
            case .stop:
                return .stop
            case .wait(let delay):
                if let delay {
                    let (seconds, attoseconds) = delay.components
                    let nanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
                    // Real time, on purpose: this is where the run is held to a person's pace.
                    _ = wake.wait(timeout: .now() + .nanoseconds(Int(min(nanoseconds, Int64(Int.max)))))
                } else {
                    wake.wait()
                }
                state.withLock { $0.simulationIsWaiting = false }
            }
        }
    }

    /// What the run loop does after ``holdBeforeAdvancing(now:next:)``.
    enum Hold {
        /// Move the clock to the next deadline.
        case advance
        /// Work sent with ``perform(_:)`` ran: it may have made jobs runnable, run them first.
        case ranWork
        /// End the run now, as at its time limit.
        case stop
    }

    /// The run is over at `time`: later work runs at once, on its caller's thread.
    func runEnded(at time: Duration) {
        let work: [@Sendable () -> Void] = state.withLock { state in
            state.pace.end(at: time)
            state.pendingDeadline = nil
            defer { state.work = [] }
            return state.work
        }
        for job in work { job() }
    }
}
