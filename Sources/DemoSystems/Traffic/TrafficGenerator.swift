import Randomness
import Synchronization

/// Sends open-loop traffic: each request at its scheduled time, in its own child task, whether or
/// not earlier requests have been answered.
///
/// One loop walks the ``ArrivalSchedule``; at each arrival it sleeps on the injected clock until
/// the send time, draws the request's kind from the ``TrafficMix`` and starts a child task that
/// awaits `send(kind, index)`. The loop never awaits a response, so a slow system cannot slow the
/// load (no coordinated omission). When the loop itself falls behind (an overloaded machine), the
/// overdue requests go out at once and the lag is reported rather than hidden.
///
/// Deterministic: the kinds and send times depend only on the schedule's seed, never on task
/// scheduling — the kind is chosen in the loop, in index order. Per-request randomness (which user,
/// which product) should come from `SeededRandom(seed:stream:)` with the request index.
///
/// ``run(send:)`` returns when every request has been sent *and* every `send` has returned; cancel
/// the calling task to stop early (pending sends are cancelled too). `C` is usually `ContinuousClock`;
/// tests pass a `ManualClock`.
public struct TrafficGenerator<C: Clock>: Sendable where C.Duration == Duration {
    public let clock: C
    public let schedule: ArrivalSchedule
    public let mix: TrafficMix
    /// Requests scheduled at or after this time since the start are not sent.
    public let duration: Duration
    /// A request sent later than this after its scheduled time counts as late in the summary.
    public let lateThreshold: Duration

    /// The request kinds come from the schedule's seed (a separate stream of it), so one seed fixes the run.
    /// How soon a run watching a ``TrafficStop`` notices it while waiting for the next arrival.
    public static var stopCheckInterval: Duration { .milliseconds(50) }

    public init(clock: C, schedule: ArrivalSchedule, mix: TrafficMix = .storefront, duration: Duration, lateThreshold: Duration = .milliseconds(10)) {
        self.clock = clock
        self.schedule = schedule
        self.mix = mix
        self.duration = duration
        self.lateThreshold = lateThreshold
    }

    /// Sends the run's traffic through `send` and reports what was sent and at what rate.
    ///
    /// - Parameter send: performs one request; `index` is the request's position in the run (0, 1, …).
    ///   It runs concurrently with other sends and must handle its own errors and timeouts.
    public func run(send: @escaping @Sendable (RequestKind, Int) async -> Void) async -> TrafficRunSummary {
        await run(stoppingWhen: nil, send: send)
    }

    /// ``run(send:)`` that also stops sending once `stop` is set, and then waits for the requests
    /// already sent to be answered instead of cancelling them: a graceful end, so a request is never
    /// cut off half-way (a saga between its steps). It notices `stop` within ``stopCheckInterval``.
    public func run(stoppingWhen stop: TrafficStop?, send: @escaping @Sendable (RequestKind, Int) async -> Void) async -> TrafficRunSummary {
        let start = clock.now
        var kinds = SeededRandom(seed: schedule.seed, stream: TrafficMix.randomStream)
        var summary = TrafficRunSummary(targetRPS: schedule.rps)
        var maxLag = Duration.zero

        await withDiscardingTaskGroup { group in
            for arrival in schedule {
                guard arrival.offset < duration else { break }
                let due = start.advanced(by: arrival.offset)
                var stopped = stop?.isSet ?? false
                while !stopped, clock.now < due {
                    // Without a stop to watch, one sleep; with one, naps of at most the interval.
                    let wake = stop == nil ? due : min(due, clock.now.advanced(by: Self.stopCheckInterval))
                    do {
                        try await clock.sleep(until: wake, tolerance: nil)
                    } catch {
                        stopped = true
                    }
                    stopped = stopped || (stop?.isSet ?? false)
                }
                if stopped || Task.isCancelled {
                    summary.wasCancelled = true
                    break
                }
                let lag = due.duration(to: clock.now)
                if lag > maxLag { maxLag = lag }
                if lag > lateThreshold { summary.lateSends += 1 }

                let kind = mix.pick(using: &kinds)
                let index = arrival.index
                group.addTask { await send(kind, index) }
                summary.sent += 1
                summary.sentByKind[kind, default: 0] += 1
            }
            let sending = start.duration(to: clock.now)
            // A run that kept up spans the whole duration even though its last arrival came earlier.
            summary.sendingSeconds = summary.wasCancelled ? sending.seconds : max(sending, duration).seconds
        }
        summary.totalSeconds = start.duration(to: clock.now).seconds
        summary.maxLagMs = maxLag.milliseconds
        summary.achievedRPS = summary.sendingSeconds > 0 ? Double(summary.sent) / summary.sendingSeconds : 0
        return summary
    }
}

/// A stop a traffic run watches: set once (from a graceful-shutdown handler, say), read by the
/// arrival loop. Thread-safe.
public final class TrafficStop: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Stops the run's sending; the requests already sent still finish.
    public func set() { flag.store(true, ordering: .releasing) }

    public var isSet: Bool { flag.load(ordering: .acquiring) }
}

/// What a traffic run sent, measured on the generator's clock.
public struct TrafficRunSummary: Sendable, Equatable {
    public var sent = 0
    public var sentByKind: [RequestKind: Int] = [:]
    /// The rate asked for.
    public var targetRPS: Double
    /// Requests sent per second of sending time: what the system was actually offered.
    public var achievedRPS: Double = 0
    /// From the start to the last send — at least the run's duration unless cancelled.
    public var sendingSeconds: Double = 0
    /// From the start until the last `send` returned (sending plus draining the responses).
    public var totalSeconds: Double = 0
    /// The most any request was sent after its scheduled time: the generator's own lag.
    public var maxLagMs: Double = 0
    /// Requests sent later than the generator's `lateThreshold`.
    public var lateSends = 0
    /// True when the run was cancelled before every arrival was sent.
    public var wasCancelled = false

    public init(targetRPS: Double) {
        self.targetRPS = targetRPS
    }
}
