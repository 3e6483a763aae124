/// How a simulation watched by a person moves against real time: the pure state machine behind
/// ``SimulationPacer``. Given its settings, where the virtual clock is and how much real time has
/// passed, it says whether the clock may jump to the next deadline now, or how long to wait.
///
/// Pacing never changes what a run does, only when its instants happen in real time: the same seed
/// gives the same run at any speed, paused or not.
public struct SimulationPace: Sendable, Equatable {
    /// How fast virtual time runs against real time.
    public enum Speed: Sendable, Hashable, CustomStringConvertible {
        /// This many virtual seconds per real second.
        case times(Int)
        /// As fast as the simulator goes.
        case unpaced

        /// The speeds `+` and `-` move between, slowest first.
        public static let ladder: [Speed] = [.times(1), .times(10), .times(100), .unpaced]

        /// `1`, `10`, `100`, `max`: the header puts `×` (or `x`) before it.
        public var description: String {
            switch self {
            case .times(let factor): "\(factor)"
            case .unpaced: "max"
            }
        }
    }

    /// Where a run without a person's say goes next.
    public enum Goal: Sendable, Equatable {
        /// Follow the speed.
        case paced
        /// Run unpaced to this virtual time, then pause there (go to a time, step).
        case runUntil(Duration)
        /// Run unpaced until the run is over (go to the first violation, quitting).
        case end
    }

    /// What the simulation thread does before the clock jumps to its next deadline.
    public enum Decision: Sendable, Equatable {
        case advance
        /// End the run here, as if its time limit were now (the person quit before its end).
        case stop
        /// Wait this much real time, or until the settings change; nil: until they change.
        case wait(Duration?)
    }

    public private(set) var speed: Speed
    public private(set) var isPaused: Bool
    public private(set) var goal: Goal = .paced
    /// Where the run pauses by itself once (the end of its traffic); nil when it does not.
    public private(set) var pauseAt: Duration?
    /// Virtual time the run is known to have reached: where the last decision let the clock go, or
    /// where it paused (a paused run is at its pause time even when no task sleeps until then).
    public private(set) var virtualTime: Duration = .zero
    /// True once the run is over.
    public private(set) var hasEnded = false
    /// True once ``stop()`` asked the run to end where it is.
    public private(set) var isStopping = false
    /// Paced speed starts counting from here: (virtual, real) when it last (re)started.
    private var anchor: (virtual: Duration, real: Duration)?

    public init(speed: Speed = .times(1), isPaused: Bool = false, pauseAt: Duration? = nil) {
        self.speed = speed
        self.isPaused = isPaused
        self.pauseAt = pauseAt
    }

    public static func == (lhs: SimulationPace, rhs: SimulationPace) -> Bool {
        lhs.speed == rhs.speed && lhs.isPaused == rhs.isPaused && lhs.goal == rhs.goal && lhs.pauseAt == rhs.pauseAt
            && lhs.virtualTime == rhs.virtualTime && lhs.hasEnded == rhs.hasEnded && lhs.isStopping == rhs.isStopping
            && lhs.anchor?.virtual == rhs.anchor?.virtual && lhs.anchor?.real == rhs.anchor?.real
    }

    /// Whether the clock, now at `now`, may jump to `next` at real time `real` (any monotonic
    /// origin, the same for every call).
    public mutating func decide(next: Duration, now: Duration, real: Duration) -> Decision {
        virtualTime = max(virtualTime, now)
        let decision = decision(next: next, real: real)
        // The clock is at `next` from here on: a pause before the next decision stays there,
        // rather than showing a time the run has already left.
        if decision == .advance { virtualTime = max(virtualTime, next) }
        return decision
    }

    private mutating func decision(next: Duration, real: Duration) -> Decision {
        if isStopping { return .stop }
        if goal == .paced, !isPaused, let pauseAt, next > pauseAt, virtualTime <= pauseAt {
            // The end of the traffic: pause there once; playing on lets the run settle and end.
            // Going to a time past it, or to the end, goes through.
            self.pauseAt = nil
            pause(at: pauseAt)
            return .wait(nil)
        }
        switch goal {
        case .end:
            return .advance
        case .runUntil(let target):
            if next <= target { return .advance }
            pause(at: target)
            return .wait(nil)
        case .paced:
            break
        }
        if isPaused { return .wait(nil) }
        guard case .times(let factor) = speed else { return .advance }
        let start = anchor ?? (virtualTime, real)
        anchor = start
        let allowed = start.virtual + (real - start.real) * factor
        if next <= allowed {
            // Far behind (the simulator is slower than the speed asks): start counting again from
            // here, so it does not rush to make up for the lag once it could.
            if allowed - next > .milliseconds(250) * factor { anchor = (next, real) }
            return .advance
        }
        return .wait((next - allowed) / factor)
    }

    /// The virtual time to show at real time `real`: while the run waits for its next deadline
    /// (`next`), paced time moves on smoothly up to it; while it runs (nil), the time it reached.
    public func shownTime(real: Duration, next: Duration?) -> Duration {
        guard !hasEnded, !isPaused, goal == .paced, case .times(let factor) = speed, let anchor, let next else { return virtualTime }
        let allowed = anchor.virtual + (real - anchor.real) * factor
        return max(virtualTime, min(allowed, next))
    }

    /// Pauses, or plays from where the run is (at the current speed).
    public mutating func togglePause(real: Duration) {
        if isPaused { play(real: real) } else { pause(at: virtualTime) }
    }

    /// One step up or down ``Speed/ladder`` (`by` +1 or -1), kept within it.
    public mutating func changeSpeed(by step: Int, real: Duration) {
        let index = Speed.ladder.firstIndex(of: speed) ?? 0
        speed = Speed.ladder[min(max(0, index + step), Speed.ladder.count - 1)]
        anchor = isPaused ? nil : (virtualTime, real)
    }

    /// Runs unpaced to `target`, then pauses there. A target at or before the run's time does nothing.
    public mutating func run(until target: Duration) {
        guard target > virtualTime, !hasEnded else { return }
        goal = .runUntil(target)
        isPaused = false
    }

    /// Runs unpaced until the run is over.
    public mutating func runToEnd() {
        goal = .end
        isPaused = false
    }

    /// Ends the run where it is, before its next instant (the person quit before its end).
    public mutating func stop() {
        guard !hasEnded else { return }
        isStopping = true
        isPaused = false
    }

    /// The run is over at `time`.
    public mutating func end(at time: Duration) {
        virtualTime = max(virtualTime, time)
        hasEnded = true
        goal = .paced
        isPaused = true
    }

    private mutating func pause(at time: Duration) {
        virtualTime = max(virtualTime, time)
        isPaused = true
        goal = .paced
        anchor = nil
    }

    private mutating func play(real: Duration) {
        guard !hasEnded else { return }
        isPaused = false
        goal = .paced
        anchor = (virtualTime, real)
    }
}
