import DemoSystems
import ServiceLifecycleTestKit
import ServiceMesh
import Synchronization
import Telemetry
import Testing
import TestSupport

/// A storefront run on a manual clock: no simulated work or network latency, time moved on by
/// ``drive(until:)`` whenever the run waits for it. Fast and independent of the machine's speed.
struct ManualRun {
    let clock = ManualClock()
    let run: SystemRun<ManualClock>

    init(rps: Double, duration: Duration?, faults: [ScheduledFault] = [], seed: UInt64 = 7, ending: SystemRun<ManualClock>.Ending = .settle) throws {
        try self.init(rps: rps, duration: duration, faults: faults, seed: seed, ending: ending) { clock, seed, time in
            Storefront(clock: clock, seed: seed, workScale: 0, networkLatency: .zero, time: time)
        }
    }

    /// A run of the system `make` builds (on the run's clock, with its seed and a fixed time origin).
    init(rps: Double, duration: Duration?, faults: [ScheduledFault] = [], seed: UInt64 = 7, ending: SystemRun<ManualClock>.Ending = .settle,
         make: (ManualClock, UInt64, TimeSource) -> any DemoSystem) throws {
        let system = make(clock, seed, TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000))
        let plan = SystemRun<ManualClock>.Plan(rps: rps, seed: seed, faults: FaultTimeline(faults), trafficDuration: duration, ending: ending)
        run = try SystemRun(system: system, clock: clock, plan: plan)
    }

    /// Runs the system to its end, advancing the clock to the next sleeper's deadline each time
    /// every task has had its turn. `during` runs alongside (to shut down gracefully, say) and
    /// gets the clock.
    func runToEnd(during: @escaping @Sendable (ManualClock) async -> Void = { _ in }) async throws -> HeadlessRunResult? {
        let finished = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await run.run()
                finished.set()
            }
            group.addTask { [clock] in
                while !finished.isSet {
                    for _ in 0..<4 { await Task.yield() }
                    if let next = clock.nextDeadline { clock.advance(to: next) }
                }
            }
            group.addTask { [clock] in await during(clock) }
            try await group.waitForAll()
        }
        return HeadlessDemo.result(of: run)
    }
}

/// Set once, read from other tasks.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

@Suite("A system run: traffic, faults, settling, shutdown")
struct SystemRunTests {
    @Test("a run sends its traffic for its duration, settles, and reports invariants that hold")
    func runsToItsEnd() async throws {
        let test = try ManualRun(rps: 50, duration: .seconds(4))
        let result = try #require(try await test.runToEnd())
        #expect(result.report.interrupted == false)
        let scheduled = try ArrivalSchedule(rps: 50, seed: 7).prefix { $0.offset < .seconds(4) }.count
        #expect(result.traffic?.sent == scheduled)
        #expect(result.report.invariants.ok)
        #expect(result.report.orders?.placed ?? 0 > 0)
        #expect(result.report.calls.contains { $0.caller == "gateway" && $0.target == "product-service" && $0.calls > 0 })
    }

    @Test("a gateway instance that hangs does not hold the run open: its clients give up after their timeout", .timeLimit(.minutes(1)))
    func aHangingEntryStillEnds() async throws {
        let test = try ManualRun(rps: 20, duration: .seconds(2), faults: [ScheduledFault(at: .zero, service: "gateway-1", fault: .hang, origin: .cli)])
        let result = try #require(try await test.runToEnd())
        #expect(result.report.interrupted == false)
        #expect(result.traffic?.sent ?? 0 > 0)
        // The hung requests were cancelled by their clients: the gateway logged them as 499.
        let store = test.run.mesh.telemetry.metricsStore
        #expect(store.total(SeriesSelector(label: "requests_total", matching: ["service": "gateway", "status": "499"])) > 0)
    }

    @Test("a fault on one instance hits only that instance, and settling lifts it")
    func oneInstanceFaultIsLiftedWhenSettling() async throws {
        let test = try ManualRun(rps: 40, duration: .seconds(2), faults: [ScheduledFault(at: .zero, service: "payment-service-1", fault: .down, origin: .cli)])
        let result = try #require(try await test.runToEnd())
        #expect(result.report.invariants.ok, "\(result.report.invariants.violations)")
        let mesh = test.run.mesh
        #expect(mesh.transport.instancesWithFaults.isEmpty)
        let events = mesh.telemetry.events.recent(source: "payment-service-1").map(\.message)
        #expect(events.contains { $0.hasPrefix("fault injected: down") })
        #expect(events.contains { $0.hasPrefix("fault cleared") })
        // Its twin kept answering: payments went through while one instance refused.
        #expect(result.report.services.first { $0.name == "payment-service" }?.requests ?? 0 > 0)
    }

    @Test("a graceful shutdown stops the traffic early, and the run still settles and reports, marked interrupted")
    func gracefulShutdownEndsTheRunWithAReport() async throws {
        let test = try ManualRun(rps: 50, duration: .seconds(3600))
        let result = try await testGracefulShutdown { trigger in
            try await test.runToEnd { clock in
                await clock.waitForSleeper(until: .init(offset: .seconds(2)))
                await waitUntil("the clock at 2 s") { clock.now >= .init(offset: .seconds(2)) }
                trigger.triggerGracefulShutdown()
            }
        }
        let report = try #require(result).report
        #expect(report.interrupted)
        let sent = try #require(result?.traffic?.sent)
        #expect(sent > 0 && sent < 50 * 10, "the traffic stopped near 2 s, not after an hour: \(sent) sent")
        #expect(report.invariants.ok)
    }

    @Test("a fault from --fault is in the event log with origin cli; a scenario's with origin scenario")
    func faultOrigins() async throws {
        let test = try ManualRun(rps: 20, duration: .seconds(2), faults: [
            ScheduledFault(at: .zero, service: "payment-service", fault: .errors(ratio: 0.5, status: 503), origin: .cli),
            ScheduledFault(at: .seconds(1), service: "payment-service", fault: .none),
        ])
        _ = try await test.runToEnd()
        let manual = test.run.mesh.telemetry.events.recent(limit: 100, kinds: [.manualAction]).reversed()
        let origins = manual.map { $0.attributes["origin"] ?? "" }
        #expect(Array(origins.prefix(2)) == ["cli", "scenario"])
        #expect(manual.first?.message == "fault injected: errors 50%, by cli")
    }
}
