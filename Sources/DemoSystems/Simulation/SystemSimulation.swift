import Simulation
import Telemetry

/// `meshtop sim SYSTEM`: a system's ``SystemRun`` — the same one `meshtop demo SYSTEM` runs — on
/// ``Simulator``: one thread, the virtual ``SimulatedClock``, everything drawn from one seed.
public enum SystemSimulation {
    /// The Unix time a simulated run's clock starts at (2023-11-14T22:13:20Z): fixed, so
    /// timestamps in events and traces are the same in every run of a seed.
    public static let originUnixNanoseconds: UInt64 = 1_700_000_000_000_000_000

    /// The longest a run may take past its traffic before the simulator stops it: settling (20 s at
    /// most) and draining fit in it many times over.
    public static let endingAllowance = Duration.seconds(300)

    /// Runs `options` to its end on the calling thread (blocked for the whole run) and returns the
    /// report. Same options and seed, same report, except for the wall time.
    public static func run(_ options: SimOptions) -> SimReport {
        let simulation = Simulator.run(seed: options.seed, until: options.duration + endingAllowance) { context in
            try await body(options, context)
        }
        return SimReport(options: options, simulation: simulation)
    }

    /// ``run(_:)`` on a thread of its own, for async callers.
    public static func runOnDedicatedThread(_ options: SimOptions) async -> SimReport {
        let simulation = await Simulator.runOnDedicatedThread(seed: options.seed, until: options.duration + endingAllowance) { context in
            try await body(options, context)
        }
        return SimReport(options: options, simulation: simulation)
    }

    private static func body(_ options: SimOptions, _ context: SimulationContext) async throws -> SimRunValue {
        let clock = context.clock
        let system = options.demoSystem.make(clock: clock, seed: context.seed,
                                             time: TimeSource(clock: clock, originUnixNanoseconds: originUnixNanoseconds))
        let plan = SystemRun<SimulatedClock>.Plan(rps: options.rps, seed: context.seed, faults: options.faults,
                                                  trafficDuration: options.duration, ending: .settle)
        let run = try SystemRun(system: system, clock: clock, plan: plan)
        try await run.run()
        guard let result = HeadlessDemo.result(of: run) else { throw CancellationError() }
        return SimRunValue(result: result, digest: SimulationDigest.of(system.mesh), mesh: SimRunValue.Figures(system.mesh))
    }
}
