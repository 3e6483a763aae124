import Randomness
import Simulation

/// 64-bit FNV-1a over a stream of integers: a digest of an ordered log, dependency-free.
struct FNV1a {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ number: UInt64) {
        var number = number
        for _ in 0..<8 {
            value ^= number & 0xFF
            value &*= 0x0000_0100_0000_01B3
            number >>= 8
        }
    }

    mutating func add(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        add(UInt64(bitPattern: seconds))
        add(UInt64(bitPattern: attoseconds))
    }
}

/// A default actor the workload's tasks report to, in the order they get to it.
actor OrderedLog {
    private var digest = FNV1a()
    private(set) var count = 0
    private(set) var entries: [String] = []
    private let keepsEntries: Bool

    init(keepsEntries: Bool = false) {
        self.keepsEntries = keepsEntries
    }

    func append(task: Int, step: Int, at instant: SimulatedClock.Instant) {
        digest.add(UInt64(task))
        digest.add(UInt64(step))
        digest.add(instant.offset)
        count += 1
        if keepsEntries { entries.append("\(task).\(step)@\(instant)") }
    }

    var value: UInt64 { digest.value }
}

/// Hundreds of tasks in a task group, each sleeping seeded random durations on the simulation's
/// clock (with many ties: whole milliseconds below 50) and reporting to one default actor.
/// Returns the digest of the log, in the order the actor received the entries.
func sleepingWorkload(_ simulation: SimulationContext, tasks: Int = 300, sleepsPerTask: Int = 8) async -> UInt64 {
    let log = OrderedLog()
    await withTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            group.addTask {
                var generator = SeededRandom(seed: simulation.seed, stream: UInt64(task))
                for step in 0..<sleepsPerTask {
                    let pause = Duration.milliseconds(Int(generator.next() % 50))
                    try? await simulation.clock.sleep(for: pause)
                    await log.append(task: task, step: step, at: simulation.clock.now)
                }
            }
        }
    }
    return await log.value
}
