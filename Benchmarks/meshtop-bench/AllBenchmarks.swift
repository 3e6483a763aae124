/// Every module's figures, in the order they print. Each module keeps its own file.
func registerAllBenchmarks(on runner: BenchmarkRunner) async {
    registerTelemetryMetricsBenchmarks(on: runner)
    await registerTracingBenchmarks(on: runner)
    await registerResilienceBenchmarks(on: runner)
    await registerMeshBenchmarks(on: runner)
    await registerHedgingBenchmarks(on: runner)
    registerDashboardBenchmarks(on: runner)
    await registerDashboardViewBenchmarks(on: runner)
    registerTraceAnalysisBenchmarks(on: runner)
    registerSimulationBenchmarks(on: runner)
    registerRidesBenchmarks(on: runner)
    await registerEventStoreBenchmarks(on: runner)
    registerServeBenchmarks(on: runner)
    await registerOTLPBenchmarks(on: runner)
}
