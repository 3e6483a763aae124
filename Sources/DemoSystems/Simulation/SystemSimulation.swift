import ServiceMesh
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

    /// ``run(_:)`` held to a person's pace by `pacer`, on a thread of its own: the run a dashboard
    /// watches. `started` is handed the system's mesh as soon as it exists (on the simulation's
    /// thread), for the dashboard to read. Same options and seed, same report as ``run(_:)``,
    /// unless work was sent in through the pacer.
    public static func runPacedOnDedicatedThread(_ options: SimOptions, pacer: SimulationPacer,
                                                 started: @escaping @Sendable (Mesh) -> Void) async -> SimReport {
        let simulation = await Simulator.runOnDedicatedThread(seed: options.seed, until: options.duration + endingAllowance, pacer: pacer) { context in
            try await body(options, context, started: started)
        }
        return SimReport(options: options, simulation: simulation)
    }

    /// The system's snapshot at virtual time `at` of `options`' run (the same JSON as
    /// `meshtop snapshot --json`), on a thread of its own; the run stops there. A failure when the
    /// simulation failed before `at` (it says how).
    public static func snapshot(_ options: SimOptions, at: Duration) async -> Result<SystemSnapshot, SimRunFailure> {
        let simulation = await Simulator.runOnDedicatedThread(seed: options.seed, until: at + endingAllowance) { context in
            let run = try makeRun(options, context)
            return try await withThrowingTaskGroup(of: SystemSnapshot?.self) { group in
                group.addTask {
                    try await run.run()
                    return nil
                }
                group.addTask {
                    try await context.clock.sleep(until: .init(offset: at), tolerance: nil)
                    let mesh = run.system.mesh
                    mesh.telemetry.metricsStore.tick()
                    return mesh.observe(window: snapshotWindowSeconds)
                }
                while let result = try await group.next() {
                    if let snapshot = result {
                        group.cancelAll()
                        return snapshot
                    }
                }
                throw CancellationError()
            }
        }
        if let failure = simulation.failure { return .failure(SimRunFailure(description: failure.description)) }
        guard let snapshot = simulation.value else {
            return .failure(SimRunFailure(description: "simulation with seed \(options.seed) failed: the run stopped before \(DurationParser.format(at))"))
        }
        return .success(snapshot)
    }

    /// The window `--at` observes rates over: the dashboard's (and `meshtop snapshot`'s).
    public static let snapshotWindowSeconds = 10

    private static func makeRun(_ options: SimOptions, _ context: SimulationContext) throws -> SystemRun<SimulatedClock> {
        let clock = context.clock
        let system = options.demoSystem.make(clock: clock, seed: context.seed,
                                             time: TimeSource(clock: clock, originUnixNanoseconds: originUnixNanoseconds))
        options.plantedBug?.plant(in: system)
        let plan = SystemRun<SimulatedClock>.Plan(rps: options.rps, seed: context.seed, faults: options.faults,
                                                  trafficDuration: options.duration, ending: .settle, sampleRatio: options.sampleRatio)
        return try SystemRun(system: system, clock: clock, plan: plan)
    }

    private static func body(_ options: SimOptions, _ context: SimulationContext,
                             started: (@Sendable (Mesh) -> Void)? = nil) async throws -> SimRunValue {
        let run = try makeRun(options, context)
        let system = run.system
        started?(system.mesh)
        try await run.run()
        // Invariants are checked on the settled system, here: the time a violation is found.
        let checkedAt = context.clock.now.offset
        guard let result = HeadlessDemo.result(of: run) else { throw CancellationError() }
        return SimRunValue(result: result, digest: SimulationDigest.of(system.mesh), mesh: SimRunValue.Figures(system.mesh),
                           invariantsCheckedAt: checkedAt)
    }
}

/// A simulated run that failed before it produced what was asked of it, in words.
public struct SimRunFailure: Error, CustomStringConvertible {
    public var description: String
}
