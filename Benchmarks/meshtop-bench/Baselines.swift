import Synchronization

/// Figures other figures are compared with; they run first.
func registerBaselineBenchmarks(on runner: BenchmarkRunner) async {
    runner.declareBaselines(["baseline.atomic-increment", "baseline.closure-call", "baseline.async-wrapper-call", "baseline.continuous-clock-now"])

    let atomic = Atomic<Int64>(0)
    runner.require("baseline.atomic-increment", atomic.wrappingAdd(1, ordering: .relaxed).newValue == 1,
                   "one relaxed increment of a fresh atomic did not give 1")
    runner.measure("baseline.atomic-increment", iterations: 50_000_000) { n in
        for _ in 0..<n { atomic.wrappingAdd(1, ordering: .relaxed) }
    }
    blackHole(atomic.load(ordering: .relaxed))

    // What reading the time costs: an open breaker does once per rejection, to see whether its wait is over.
    let start = ContinuousClock.now
    runner.require("baseline.continuous-clock-now", ContinuousClock.now >= start, "the continuous clock must not go backwards")
    runner.measure("baseline.continuous-clock-now", iterations: 10_000_000, note: "ContinuousClock.now") { n in
        var latest = start
        for _ in 0..<n { latest = max(latest, ContinuousClock.now) }
        blackHole(latest)
    }

    // "Direct call of the closure": what a resilience strategy wraps, with nothing around it.
    let work: () throws -> Int = { 42 }
    runner.require("baseline.closure-call", (try? callOpaque(work)) == 42, "the closure must return 42 without throwing")
    runner.measure("baseline.closure-call", iterations: 50_000_000) { n in
        var sum = 0
        for _ in 0..<n { sum &+= (try? callOpaque(work)) ?? 0 }
        blackHole(sum)
    }

    // The floor of any async strategy: an opaque async function that calls the operation's closure
    // and returns (what Retry.execute and CircuitBreaker.execute are, with their logic removed).
    let wrapped = try? await asyncWrapperOpaque { try callOpaque(work) }
    runner.require("baseline.async-wrapper-call", wrapped == 42, "the wrapped closure must return 42 without throwing")
    await runner.measureAsync("baseline.async-wrapper-call", iterations: 10_000_000,
                              note: "an opaque async function calling the closure, as every async strategy must") { n in
        var sum = 0
        for _ in 0..<n { sum &+= (try? await asyncWrapperOpaque { try callOpaque(work) }) ?? 0 }
        blackHole(sum)
    }
}

@inline(never)
func asyncWrapperOpaque<T>(_ body: () async throws -> T) async rethrows -> T { try await body() }

@inline(never)
func callOpaque<T>(_ body: () throws -> T) rethrows -> T { try body() }
