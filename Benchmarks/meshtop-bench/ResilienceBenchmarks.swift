import CoreMetrics
import Resilience

/// Issue 3's figures, against "baseline.closure-call" (a direct call of the closure).
func registerResilienceBenchmarks(on runner: BenchmarkRunner) async {
    // NOOP metrics: the figure is the breaker's own cost; counters through a real backend add ≈ 3 ns each.
    let breaker = CircuitBreaker(id: "bench", policy: .init(trip: .failureRate(threshold: 0.5, window: .count(100), minimumCalls: 20)),
                                 metrics: NOOPMetricsHandler.instance)
    let work: () throws -> Int = { 42 }
    try? await runner.measureAsync("resilience.breaker-closed-success", baseline: "baseline.closure-call", iterations: 5_000_000,
                              note: "execute through a closed breaker; target ≤ 50 ns, 0 allocations") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await breaker.execute { try callOpaque(work) } }
        blackHole(sum)
    }

    let open = CircuitBreaker(id: "bench-open", metrics: NOOPMetricsHandler.instance)
    open.trip()
    await runner.measureAsync("resilience.breaker-rejection", baseline: "baseline.closure-call", iterations: 2_000_000,
                              note: "execute on an open breaker, catching the rejection; target ≤ 100 ns") { n in
        var rejected = 0
        for _ in 0..<n {
            do { _ = try await open.execute { try callOpaque(work) } } catch { rejected &+= 1 }
        }
        blackHole(rejected)
    }

    let retry = Retry(name: "bench", clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance)
    try? await runner.measureAsync("resilience.retry-first-attempt-succeeds", baseline: "baseline.closure-call", iterations: 5_000_000,
                                   note: "target ≤ 30 ns") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await retry.execute { _ in try callOpaque(work) } }
        blackHole(sum)
    }

    let limiter = RateLimiter(name: "bench", rate: 1e12, burst: 1_000_000, clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance)
    runner.measure("resilience.rate-limiter-try-acquire", iterations: 5_000_000, note: "target ≤ 50 ns") { n in
        var granted = 0
        for _ in 0..<n where limiter.tryAcquire() { granted &+= 1 }
        blackHole(granted)
    }

    let pipeline = ResiliencePipeline(
        rateLimiter: RateLimiter(name: "bench-pipeline", rate: 1e12, burst: 1_000_000, clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance),
        retry: Retry(name: "bench-pipeline", clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance),
        breaker: CircuitBreaker(id: "bench-pipeline", metrics: NOOPMetricsHandler.instance),
        attemptTimeout: .seconds(1),
        clock: ContinuousClock())
    try? await runner.measureAsync("resilience.pipeline-success", baseline: "baseline.closure-call", iterations: 200_000,
                                   note: "rate limiter + retry + breaker + per-attempt timeout (a task per attempt, one shared timer); report only") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await pipeline.execute { 42 } }
        blackHole(sum)
    }
}
