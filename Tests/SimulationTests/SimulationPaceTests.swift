import Simulation
import Synchronization
import Testing

@Suite("Simulation pace")
struct SimulationPaceTests {
    @Test("paused, the clock does not move however much real time passes")
    func pausedWaits() {
        var pace = SimulationPace(isPaused: true)
        #expect(pace.decide(next: .milliseconds(1), now: .zero, real: .zero) == .wait(nil))
        #expect(pace.decide(next: .milliseconds(1), now: .zero, real: .seconds(3600)) == .wait(nil))
        #expect(pace.virtualTime == .zero)
    }

    @Test("at 10× a deadline 5 s ahead waits 0.5 s of real time, then goes", arguments: [(1, 5000), (10, 500), (100, 50)])
    func pacedWaitsItsShare(factor: Int, waitMilliseconds: Int) {
        var pace = SimulationPace(speed: .times(factor))
        #expect(pace.decide(next: .seconds(5), now: .zero, real: .seconds(100)) == .wait(.milliseconds(waitMilliseconds)))
        #expect(pace.decide(next: .seconds(5), now: .zero, real: .seconds(100) + .milliseconds(waitMilliseconds - 1)) != .advance)
        #expect(pace.decide(next: .seconds(5), now: .zero, real: .seconds(100) + .milliseconds(waitMilliseconds)) == .advance)
    }

    @Test("a pause while the clock is at a deadline it was let go to stays there: the shown time does not move on")
    func pauseAfterAJumpStaysThere() {
        var pace = SimulationPace(speed: .unpaced)
        #expect(pace.decide(next: .milliseconds(1_165), now: .seconds(1), real: .zero) == .advance)
        pace.togglePause(real: .zero)
        let shown = pace.shownTime(real: .zero, next: nil)
        #expect(shown == .milliseconds(1_165))
        // The simulation thread asks again from where it went: it waits, and the time stays.
        #expect(pace.decide(next: .milliseconds(1_166), now: .milliseconds(1_165), real: .seconds(1)) == .wait(nil))
        #expect(pace.shownTime(real: .seconds(1), next: .milliseconds(1_166)) == shown)
    }

    @Test("unpaced, every jump goes at once")
    func unpacedAdvances() {
        var pace = SimulationPace(speed: .unpaced)
        #expect(pace.decide(next: .seconds(3600), now: .zero, real: .zero) == .advance)
    }

    @Test("the shown time moves on between deadlines at the speed, never past the next deadline")
    func shownTimeMovesSmoothly() {
        var pace = SimulationPace(speed: .times(10))
        _ = pace.decide(next: .seconds(5), now: .zero, real: .zero)
        #expect(pace.shownTime(real: .milliseconds(200), next: .seconds(5)) == .seconds(2))
        #expect(pace.shownTime(real: .seconds(9), next: .seconds(5)) == .seconds(5))
        // Not waiting (the simulator is busy, maybe slower than the speed asks): what it reached, not what it should have.
        #expect(pace.shownTime(real: .seconds(9), next: nil) == .zero)
        pace.togglePause(real: .milliseconds(200))
        #expect(pace.shownTime(real: .seconds(9), next: .seconds(5)) == .zero)
    }

    @Test("+ and - move along 1×, 10×, 100×, as fast as possible and stop at either end")
    func speedLadder() {
        var pace = SimulationPace()
        var seen: [SimulationPace.Speed] = []
        for _ in 0..<5 {
            pace.changeSpeed(by: 1, real: .zero)
            seen.append(pace.speed)
        }
        #expect(seen == [.times(10), .times(100), .unpaced, .unpaced, .unpaced])
        for _ in 0..<5 { pace.changeSpeed(by: -1, real: .zero) }
        #expect(pace.speed == .times(1))
        #expect(SimulationPace.Speed.ladder.map(\.description) == ["1", "10", "100", "max"])
    }

    @Test("go to a time runs unpaced up to it and pauses there; a time behind the run does nothing")
    func goToTime() {
        var pace = SimulationPace(speed: .times(1), isPaused: true)
        pace.run(until: .seconds(12))
        #expect(!pace.isPaused)
        #expect(pace.decide(next: .seconds(11), now: .seconds(1), real: .zero) == .advance)
        #expect(pace.decide(next: .seconds(12), now: .seconds(11), real: .zero) == .advance)
        #expect(pace.decide(next: .milliseconds(12_500), now: .seconds(12), real: .zero) == .wait(nil))
        #expect(pace.isPaused && pace.virtualTime == .seconds(12) && pace.goal == .paced)
        pace.run(until: .seconds(3))
        #expect(pace.isPaused && pace.goal == .paced)
    }

    @Test("a step while paused is a go to: the run's time plus the step")
    func stepAdvancesFromThePause() {
        var pace = SimulationPace(isPaused: true)
        _ = pace.decide(next: .seconds(8), now: .seconds(7), real: .zero)
        pace.run(until: pace.virtualTime + .seconds(1))
        #expect(pace.decide(next: .seconds(8), now: .seconds(7), real: .zero) == .advance)
        #expect(pace.decide(next: .milliseconds(8_001), now: .seconds(8), real: .zero) == .wait(nil))
        #expect(pace.isPaused && pace.virtualTime == .seconds(8))
    }

    @Test("the run pauses once at the end of its traffic; playing on, or running to the end, goes through")
    func pausesAtTheEndOfTraffic() {
        var pace = SimulationPace(speed: .unpaced, pauseAt: .seconds(60))
        #expect(pace.decide(next: .seconds(60), now: .seconds(59), real: .zero) == .advance)
        #expect(pace.decide(next: .seconds(61), now: .seconds(60), real: .zero) == .wait(nil))
        #expect(pace.isPaused && pace.virtualTime == .seconds(60) && pace.pauseAt == nil)
        pace.togglePause(real: .zero)
        #expect(pace.decide(next: .seconds(61), now: .seconds(60), real: .zero) == .advance)

        var toEnd = SimulationPace(speed: .times(1), isPaused: true, pauseAt: .seconds(60))
        toEnd.runToEnd()
        #expect(toEnd.decide(next: .seconds(300), now: .zero, real: .zero) == .advance)
    }

    @Test("a simulator slower than the speed asks does not rush to make up the lag later")
    func lagIsForgiven() {
        var pace = SimulationPace(speed: .times(1))
        _ = pace.decide(next: .zero, now: .zero, real: .zero)
        // Ten real seconds to reach one virtual second: far behind.
        #expect(pace.decide(next: .seconds(1), now: .zero, real: .seconds(10)) == .advance)
        #expect(pace.decide(next: .milliseconds(1_500), now: .seconds(1), real: .seconds(10)) == .wait(.milliseconds(500)))
    }

    @Test("once the run is over it stays paused at its end and goes nowhere")
    func endedStays() {
        var pace = SimulationPace(speed: .times(10))
        pace.end(at: .seconds(90))
        #expect(pace.hasEnded && pace.isPaused && pace.virtualTime == .seconds(90))
        pace.run(until: .seconds(100))
        pace.togglePause(real: .zero)
        #expect(pace.isPaused && pace.goal == .paced)
    }
}

@Suite("Simulation pacer")
struct SimulationPacerTests {
    @Test("a paced run is the same run: held paused, then sent to its end, it gives the same value, jobs and time")
    func pacingDoesNotChangeTheRun() async throws {
        let plain = await Simulator.runOnDedicatedThread(seed: 7) { await sleepingWorkload($0) }
        let pacer = SimulationPacer(SimulationPace(isPaused: true), realClock: { .zero })
        // Work sent in while paused runs on the simulation's thread, between two instants.
        async let paced = Simulator.runOnDedicatedThread(seed: 7, pacer: pacer) { await sleepingWorkload($0) }
        let ranBeforeTheEnd = await pacer.perform { !pacer.pace.hasEnded }
        #expect(ranBeforeTheEnd)
        pacer.change { pace, _ in pace.runToEnd() }
        let report = await paced
        try report.check()
        #expect(report.value == plain.value)
        #expect(report.jobsRun == plain.jobsRun)
        #expect(report.virtualTime == plain.virtualTime)
        #expect(pacer.pace.hasEnded && pacer.pace.virtualTime == plain.virtualTime)
        // After the end, work runs at once on the caller's thread.
        #expect(await pacer.perform { 42 } == 42)
    }
}
