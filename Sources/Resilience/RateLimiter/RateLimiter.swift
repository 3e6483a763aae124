import CoreMetrics
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Thrown when a rate limiter will not grant permits within the caller's maximum wait.
public struct RateLimitedError: Error, Sendable, Equatable, CustomStringConvertible {
    public let limiter: String
    /// When the permits would be available.
    public let retryAfter: Duration

    public var description: String { "rate limiter '\(limiter)' is exhausted; retry after \(retryAfter.compact)" }
}

/// A token bucket: `rate` permits per second, up to `burst` saved up.
///
/// - ``tryAcquire(_:)`` takes permits now or says no, never waits.
/// - ``acquire(_:maxWait:)`` reserves permits and waits on the injected clock until they are due;
///   if that would take longer than `maxWait` it throws ``RateLimitedError`` at once. A cancelled
///   waiter gives its reservation back.
/// - Metrics: `rate_limiter_permitted_total{limiter}`, `rate_limiter_rejected_total{limiter}`.
///
/// Thread safety: all methods may be called from any task.
public final class RateLimiter: Sendable {
    public let name: String
    public let rate: Double
    public let burst: Int
    /// Seconds since the limiter was made, on its clock (a `Double`: the bucket's arithmetic is in
    /// seconds, and reading it this way skips `Duration.components`' 128-bit division).
    private let elapsedSeconds: @Sendable () -> Double
    private let sleep: @Sendable (Duration) async throws -> Void
    private let bucket: Mutex<Bucket>
    private let permitted, rejected: Counter

    private struct Bucket {
        /// May go below zero: permits reserved by waiters.
        var tokens: Double
        /// Seconds since the limiter was made.
        var updated: Double
    }

    public init<C: Clock>(name: String, rate: Double, burst: Int, clock: C, metrics: any MetricsFactory) where C.Duration == Duration {
        precondition(rate > 0, "a rate limiter's rate must be positive (permits per second)")
        precondition(burst >= 1, "a rate limiter's burst must be at least 1")
        self.name = name
        self.rate = rate
        self.burst = burst
        let origin = clock.now
        self.elapsedSeconds = Self.secondsSince(origin, on: clock)
        self.sleep = { try await clock.sleep(for: $0) }
        self.bucket = Mutex(Bucket(tokens: Double(burst), updated: 0))
        permitted = Counter(label: "rate_limiter_permitted_total", dimensions: [("limiter", name)], factory: metrics)
        rejected = Counter(label: "rate_limiter_rejected_total", dimensions: [("limiter", name)], factory: metrics)
    }

    /// Takes `permits` now if the bucket holds them.
    public func tryAcquire(_ permits: Int = 1) -> Bool {
        let now = elapsedSeconds()
        let granted = bucket.withLock { bucket in
            refill(&bucket, at: now)
            guard bucket.tokens >= Double(permits) else { return false }
            bucket.tokens -= Double(permits)
            return true
        }
        (granted ? permitted : rejected).increment()
        return granted
    }

    /// Waits until `permits` are available, at most `maxWait`.
    ///
    /// - Throws: ``RateLimitedError`` (without waiting) when they would take longer; `CancellationError`.
    public func acquire(_ permits: Int = 1, maxWait: Duration) async throws {
        precondition(permits <= burst, "cannot acquire \(permits) permits from a bucket of \(burst)")
        let now = elapsedSeconds()
        let wait: Duration? = bucket.withLock { bucket in
            refill(&bucket, at: now)
            let missing = Double(permits) - bucket.tokens
            let wait = missing <= 0 ? Duration.zero : Duration.nanoseconds(Int64((missing / rate * 1e9).rounded(.up)))
            guard wait <= maxWait else { return nil }
            bucket.tokens -= Double(permits)
            return wait
        }
        guard let wait else {
            rejected.increment()
            throw RateLimitedError(limiter: name, retryAfter: bucket.withLock { bucket in
                Duration.nanoseconds(Int64(((Double(permits) - bucket.tokens) / rate * 1e9).rounded(.up)))
            })
        }
        if wait > .zero {
            do {
                try await sleep(wait)
            } catch {
                bucket.withLock { $0.tokens += Double(permits) }
                throw error
            }
        }
        permitted.increment()
    }

    /// Permits available now (negative while waiters hold reservations).
    public var available: Double {
        let now = elapsedSeconds()
        return bucket.withLock { bucket in
            refill(&bucket, at: now)
            return bucket.tokens
        }
    }

    /// Seconds since `origin` on `clock`. For `ContinuousClock` on Linux it reads the same clock
    /// (`CLOCK_BOOTTIME`) straight into a `Double`, skipping `Instant` and `Duration` arithmetic:
    /// the clock read is most of what `tryAcquire` costs.
    private static func secondsSince<C: Clock>(_ origin: C.Instant, on clock: C) -> @Sendable () -> Double where C.Duration == Duration {
        #if canImport(Glibc)
        if C.self == ContinuousClock.self {
            let start = bootTimeSeconds()
            return { bootTimeSeconds() - start }
        }
        #endif
        return { origin.duration(to: clock.now) / .seconds(1) }
    }

    private func refill(_ bucket: inout Bucket, at now: Double) {
        guard now > bucket.updated else { return }
        bucket.tokens = min(Double(burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
    }
}

#if canImport(Glibc)
/// `CLOCK_BOOTTIME`, the clock behind `ContinuousClock` on Linux, in seconds.
@inline(__always)
private func bootTimeSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_BOOTTIME, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}
#endif
