import Synchronization

/// Figures other figures are compared with; they run first.
func registerBaselineBenchmarks(on runner: BenchmarkRunner) {
    runner.declareBaselines(["baseline.atomic-increment", "baseline.closure-call"])

    let atomic = Atomic<Int64>(0)
    runner.measure("baseline.atomic-increment", iterations: 50_000_000) { n in
        for _ in 0..<n { atomic.wrappingAdd(1, ordering: .relaxed) }
    }
    blackHole(atomic.load(ordering: .relaxed))

    // "Direct call of the closure": what a resilience strategy wraps, with nothing around it.
    let work: () throws -> Int = { 42 }
    runner.measure("baseline.closure-call", iterations: 50_000_000) { n in
        var sum = 0
        for _ in 0..<n { sum &+= (try? callOpaque(work)) ?? 0 }
        blackHole(sum)
    }
}

@inline(never)
func callOpaque<T>(_ body: () throws -> T) rethrows -> T { try body() }
