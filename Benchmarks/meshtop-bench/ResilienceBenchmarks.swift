import CoreMetrics
import Resilience

/// The resilience figures, against "baseline.closure-call" (a direct call of the closure).
func registerResilienceBenchmarks(on runner: BenchmarkRunner) async {
    // NOOP metrics: the figure is the breaker's own cost; counters through a real backend add ≈ 3 ns each.
    let breaker = CircuitBreaker(id: "bench", policy: .init(trip: .failureRate(threshold: 0.5, window: .count(100), minimumCalls: 20)),
                                 metrics: NOOPMetricsHandler.instance)
    let work: () throws -> Int = { 42 }
    runner.require("resilience.breaker-closed-success", breaker.status().state == .closed, "the breaker must be closed")
    try? await runner.measureAsync("resilience.breaker-closed-success", baseline: "baseline.closure-call", iterations: 5_000_000,
                              note: "execute through a closed breaker; target ≤ 20 ns, 0 allocations") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await breaker.execute { try callOpaque(work) } }
        blackHole(sum)
    }

    // Opened by failures, as in production (so each rejection reads the clock to see whether the
    // open time is up: see baseline.continuous-clock-now), and open for an hour, so every measured
    // call is rejected.
    let open = CircuitBreaker(id: "bench-open", policy: .init(trip: .consecutiveFailures(1), openDuration: .seconds(3_600)),
                              metrics: NOOPMetricsHandler.instance)
    _ = try? await open.execute { throw BenchmarkFailure() }
    for figure in ["resilience.breaker-rejection", "resilience.breaker-rejection-untyped"] {
        runner.require(figure, open.status().state == .open, "the breaker must be open (opened by a failure)")
    }
    await runner.measureAsync("resilience.breaker-rejection", baseline: "baseline.closure-call", iterations: 2_000_000,
                              note: "executeTyped on an open breaker, catching the typed rejection; target ≤ 20 ns, 0 allocations") { n in
        var rejected = 0
        for _ in 0..<n {
            do throws(CircuitBreakerCallError<any Error>) {
                _ = try await open.executeTyped { try callOpaque(work) }
            } catch .rejected {
                rejected &+= 1
            } catch {}
        }
        runner.require("resilience.breaker-rejection", rejected == n, "every call must be rejected; \(n - rejected) of \(n) went through")
        blackHole(rejected)
    }
    await runner.measureAsync("resilience.breaker-rejection-untyped", baseline: "baseline.closure-call", iterations: 2_000_000,
                              note: "execute on an open breaker, catching `any Error` and dropping it (so the optimiser can drop its box; a caller that keeps the error pays one allocation); report only") { n in
        var rejected = 0
        for _ in 0..<n {
            do { _ = try await open.execute { try callOpaque(work) } } catch { rejected &+= 1 }
        }
        runner.require("resilience.breaker-rejection-untyped", rejected == n, "every call must be rejected; \(n - rejected) of \(n) went through")
        blackHole(rejected)
    }

    // Tripped by hand without an end: a rejection needs neither the lock nor the clock.
    let tripped = CircuitBreaker(id: "bench-tripped", metrics: NOOPMetricsHandler.instance)
    tripped.trip()
    runner.require("resilience.breaker-rejection-tripped", tripped.status().state == .forcedOpen, "the breaker must be tripped by hand")
    await runner.measureAsync("resilience.breaker-rejection-tripped", baseline: "baseline.closure-call", iterations: 2_000_000,
                              note: "executeTyped on a breaker tripped by hand without an end, catching the typed rejection; 0 allocations") { n in
        var rejected = 0
        for _ in 0..<n {
            do throws(CircuitBreakerCallError<any Error>) {
                _ = try await tripped.executeTyped { try callOpaque(work) }
            } catch .rejected {
                rejected &+= 1
            } catch {}
        }
        runner.require("resilience.breaker-rejection-tripped", rejected == n, "every call must be rejected; \(n - rejected) of \(n) went through")
        blackHole(rejected)
    }

    let retry = Retry(name: "bench", clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance)
    let attempts = try? await retry.execute { attempt in attempt }
    runner.require("resilience.retry-first-attempt-succeeds", attempts == 1, "the first attempt must succeed; took \(String(describing: attempts))")
    try? await runner.measureAsync("resilience.retry-first-attempt-succeeds", baseline: "baseline.closure-call", iterations: 5_000_000,
                                   note: "target ≤ 30 ns") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await retry.execute { _ in try callOpaque(work) } }
        blackHole(sum)
    }

    let limiter = RateLimiter(name: "bench", rate: 1e12, burst: 1_000_000, clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance)
    runner.require("resilience.rate-limiter-try-acquire", limiter.tryAcquire(), "the limiter must grant (rate 10¹² a second)")
    runner.measure("resilience.rate-limiter-try-acquire", iterations: 5_000_000, note: "a granted permit; target ≤ 50 ns") { n in
        var granted = 0
        for _ in 0..<n where limiter.tryAcquire() { granted &+= 1 }
        runner.require("resilience.rate-limiter-try-acquire", granted == n, "every permit must be granted; \(n - granted) of \(n) were refused")
        blackHole(granted)
    }

    let pipeline = ResiliencePipeline(
        rateLimiter: RateLimiter(name: "bench-pipeline", rate: 1e12, burst: 1_000_000, clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance),
        retry: Retry(name: "bench-pipeline", clock: ContinuousClock(), metrics: NOOPMetricsHandler.instance),
        breaker: CircuitBreaker(id: "bench-pipeline", metrics: NOOPMetricsHandler.instance),
        attemptTimeout: .seconds(1),
        clock: ContinuousClock())
    let piped = try? await pipeline.execute { 42 }
    runner.require("resilience.pipeline-success", piped == 42, "a call through the pipeline must succeed")
    try? await runner.measureAsync("resilience.pipeline-success", baseline: "baseline.closure-call", iterations: 200_000,
                                   note: "rate limiter + retry + breaker + per-attempt timeout (each attempt and its deadline's sleeper: two children of a task group); report only") { n in
        var sum = 0
        for _ in 0..<n { sum &+= try await pipeline.execute { 42 } }
        blackHole(sum)
    }
}

private struct BenchmarkFailure: Error {}
