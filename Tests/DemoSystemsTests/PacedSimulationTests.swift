import DemoSystems
import ServiceMesh
import Simulation
import Synchronization
import Telemetry
import Testing

/// A run watched on the dashboard is held to a pace, but it is the same run.
@Suite("A paced simulated run")
struct PacedSimulationTests {
    static let arguments = SimArguments(seed: "9", duration: "10s", rps: "40", plantedBug: "skip-refund:1")

    @Test("through a pacer, the run has the plain run's digest; its violation is found at the virtual time the invariants are checked")
    func sameRunThroughAPacer() async throws {
        let options = try SimOptions(validating: Self.arguments, drawSeed: { 0 })
        let plain = await SystemSimulation.runOnDedicatedThread(options)
        let violationTime = try #require(plain.firstViolationAtSeconds, "seed 9 with the planted bug no longer fails: \(plain.firstFailure ?? "passed")")
        #expect(violationTime == plain.virtualSeconds, "the invariants are checked as the run ends")
        #expect(violationTime >= 10)

        // Paused at the start, then sent to its end: the pace decides when instants happen, not what they do.
        let pacer = SimulationPacer(SimulationPace(isPaused: true, pauseAt: options.duration), realClock: { .zero })
        let meshes = Mutex(0)
        pacer.change { pace, _ in pace.runToEnd() }
        let paced = await SystemSimulation.runPacedOnDedicatedThread(options, pacer: pacer, started: { _ in meshes.withLock { $0 += 1 } })
        #expect(meshes.withLock { $0 } == 1)
        #expect(paced.digest == plain.digest)
        #expect(paced.firstViolationAtSeconds == violationTime)
        #expect(pacer.pace.hasEnded && pacer.pace.virtualTime.seconds == violationTime)
    }

    @Test("stopped before its end, the run ends at once where it was, without a digest")
    func stoppedRunEndsWhereItWas() async throws {
        let options = try SimOptions(validating: SimArguments(seed: "3", duration: "1h", rps: "40"), drawSeed: { 0 })
        let pacer = SimulationPacer(SimulationPace(isPaused: true), realClock: { .zero })
        pacer.change { pace, _ in pace.stop() }
        let report = await SystemSimulation.runPacedOnDedicatedThread(options, pacer: pacer, started: { _ in })
        #expect(report.digest == nil)
        #expect(report.virtualSeconds < 1)
        #expect(pacer.pace.isStopping && pacer.pace.hasEnded)
    }
}
