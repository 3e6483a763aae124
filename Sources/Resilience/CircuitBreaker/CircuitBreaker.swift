import CoreMetrics
import Synchronization

/// Thrown instead of calling when a breaker rejects a call. A small struct: cheap to throw.
public struct CircuitBreakerOpenError: Error, Sendable, Equatable, CustomStringConvertible {
    public let breakerID: String
    public let state: CircuitBreakerState
    /// When calls may go through again, if known.
    public let retryAfter: Duration?

    public init(breakerID: String, state: CircuitBreakerState, retryAfter: Duration?) {
        self.breakerID = breakerID
        self.state = state
        self.retryAfter = retryAfter
    }

    public var description: String {
        "circuit breaker '\(breakerID)' is \(state)" + (retryAfter.map { "; retry after \($0.compact)" } ?? "")
    }
}

/// How a call through ``CircuitBreaker/executeTyped(_:)`` failed: rejected without running, or
/// run and failed with the operation's own error.
public enum CircuitBreakerCallError<Failure: Error>: Error {
    /// The breaker did not let the call through; the operation did not run.
    case rejected(CircuitBreakerOpenError)
    /// The operation ran and threw `Failure`.
    case failed(Failure)
}

/// A circuit breaker: ``CircuitBreakerStateMachine`` behind a lock, on an injected clock, reporting
/// through swift-metrics and an `AsyncStream` of transitions.
///
/// ```swift
/// let breaker = CircuitBreaker(id: "order-service->payment-service", policy: .init(), clock: ContinuousClock(), metrics: factory)
/// let receipt = try await breaker.execute { try await payments.charge(order) }
/// ```
///
/// - Cancellation is never a failure. Other errors count as failures unless `isFailure` says not.
/// - Rejected calls throw ``CircuitBreakerOpenError`` without running the operation
///   (``executeTyped(_:)`` and ``tryAcquirePermission()`` reject without allocating).
/// - Metrics, created once: `breaker_calls_total{breaker,outcome}` (success, failure, slow,
///   rejected, ignored), `breaker_transitions_total{breaker,to}`, and `breaker_state{breaker,state}`
///   (1 for the current state, 0 for the others); while disabled or metrics-only, `breaker_shadow_open{breaker}`
///   (1 while its policy would be open) and `breaker_shadow_opened_total{breaker}`.
///
/// Thread safety: all methods may be called from any task.
public final class CircuitBreaker: Sendable {
    public let id: String
    public let policy: CircuitBreakerPolicy
    /// Every transition as it happens (the newest 100 are buffered for a slow reader).
    public let transitions: AsyncStream<CircuitBreakerTransition>

    /// Time since the breaker was made, on the injected clock (erased, so the breaker is not generic
    /// and its hot path specialises in the caller's module).
    @usableFromInline let elapsed: @Sendable () -> Duration
    @usableFromInline let machine: Mutex<Machine>
    /// True while the state lets every call through without counting anything at acquire time
    /// (closed, forced closed, disabled, metrics only): `acquire()` then skips the lock. Written
    /// under the lock at every transition. A call that reads it just before the breaker opens goes
    /// through, as one that took the lock a moment earlier would.
    @usableFromInline let freePass = Atomic<Bool>(true)
    /// While the breaker rejects every call until a known time, that time, so a rejection needs
    /// neither the lock nor (tripped by hand without an end) the clock. Written under the lock at
    /// every transition, as `freePass` is; see ``RejectionWindow``.
    @usableFromInline let rejecting = Atomic<Int64>(RejectionWindow.none)
    /// Rejections decided through `rejecting`, without the lock; the state machine counts the
    /// others, and ``status()`` reports the sum.
    @usableFromInline let quickRejections = Atomic<Int>(0)
    @usableFromInline let isFailure: @Sendable (any Error) -> Bool
    @usableFromInline let hasSlowCallRule: Bool
    private let continuation: AsyncStream<CircuitBreakerTransition>.Continuation
    private let onTransition: (@Sendable (CircuitBreakerTransition) -> Void)?
    @usableFromInline let metrics: BreakerMetrics

    @usableFromInline
    struct Machine {
        var _core: CircuitBreakerStateMachine
        var history: [CircuitBreakerTransition] = []
        /// `quickRejections` when the current manual episode began, and the quick rejections of
        /// ended forced-open episodes by sequence (the state machine counts only the others).
        var quickAtEpisodeStart = 0
        var quickByEpisode: [(sequence: Int, count: Int)] = []

        init(core: CircuitBreakerStateMachine) {
            _core = core
        }

        @usableFromInline
        var core: CircuitBreakerStateMachine {
            get { _core }
            _modify { yield &_core }
        }

        @usableFromInline
        mutating func note(_ transition: CircuitBreakerTransition) {
            history.append(transition)
            if history.count > CircuitBreaker.historyLimit { history.removeFirst(history.count - CircuitBreaker.historyLimit) }
        }
    }

    /// How many transitions ``status()`` reports (the newest).
    public static var historyLimit: Int { 50 }

    /// - Parameters:
    ///   - isFailure: whether an error counts as a failure (default: every error but cancellation).
    ///   - metrics: where the breaker's metrics go; libraries pass theirs in, tests a test factory.
    ///   - onTransition: called synchronously, outside the breaker's lock, on every transition (to log
    ///     it at once), shadow ones (``CircuitBreakerTransition/isShadow``) included; keep it short.
    ///     The `transitions` stream reports the same but the shadow ones, asynchronously.
    public init<C: Clock>(id: String, policy: CircuitBreakerPolicy = CircuitBreakerPolicy(), clock: C, metrics: any MetricsFactory,
                          isFailure: @escaping @Sendable (any Error) -> Bool = { _ in true },
                          onTransition: (@Sendable (CircuitBreakerTransition) -> Void)? = nil) where C.Duration == Duration {
        self.onTransition = onTransition
        self.id = id
        self.policy = policy
        let origin = clock.now
        self.elapsed = { origin.duration(to: clock.now) }
        self.hasSlowCallRule = policy.slowCalls != nil
        self.machine = Mutex(Machine(core: CircuitBreakerStateMachine(policy: policy)))
        self.isFailure = isFailure
        (transitions, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(100))
        self.metrics = BreakerMetrics(id: id, factory: metrics)
        self.metrics.show(.closed)
    }

    deinit {
        continuation.finish()
    }

    /// Time since the breaker was made, on its clock.
    @inlinable
    public func now() -> Duration { elapsed() }

    /// Runs `operation` if the breaker permits, records how it ended, and returns its result.
    ///
    /// - Throws: ``CircuitBreakerOpenError`` when rejected; otherwise whatever `operation` throws.
    ///   Untyped, so a rejection is boxed as `any Error` (one allocation); where rejections are
    ///   frequent and the caller handles them itself, ``executeTyped(_:)`` rejects without one.
    @inlinable @inline(__always)
    public func execute<T>(_ operation: () async throws -> T) async throws -> T {
        do throws(CircuitBreakerCallError<any Error>) {
            return try await executeTyped(operation)
        } catch {
            switch error {
            case .rejected(let rejection): throw rejection
            case .failed(let failure): throw failure
            }
        }
    }

    /// ``execute(_:)`` with typed throws: a rejection is ``CircuitBreakerCallError/rejected(_:)``,
    /// the operation's own error ``CircuitBreakerCallError/failed(_:)``. Nothing is boxed, so a
    /// rejection allocates nothing.
    ///
    /// ```swift
    /// do {
    ///     let receipt = try await breaker.executeTyped { try await payments.charge(order) }
    /// } catch {
    ///     switch error {
    ///     case .rejected(let rejection): // fall back, or answer 503 with rejection.retryAfter
    ///     case .failed(let failure): // the call ran and failed
    ///     }
    /// }
    /// ```
    @inlinable @inline(__always)
    public func executeTyped<T, Failure: Error>(_ operation: () async throws(Failure) -> T) async throws(CircuitBreakerCallError<Failure>) -> T {
        let trial: Bool
        switch tryAcquirePermission() {
        case .permitted: trial = false
        case .trial: trial = true
        case .rejected(let rejection): throw .rejected(rejection)
        }
        let started = hasSlowCallRule ? now() : .zero
        do throws(Failure) {
            let result = try await operation()
            record(.success, started: started, trial: trial)
            return result
        } catch {
            let outcome: CircuitBreakerStateMachine.Outcome = (isCancellation(error) || Task.isCancelled || !isFailure(error)) ? .ignored : .failure
            record(outcome, started: started, trial: trial)
            throw .failed(error)
        }
    }

    /// What ``tryAcquirePermission()`` decided.
    public enum Admission: Sendable, Equatable {
        /// Go ahead; follow with ``CircuitBreaker/record(_:started:trial:)``.
        case permitted
        /// Go ahead as a half-open trial call; record the outcome with `trial: true`.
        case trial
        /// Do not call.
        case rejected(CircuitBreakerOpenError)
    }

    /// Asks for permission to call, for callers that run the call themselves; follow a permitted
    /// call with ``record(_:started:trial:)``. A rejection is a value: nothing is thrown or
    /// allocated, and it is counted in `breaker_calls_total{outcome="rejected"}`.
    @inlinable
    public func tryAcquirePermission() -> Admission {
        if freePass.load(ordering: .acquiring) { return .permitted }
        let window = rejecting.load(ordering: .acquiring)
        if window != RejectionWindow.none, let rejection = RejectionWindow.rejection(window, now: elapsed, breakerID: id) {
            quickRejections.wrappingAdd(1, ordering: .relaxed)
            metrics.rejected.increment()
            return .rejected(rejection)
        }
        let (permission, transition, state) = machine.withLock { machine in
            let (permission, transition) = machine.core.acquire(at: self.now())
            if let transition { settle(transition, in: &machine) }
            return (permission, transition, machine.core.state)
        }
        publishIfNeeded(transition)
        switch permission {
        case .permitted: return .permitted
        case .trial: return .trial
        case .rejected(let retryAfter):
            metrics.rejected.increment()
            return .rejected(CircuitBreakerOpenError(breakerID: id, state: state, retryAfter: retryAfter))
        }
    }

    /// ``tryAcquirePermission()`` that throws the rejection (typed, so it is not boxed either).
    @inlinable
    public func acquire() throws(CircuitBreakerOpenError) -> CircuitBreakerStateMachine.Permission {
        switch tryAcquirePermission() {
        case .permitted: return .permitted
        case .trial: return .trial
        case .rejected(let rejection): throw rejection
        }
    }

    /// Called under the lock after every transition the breaker made (not a shadow one): keeps
    /// its history, its fast paths and the quick rejections of its manual episodes.
    @usableFromInline
    func settle(_ transition: CircuitBreakerTransition, in machine: inout Machine) {
        machine.note(transition)
        updateFastPaths(machine.core)
        guard transition.from == .forcedOpen || transition.to.isManual else { return }
        let quick = quickRejections.load(ordering: .relaxed)
        if transition.from == .forcedOpen, let ended = machine.core.manualEpisodes.last(where: { $0.ended != nil }) {
            machine.quickByEpisode.append((ended.sequence, quick - machine.quickAtEpisodeStart))
            if machine.quickByEpisode.count > CircuitBreakerStateMachine.episodeLimit { machine.quickByEpisode.removeFirst() }
        }
        if transition.to.isManual { machine.quickAtEpisodeStart = quick }
    }

    /// Called under the lock after every transition.
    @usableFromInline
    func updateFastPaths(_ core: CircuitBreakerStateMachine) {
        freePass.store(core.state.letsCallsThroughFreely, ordering: .releasing)
        rejecting.store(RejectionWindow.of(core), ordering: .releasing)
    }

    @usableFromInline
    func publishIfNeeded(_ transition: CircuitBreakerTransition?) {
        if let transition { publish(transition) }
    }

    /// Records how a permitted call ended. `started` is ``now()`` at the call's start (needed only
    /// with a slow-call rule).
    @inlinable
    public func record(_ outcome: CircuitBreakerStateMachine.Outcome, started: Duration = .zero, trial: Bool = false) {
        let duration = hasSlowCallRule ? now() - started : .zero
        let transition = machine.withLock { machine in
            let transition = machine.core.record(outcome, duration: duration, trial: trial, at: self.now())
            if let transition, !transition.isShadow { settle(transition, in: &machine) }
            return transition
        }
        switch outcome {
        case .success:
            if hasSlowCallRule, let slow = policy.slowCalls, duration >= slow.threshold { metrics.slow.increment() } else { metrics.success.increment() }
        case .failure: metrics.failure.increment()
        case .ignored: metrics.ignored.increment()
        }
        publishIfNeeded(transition)
    }

    // MARK: Manual control

    /// Forces the breaker open (rejecting every call); with a duration it returns to automatic afterwards.
    @discardableResult
    public func trip(for duration: Duration? = nil) -> CircuitBreakerTransition {
        manual { $0.trip(for: duration, at: $1) }
    }

    @discardableResult
    public func forceClosed() -> CircuitBreakerTransition { manual { $0.forceClosed(at: $1) } }

    @discardableResult
    public func disable() -> CircuitBreakerTransition { manual { $0.disable(at: $1) } }

    @discardableResult
    public func recordOnly() -> CircuitBreakerTransition { manual { $0.recordOnly(at: $1) } }

    /// Back to closed and automatic, with the window cleared.
    @discardableResult
    public func reset() -> CircuitBreakerTransition { manual { $0.reset(at: $1) } }

    private func manual(_ change: (inout CircuitBreakerStateMachine, Duration) -> CircuitBreakerTransition) -> CircuitBreakerTransition {
        let transition = machine.withLock { machine in
            let transition = change(&machine.core, self.now())
            settle(transition, in: &machine)
            return transition
        }
        publish(transition)
        return transition
    }

    // MARK: Status

    /// What the dashboard shows of the breaker.
    public struct Status: Sendable, Equatable {
        public var id: String
        public var state: CircuitBreakerState
        public var isManual: Bool { state.isManual }
        public var failureRate: Double?
        public var slowCallRate: Double?
        public var callsInWindow: Int
        public var rejectedCount: Int
        public var timeInState: Duration
        /// Until an open breaker lets trial calls through, or a timed manual trip ends.
        public var timeUntilPermitted: Duration?
        public var policy: String
        /// The newest transitions, oldest first.
        public var transitions: [CircuitBreakerTransition]
        /// While metrics-only: what the policy would have done with the calls it let through.
        public var shadow: ShadowStatus?
        /// The newest manual episodes with what they counted, oldest first.
        public var manualEpisodes: [ManualEpisode]
    }

    public func status() -> Status {
        let now = self.now()
        return machine.withLock { machine in
            machine.core.advanceWindow(to: now)
            let core = machine.core
            let quick = quickRejections.load(ordering: .relaxed)
            let episodes = core.manualEpisodes.map { episode in
                var episode = episode
                if episode.ended == nil, episode.state == .forcedOpen {
                    episode.rejected += quick - machine.quickAtEpisodeStart
                } else if let credit = machine.quickByEpisode.last(where: { $0.sequence == episode.sequence }) {
                    episode.rejected += credit.count
                }
                return episode
            }
            return Status(id: id, state: core.state, failureRate: core.failureRate, slowCallRate: core.slowCallRate,
                          callsInWindow: core.callsInWindow, rejectedCount: core.rejectedCount + quick,
                          timeInState: now - core.stateSince, timeUntilPermitted: core.timeUntilPermitted(at: now),
                          policy: policy.summary, transitions: machine.history,
                          shadow: core.shadow?.status, manualEpisodes: episodes)
        }
    }

    /// A shadow transition only moves the shadow metrics and reaches `onTransition`: the breaker
    /// itself did not change state, so its history, stream and state metrics stay as they are.
    private func publish(_ transition: CircuitBreakerTransition) {
        if transition.isShadow {
            metrics.shadow(transition)
            onTransition?(transition)
            return
        }
        metrics.transition(transition)
        onTransition?(transition)
        continuation.yield(transition)
    }
}

extension CircuitBreaker {
    /// A breaker on real time (`ContinuousClock`).
    public convenience init(id: String, policy: CircuitBreakerPolicy = CircuitBreakerPolicy(), metrics: any MetricsFactory,
                            isFailure: @escaping @Sendable (any Error) -> Bool = { _ in true }) {
        self.init(id: id, policy: policy, clock: ContinuousClock(), metrics: metrics, isFailure: isFailure)
    }
}

/// The breaker's metrics, made once (bounded dimensions: breaker id, outcome, state).
@usableFromInline
struct BreakerMetrics: Sendable {
    @usableFromInline let success, failure, slow, rejected, ignored: Counter
    let transitions: [CircuitBreakerState: Counter]
    let states: [CircuitBreakerState: Meter]
    /// Disabled or metrics-only: 1 while the policy would be open (``ShadowEvaluation``), and how often it would have opened.
    let shadowOpen: Meter
    let shadowOpened: Counter

    init(id: String, factory: any MetricsFactory) {
        func calls(_ outcome: String) -> Counter {
            Counter(label: "breaker_calls_total", dimensions: [("breaker", id), ("outcome", outcome)], factory: factory)
        }
        success = calls("success")
        failure = calls("failure")
        slow = calls("slow")
        rejected = calls("rejected")
        ignored = calls("ignored")
        var transitions: [CircuitBreakerState: Counter] = [:]
        var states: [CircuitBreakerState: Meter] = [:]
        for state in CircuitBreakerState.allCases {
            transitions[state] = Counter(label: "breaker_transitions_total", dimensions: [("breaker", id), ("to", state.rawValue)], factory: factory)
            states[state] = Meter(label: "breaker_state", dimensions: [("breaker", id), ("state", state.rawValue)], factory: factory)
        }
        self.transitions = transitions
        self.states = states
        shadowOpen = Meter(label: "breaker_shadow_open", dimensions: [("breaker", id)], factory: factory)
        shadowOpened = Counter(label: "breaker_shadow_opened_total", dimensions: [("breaker", id)], factory: factory)
        shadowOpen.set(0)
    }

    func transition(_ transition: CircuitBreakerTransition) {
        transitions[transition.to]?.increment()
        show(transition.to)
        // Leaving metrics-only ends its shadow evaluation.
        if transition.from == .metricsOnly { shadowOpen.set(0) }
    }

    func shadow(_ transition: CircuitBreakerTransition) {
        if transition.to == .open { shadowOpened.increment() }
        shadowOpen.set(transition.to == .open ? 1 : 0)
    }

    func show(_ current: CircuitBreakerState) {
        for (state, meter) in states { meter.set(state == current ? 1 : 0) }
    }
}

/// When an open or tripped breaker rejects every call, in one word for an atomic: `none` when it
/// does not (closed, half-open, ...); `forever` when tripped by hand without an end; a time `t ≥ 0`
/// (nanoseconds since the breaker was made) for open until `t`; `-t - 1` for tripped by hand until `t`.
/// A call before `t` is rejected without the lock; at or after it, the state machine decides (and
/// moves to half-open or back to closed), as before.
@usableFromInline
enum RejectionWindow {
    @inlinable static var none: Int64 { .min }
    @inlinable static var forever: Int64 { .max }

    @usableFromInline
    static func of(_ core: CircuitBreakerStateMachine) -> Int64 {
        switch core.state {
        case .open:
            return core.openUntil.map(nanoseconds) ?? none
        case .forcedOpen:
            return core.openUntil.map { -nanoseconds($0) - 1 } ?? forever
        case .closed, .halfOpen, .forcedClosed, .disabled, .metricsOnly:
            return none
        }
    }

    /// The rejection for a call now, or nil when the window has ended (the lock's path decides).
    @inlinable @inline(__always)
    static func rejection(_ window: Int64, now: () -> Duration, breakerID: String) -> CircuitBreakerOpenError? {
        if window == forever { return CircuitBreakerOpenError(breakerID: breakerID, state: .forcedOpen, retryAfter: nil) }
        let (until, state): (Int64, CircuitBreakerState) = window >= 0 ? (window, .open) : (-(window + 1), .forcedOpen)
        // Compared as Durations: turning `now` into nanoseconds would divide a 128-bit number.
        let left = Duration.nanoseconds(until) - now()
        guard left > .zero else { return nil }
        return CircuitBreakerOpenError(breakerID: breakerID, state: state, retryAfter: left)
    }

    @usableFromInline
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
