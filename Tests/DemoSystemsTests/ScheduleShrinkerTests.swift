import DemoSystems
import Synchronization
import Telemetry
import Testing

/// The shrinker against fake oracles: no simulation runs here.
@Suite("ScheduleShrinker")
struct ScheduleShrinkerTests {
    typealias Episode = FaultSchedule.Episode

    static let noisy = FaultSchedule(rps: 200, duration: .seconds(120), episodes: [
        Episode(target: "payment-service", fault: .latency(milliseconds: 500), start: .seconds(5), end: .seconds(40)),
        Episode(target: "inventory-service", fault: .errors(ratio: 0.5, status: 503), start: .seconds(20), end: .seconds(70)),
        Episode(target: "user-service-1", fault: .down, start: .seconds(50), end: .seconds(90)),
        Episode(target: "inventory-service", fault: .hang, start: .seconds(80), end: .seconds(120)),
    ])

    /// Fails when inventory-service has errors at 30 s, the run lasts past 30 s and at least 10 req/s are sent.
    static func inventoryErrorsAt30s(_ schedule: FaultSchedule) -> Bool {
        schedule.duration > .seconds(30) && schedule.rps >= 10 && schedule.episodes.contains { episode in
            episode.target == "inventory-service" && episode.fault.kind == .errors && episode.start <= .seconds(30) && episode.end > .seconds(30)
        }
    }

    @Test("a fake bug that needs one fault at one moment shrinks to that fault, that moment, the shortest run and the lowest rate")
    func shrinksToTheCause() async {
        let calls = Mutex(0)
        let result = await ScheduleShrinker.shrink(Self.noisy) { candidate in
            calls.withLock { $0 += 1 }
            return Self.inventoryErrorsAt30s(candidate)
        }
        #expect(result.schedule == FaultSchedule(rps: 10, duration: .seconds(31), episodes: [
            Episode(target: "inventory-service", fault: .errors(ratio: 0.5, status: 503), start: .seconds(30), end: .seconds(31)),
        ]))
        #expect(Self.inventoryErrorsAt30s(result.schedule))
        #expect(result.runs == calls.withLock { $0 })
        #expect(result.accepted > 0 && result.accepted < result.runs)
        #expect(!result.budgetExhausted)
    }

    @Test("a bug that needs two faults keeps both (no single drop still fails)")
    func keepsWhatIsNeeded() async {
        let needsBoth: @Sendable (FaultSchedule) -> Bool = { schedule in
            schedule.episodes.contains { $0.fault == .down } && schedule.episodes.contains { $0.fault == .hang }
        }
        let result = await ScheduleShrinker.shrink(Self.noisy) { needsBoth($0) }
        #expect(needsBoth(result.schedule))
        #expect(result.schedule.episodes.map(\.fault) == [.down, .hang])
        for index in result.schedule.episodes.indices {
            var fewer = result.schedule
            fewer.episodes.remove(at: index)
            #expect(!needsBoth(fewer))
        }
    }

    @Test("when nothing smaller fails the schedule comes back unchanged, and only candidates were run")
    func nothingSmallerFails() async {
        let seen = Mutex<[FaultSchedule]>([])
        let result = await ScheduleShrinker.shrink(Self.noisy) { candidate in
            seen.withLock { $0.append(candidate) }
            return false
        }
        #expect(result.schedule == Self.noisy)
        #expect(result.accepted == 0 && result.runs > 0)
        #expect(!seen.withLock { $0.contains(Self.noisy) }, "the input itself is known to fail; it is never re-run")
    }

    @Test("the run budget is honoured and what comes back still fails")
    func budget() async {
        let result = await ScheduleShrinker.shrink(Self.noisy, maximumRuns: 5) { Self.inventoryErrorsAt30s($0) }
        #expect(result.runs == 5 && result.budgetExhausted)
        #expect(Self.inventoryErrorsAt30s(result.schedule))
    }

    @Test("every candidate is smaller than the schedule it came from")
    func candidatesShrink() async {
        let current = Mutex(Self.noisy)
        _ = await ScheduleShrinker.shrink(Self.noisy) { candidate in
            let before = current.withLock { $0 }
            let smaller = candidate.episodes.count < before.episodes.count || candidate.duration < before.duration
                || candidate.faultTime < before.faultTime || candidate.rps < before.rps
            #expect(smaller, "\(candidate) is not smaller than \(before)")
            let fails = Self.inventoryErrorsAt30s(candidate)
            if fails { current.withLock { $0 = candidate } }
            return fails
        }
    }
}
