/// The calls a breaker's rates are computed over: the last N calls, or the calls of the last N
/// seconds. Recording is O(1); a time window clears each per-second bucket once as time moves past
/// it. Plain stored arrays (no enum payloads) so mutation happens in place, without copies.
struct OutcomeWindow: Sendable {
    private(set) var calls = 0
    private(set) var failures = 0
    private(set) var slowCalls = 0

    private let isTimeBased: Bool
    /// Count window: outcomes of the last calls (bit 0 failure, bit 1 slow).
    private var ring: [UInt8]
    private var next = 0
    private var filled = 0
    /// Time window: per-second totals, slot = second mod count.
    private var buckets: [Bucket]
    private var newestSecond: Int64 = .min

    struct Bucket: Sendable {
        var calls = 0
        var failures = 0
        var slowCalls = 0
    }

    init(_ window: CircuitBreakerPolicy.SlidingWindow) {
        switch window {
        case .count(let n):
            precondition(n >= 1, "a count window needs at least one call")
            isTimeBased = false
            ring = Array(repeating: 0, count: n)
            buckets = []
        case .time(let seconds):
            precondition(seconds >= 1, "a time window needs at least one second")
            isTimeBased = true
            ring = []
            buckets = Array(repeating: Bucket(), count: seconds)
        }
    }

    var failureRate: Double { calls == 0 ? 0 : Double(failures) / Double(calls) }
    var slowCallRate: Double { calls == 0 ? 0 : Double(slowCalls) / Double(calls) }

    mutating func record(failure: Bool, slow: Bool, at now: Duration) {
        if isTimeBased {
            advance(to: now)
            let slot = Int(newestSecond % Int64(buckets.count))
            buckets[slot].calls += 1
            buckets[slot].failures += failure ? 1 : 0
            buckets[slot].slowCalls += slow ? 1 : 0
        } else {
            if filled == ring.count {
                let old = ring[next]
                calls -= 1
                failures -= Int(old & 1)
                slowCalls -= Int(old >> 1 & 1)
            } else {
                filled += 1
            }
            ring[next] = (failure ? 1 : 0) | (slow ? 2 : 0)
            next = next + 1 == ring.count ? 0 : next + 1
        }
        calls += 1
        failures += failure ? 1 : 0
        slowCalls += slow ? 1 : 0
    }

    /// Moves a time window to `now`, dropping the seconds that left it (no-op for count windows).
    mutating func advance(to now: Duration) {
        guard isTimeBased else { return }
        let second = now.components.seconds
        guard second > newestSecond else { return }
        let count = Int64(buckets.count)
        let first = newestSecond == .min ? second : max(newestSecond + 1, second - count + 1)
        for s in first...second {
            let slot = Int(s % count)
            calls -= buckets[slot].calls
            failures -= buckets[slot].failures
            slowCalls -= buckets[slot].slowCalls
            buckets[slot] = Bucket()
        }
        newestSecond = second
    }

    mutating func reset() {
        calls = 0
        failures = 0
        slowCalls = 0
        next = 0
        filled = 0
        for index in ring.indices { ring[index] = 0 }
        for index in buckets.indices { buckets[index] = Bucket() }
        newestSecond = .min
    }
}
