import Resilience
import ServiceMesh

extension CallPolicy {
    /// What the example systems' sidecars apply unless a system sets otherwise for a (caller,
    /// target): the policies a careful team starts from.
    ///
    /// Breaker: opens at a 50% failure rate over the last 20 calls (once it has 10), stays open 5 s;
    /// retry: 3 attempts, exponential backoff from 10 ms with full jitter, capped at 200 ms;
    /// timeout: 1 s per attempt; outlier detection: 5 consecutive errors eject for 10 s × n.
    public static let demoDefault = CallPolicy(
        breaker: CircuitBreakerPolicy(trip: .failureRate(threshold: 0.5, window: .count(20), minimumCalls: 10), openDuration: .seconds(5)),
        retry: RetryPolicy(maxAttempts: 3, backoff: .exponential(base: .milliseconds(10), multiplier: 2), jitter: .full, cap: .milliseconds(200)),
        timeout: .seconds(1),
        loadBalancing: .leastInFlightOfTwo,
        outlierDetection: OutlierDetectionPolicy(consecutiveErrors: 5, baseEjectionTime: .seconds(10), maxEjectionShare: 0.5))
}
