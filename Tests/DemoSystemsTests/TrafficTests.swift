import DemoSystems
import Randomness
import Synchronization
import Telemetry
import Testing

@Suite struct ArrivalScheduleTests {
    @Test func fixedIntervalSendsRequestNAtNOverRps() throws {
        let schedule = try ArrivalSchedule(rps: 4, process: .fixedInterval, seed: 1)
        #expect(schedule.arrivals(before: .seconds(1)) == [
            Arrival(index: 0, offset: .zero),
            Arrival(index: 1, offset: .milliseconds(250)),
            Arrival(index: 2, offset: .milliseconds(500)),
            Arrival(index: 3, offset: .milliseconds(750)),
        ])
    }

    @Test func poissonIsDeterministicPerSeedAndHoldsTheMeanRate() throws {
        let schedule = try ArrivalSchedule(rps: 200, seed: 42)
        let arrivals = schedule.arrivals(before: .seconds(100))
        #expect(arrivals == (try ArrivalSchedule(rps: 200, seed: 42)).arrivals(before: .seconds(100)))
        #expect(arrivals != (try ArrivalSchedule(rps: 200, seed: 43)).arrivals(before: .seconds(100)))
        // 20,000 expected; a Poisson count's standard deviation is √20000 ≈ 141, so ±3% is > 4σ.
        #expect(abs(arrivals.count - 20_000) < 600)
        #expect(arrivals.map(\.index) == Array(0..<arrivals.count))
        #expect(zip(arrivals, arrivals.dropFirst()).allSatisfy { $0.offset <= $1.offset })
        // Exponential gaps: their standard deviation equals their mean (1/rps = 5 ms).
        let gaps = zip(arrivals, arrivals.dropFirst()).map { ($1.offset - $0.offset).milliseconds }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let deviation = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)).squareRoot()
        #expect(abs(mean - 5) < 0.2)
        #expect(abs(deviation - 5) < 0.3)
    }

    @Test(arguments: [0.0, -1, .infinity, .nan])
    func aRateThatIsNotPositiveIsRefused(rps: Double) {
        #expect(throws: TrafficConfigurationError.self) { try ArrivalSchedule(rps: rps, seed: 1) }
    }
}

@Suite struct TrafficMixTests {
    @Test func kindsFollowTheWeightsAndTheSeed() {
        var random = SeededRandom(seed: 3)
        var counts: [RequestKind: Int] = [:]
        for _ in 0..<100_000 { counts[TrafficMix.storefront.pick(using: &random), default: 0] += 1 }
        for kind in RequestKind.storefront {
            let share = Double(counts[kind] ?? 0) / 100_000
            #expect(abs(share - TrafficMix.storefront.share(of: kind)) < 0.005, "\(kind): \(share)")
        }
        var again = SeededRandom(seed: 3)
        var replay = SeededRandom(seed: 3)
        #expect((0..<100).map { _ in TrafficMix.storefront.pick(using: &again) } == (0..<100).map { _ in TrafficMix.storefront.pick(using: &replay) })
    }

    @Test func theDefaultMixIncludesEveryBadRequest() {
        let bad = RequestKind.storefrontBadRequests
        #expect(bad.allSatisfy { TrafficMix.storefront.share(of: $0) > 0 })
        #expect(TrafficMix.storefront.kinds == RequestKind.storefront)
        #expect(abs(RequestKind.storefront.map { TrafficMix.storefront.share(of: $0) }.reduce(0, +) - 1) < 1e-12)
    }

    @Test func aKindListedTwiceIsRefused() {
        #expect(throws: TrafficConfigurationError.self) { try TrafficMix([.browse: 1, .browse: 2]) }
    }

    @Test func zeroWeightKindsAreNeverSentAndAllZeroIsRefused() throws {
        let onlyOrders = try TrafficMix(weights: [.placeOrder: 1, .browse: 0])
        var random = SeededRandom(seed: 1)
        #expect((0..<1000).allSatisfy { _ in onlyOrders.pick(using: &random) == .placeOrder })
        #expect(throws: TrafficConfigurationError.self) { try TrafficMix(weights: [.browse: 0]) }
    }
}

@Suite struct TrafficGeneratorTests {
    /// Records what `send` was called with, and lets the test hold every send open.
    final class Recorder: Sendable {
        let calls = Mutex<[(RequestKind, Int)]>([])
        let finished = Mutex(0)
    }

    @Test func sendsEachRequestOnTimeWithoutWaitingForEarlierOnes() async throws {
        let clock = ManualClock()
        let schedule = try ArrivalSchedule(rps: 10, process: .fixedInterval, seed: 42)
        let generator = TrafficGenerator(clock: clock, schedule: schedule, duration: .seconds(1))
        let recorder = Recorder()
        let run = Task {
            await generator.run { kind, index in
                recorder.calls.withLock { $0.append((kind, index)) }
                // Every response takes 100 s: a closed-loop generator would stall after the first.
                try? await clock.sleep(until: .init(offset: .seconds(100)))
                recorder.finished.withLock { $0 += 1 }
            }
        }
        // Request 0 is due at once; then each 100 ms step releases exactly one more.
        for step in 1...10 {
            // `step` sends asleep in their 100 s response, plus the generator asleep until the next arrival
            // (after the last arrival the generator is done sending and only the sends sleep).
            await clock.waitForSleepers(count: step < 10 ? step + 1 : step)
            #expect(recorder.calls.withLock { $0.map(\.1) } == Array(0..<step))
            #expect(recorder.finished.withLock { $0 } == 0)
            if step < 10 { clock.advance(by: .milliseconds(100)) }
        }
        #expect(clock.now.offset == .milliseconds(900))
        clock.advance(to: .init(offset: .seconds(100)))
        let summary = await run.value
        #expect(recorder.finished.withLock { $0 } == 10)
        #expect(summary.sent == 10)
        #expect(summary.sentByKind.values.reduce(0, +) == 10)
        #expect(summary.targetRPS == 10)
        #expect(summary.sendingSeconds == 1)
        #expect(summary.achievedRPS == 10)
        #expect(summary.totalSeconds == 100)
        #expect(summary.maxLagMs == 0)
        #expect(summary.lateSends == 0)
        #expect(!summary.wasCancelled)
    }

    @Test func kindsAndIndicesDependOnlyOnTheSeed() async throws {
        func run(seed: UInt64) async throws -> [RequestKind] {
            let clock = ManualClock()
            let generator = TrafficGenerator(clock: clock, schedule: try ArrivalSchedule(rps: 1000, seed: seed), duration: .milliseconds(50))
            let recorder = Recorder()
            let task = Task { await generator.run { kind, index in recorder.calls.withLock { $0.append((kind, index)) } } }
            // The generator sleeps once per arrival (Poisson offsets are all after 0): wake it at each deadline.
            for _ in try ArrivalSchedule(rps: 1000, seed: seed).arrivals(before: .milliseconds(50)) {
                await clock.waitForSleepers(count: 1)
                clock.advance(to: clock.nextDeadline!)
            }
            let summary = await task.value
            let calls = recorder.calls.withLock { $0 }.sorted { $0.1 < $1.1 }
            #expect(calls.map(\.1) == Array(0..<summary.sent))
            #expect(summary.sent == (try ArrivalSchedule(rps: 1000, seed: seed)).arrivals(before: .milliseconds(50)).count)
            return calls.map(\.0)
        }
        let first = try await run(seed: 7)
        #expect(try await run(seed: 7) == first)
        #expect(try await run(seed: 8) != first)
    }

    @Test func aLateGeneratorSendsOverdueRequestsAtOnceAndReportsTheLag() async throws {
        // The clock jumps 450 ms past the start before the generator looks: requests 0…4 are overdue.
        let clock = ManualClock()
        let generator = TrafficGenerator(clock: clock, schedule: try ArrivalSchedule(rps: 10, process: .fixedInterval, seed: 1), duration: .seconds(1))
        let recorder = Recorder()
        let task = Task {
            await generator.run { kind, index in recorder.calls.withLock { $0.append((kind, index)) } }
        }
        await clock.waitForSleepers(count: 1)  // asleep until request 1 at 100 ms
        clock.advance(by: .milliseconds(450))
        for _ in 5..<10 {  // requests 5…9, each woken exactly on time
            await clock.waitForSleepers(count: 1)
            clock.advance(to: clock.nextDeadline!)
        }
        let summary = await task.value
        #expect(summary.sent == 10)
        #expect(summary.maxLagMs == 350)  // request 1, due at 100 ms, went at 450 ms
        #expect(summary.lateSends == 4)   // requests 1…4
    }

    @Test func cancellingStopsSendingAndSaysSo() async throws {
        let clock = ManualClock()
        let generator = TrafficGenerator(clock: clock, schedule: try ArrivalSchedule(rps: 10, process: .fixedInterval, seed: 1), duration: .seconds(10))
        let task = Task { await generator.run { _, _ in } }
        await clock.waitForSleepers(count: 1)
        task.cancel()
        let summary = await task.value
        #expect(summary.wasCancelled)
        #expect(summary.sent == 1)
    }
}

@Suite struct FaultTimelineTests {
    @Test func changesArePlayedAtTheirTimesInOrder() async throws {
        let timeline = FaultTimeline([
            ScheduledFault(at: .seconds(30), service: "payment-service", fault: .none),
            ScheduledFault(at: .seconds(10), service: "payment-service", fault: .errors(ratio: 0.6, status: 503)),
        ])
        #expect(timeline.changes.map(\.at) == [.seconds(10), .seconds(30)])
        let clock = ManualClock()
        let applied = Mutex<[(Duration, FaultSpec)]>([])
        let task = Task {
            await timeline.play(clock: clock) { change in applied.withLock { $0.append((clock.now.offset, change.fault)) } }
        }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(10))
        await clock.waitForSleepers(count: 1)
        #expect(applied.withLock { $0.map(\.0) } == [.seconds(10)])
        clock.advance(by: .seconds(20))
        await task.value
        #expect(applied.withLock { $0.map(\.0) } == [.seconds(10), .seconds(30)])
        #expect(applied.withLock { $0.map(\.1) } == [.errors(ratio: 0.6, status: 503), FaultSpec.none])
    }
}

