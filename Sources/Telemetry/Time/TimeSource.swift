#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one time base of a telemetry backend: monotonic time since an origin, plus the wall-clock
/// time of that origin, so every timestamp the backend makes comes from a single injected `Clock`.
///
/// With a `ContinuousClock` it is real time; with a ``ManualClock`` it is virtual time, and two runs
/// with the same origin produce the same timestamps (deterministic simulation, golden tests).
///
/// Reading it costs one clock read (≈ 20 ns on Linux for `ContinuousClock`, read as `CLOCK_BOOTTIME`).
public struct TimeSource: Sendable {
    /// Time since the origin from any other clock; nil for real time, which is read directly
    /// on every span start and end. (Two plain fields rather than an enum of sources: copying a
    /// multi-payload enum, as every tracer copy did, goes through the runtime's value witnesses.)
    private let elapsed: (@Sendable () -> Duration)?
    #if canImport(Glibc)
    /// For real time: `CLOCK_BOOTTIME` at the origin (`ContinuousClock` reads that clock on Linux).
    private let originBootTimeNanoseconds: Int64
    #endif

    /// Wall-clock time of the origin, in nanoseconds since the Unix epoch.
    public let originUnixNanoseconds: UInt64

    /// A time source over `clock`, whose origin is the clock's `now` at the time of the call.
    ///
    /// - Parameter originUnixNanoseconds: the wall-clock time that origin stands for; the
    ///   system's real time by default. Pass a fixed value with a ``ManualClock`` for reproducible output.
    public init<C: Clock>(clock: C, originUnixNanoseconds: UInt64? = nil) where C.Duration == Duration {
        self.originUnixNanoseconds = originUnixNanoseconds ?? TimeSource.systemUnixNanoseconds()
        #if canImport(Glibc)
        if C.self == ContinuousClock.self {
            elapsed = nil
            originBootTimeNanoseconds = bootTimeNanoseconds()
            return
        }
        originBootTimeNanoseconds = 0
        #endif
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
    }

    /// Real time, measured by `ContinuousClock` from now on.
    public static func continuous() -> TimeSource {
        TimeSource(clock: ContinuousClock())
    }

    /// Monotonic time since the origin.
    public func now() -> Duration {
        if let elapsed { return elapsed() }
        return .nanoseconds(nanosecondsSinceOrigin())
    }

    /// Monotonic time since the origin in nanoseconds: ``now()`` without `Duration` arithmetic,
    /// for the hottest paths (span start and end). Saturates after ≈ 292 years.
    @inline(__always)
    public func nanosecondsSinceOrigin() -> Int64 {
        if let elapsed { return elapsed().nanoseconds }
        #if canImport(Glibc)
        return bootTimeNanoseconds() &- originBootTimeNanoseconds
        #else
        preconditionFailure("only real time on Linux is read without a closure")
        #endif
    }

    /// Wall-clock time now, in nanoseconds since the Unix epoch (origin + monotonic elapsed time).
    public func unixNanoseconds() -> UInt64 {
        unixNanoseconds(at: now())
    }

    /// Wall-clock time of a point `offset` after the origin, in nanoseconds since the Unix epoch.
    public func unixNanoseconds(at offset: Duration) -> UInt64 {
        let nanos = offset.nanoseconds
        return nanos >= 0 ? originUnixNanoseconds &+ UInt64(nanos) : originUnixNanoseconds &- UInt64(-nanos)
    }

    /// The system's real-time clock, in nanoseconds since the Unix epoch.
    public static func systemUnixNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

extension Duration {
    /// The whole duration in nanoseconds, saturating at `Int64` bounds (≈ 292 years).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return fromSeconds.addingReportingOverflow(attoseconds / 1_000_000_000).overflow
            ? (seconds < 0 ? .min : .max)
            : fromSeconds + attoseconds / 1_000_000_000
    }

    /// The duration in seconds as a `Double` (for rates and display).
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in milliseconds as a `Double` (the unit of every latency in the snapshot schema).
    public var milliseconds: Double { seconds * 1000 }

    /// `seconds` as a duration in whole nanoseconds, saturating at `Int64` bounds (≈ ±292 years)
    /// instead of trapping; NaN is zero. For durations that arrive as numbers from outside (a trip's
    /// seconds, an injected latency).
    public init(saturatingSeconds seconds: Double) {
        let nanoseconds = (seconds * 1e9).rounded()
        if nanoseconds.isNaN {
            self = .zero
        } else if nanoseconds >= 9.2e18 {
            self = .nanoseconds(Int64.max)
        } else if nanoseconds <= -9.2e18 {
            self = .nanoseconds(Int64.min)
        } else {
            self = .nanoseconds(Int64(nanoseconds))
        }
    }
}

#if canImport(Glibc)
/// `CLOCK_BOOTTIME` in nanoseconds: the clock behind `ContinuousClock` on Linux, read without
/// `Instant`/`Duration` arithmetic (≈ half the cost of `ContinuousClock.now` plus `duration(to:)`).
@inline(__always)
private func bootTimeNanoseconds() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_BOOTTIME, &time)
    return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
}
#endif
