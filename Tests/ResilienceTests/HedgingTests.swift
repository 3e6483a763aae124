import MetricsTestKit
import Synchronization
import Telemetry
import Testing
@testable import Resilience

/// Targets with set latencies on a manual clock, and what happened to each attempt.
final class HedgedTargets: Sendable {
    struct Failure: Error, Equatable {
        let target: String
    }

    let clock: ManualClock
    /// Latency per target; a target listed in `failing` throws after its latency instead of answering.
    let latency: [String: Duration]
    let failing: Set<String>
    private let log = Mutex<[String]>([])

    init(clock: ManualClock, latency: [String: Duration], failing: Set<String> = []) {
        self.clock = clock
        self.latency = latency
        self.failing = failing
    }

    /// Each attempt's end, in order: `"fast #2 answered"`, `"slow #1 cancelled"`, `"down #1 failed"`.
    var events: [String] { log.withLock { $0 } }

    /// The first target not yet tried, in the order given.
    static func choose(_ order: [String]) -> ([String]) -> String? {
        { tried in order.first { !tried.contains($0) } }
    }

    func attempt(_ target: String, _ attempt: HedgeAttempt) async throws -> String {
        do {
            try await clock.sleep(for: latency[target] ?? .zero)
        } catch {
            log.withLock { $0.append("\(target) #\(attempt.number) cancelled") }
            throw error
        }
        if failing.contains(target) {
            log.withLock { $0.append("\(target) #\(attempt.number) failed") }
            throw Failure(target: target)
        }
        log.withLock { $0.append("\(target) #\(attempt.number) answered") }
        return "\(target) #\(attempt.number)"
    }
}

/// What `onDecided` reported, from the child task an `async let` runs the call in.
final class Decisions: Sendable {
    private let list = Mutex<[HedgingOutcome]>([])
    func note(_ outcome: HedgingOutcome) { list.withLock { $0.append(outcome) } }
    var all: [HedgingOutcome] { list.withLock { $0 } }
}

/// What `choose` was given, attempt by attempt.
final class Choices: Sendable {
    private let list = Mutex<[[String]]>([])
    func note(_ tried: [String]) { list.withLock { $0.append(tried) } }
    var all: [[String]] { list.withLock { $0 } }
}

@Suite("Hedging on a manual clock")
struct HedgingTests {
    let clock = ManualClock()
    let metrics = TestMetrics()

    func hedging(_ policy: HedgingPolicy) -> Hedging {
        Hedging(name: "gateway->content", policy: policy, clock: clock, metrics: metrics)
    }

    func counter(_ label: String) throws -> Int64 {
        try metrics.expectCounter(label, [("name", "gateway->content")]).totalValue
    }

    @Test("the first attempt is slow: a hedge goes to the other target after the delay and wins; the slow one is cancelled")
    func slowFirstAttemptLoses() async throws {
        let hedging = hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1))
        let targets = HedgedTargets(clock: clock, latency: ["slow": .milliseconds(300), "fast": .milliseconds(10)])
        let decisions = Decisions()
        async let answer = hedging.execute(choosing: HedgedTargets.choose(["slow", "fast"]), targets.attempt, onDecided: decisions.note)
        await clock.waitForSleepers(count: 2) // the slow attempt and the delay
        clock.advance(by: .milliseconds(49))
        #expect(clock.sleeperCount == 2, "no hedge before the delay")
        clock.advance(by: .milliseconds(1))
        await clock.waitForSleepers(count: 2) // the slow attempt and the hedge
        clock.advance(by: .milliseconds(10))
        #expect(try await answer == "fast #2")
        #expect(targets.events == ["fast #2 answered", "slow #1 cancelled"])
        #expect(decisions.all == [HedgingOutcome(attempts: 2, winner: 2, budgetExhausted: false, delay: .milliseconds(50))])
        #expect(try counter("hedge_sent_total") == 1)
        #expect(try counter("hedge_won_total") == 1)
        #expect(clock.sleeperCount == 0, "nothing outlives the call")
    }

    @Test("the first attempt answers before the delay: no hedge")
    func fastFirstAttempt() async throws {
        let hedging = hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1))
        let targets = HedgedTargets(clock: clock, latency: ["slow": .milliseconds(300), "fast": .milliseconds(10)])
        async let answer = hedging.execute(choosing: HedgedTargets.choose(["fast", "slow"]), targets.attempt)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(10))
        #expect(try await answer == "fast #1")
        #expect(targets.events == ["fast #1 answered"])
        #expect(try counter("hedge_sent_total") == 0)
        #expect(clock.sleeperCount == 0, "the delay was cancelled")
    }

    @Test("the first attempt fails before the delay: the hedge starts at once")
    func failureHedgesAtOnce() async throws {
        let hedging = hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1))
        let targets = HedgedTargets(clock: clock, latency: ["down": .milliseconds(5), "fast": .milliseconds(10)], failing: ["down"])
        async let answer = hedging.execute(choosing: HedgedTargets.choose(["down", "fast"]), targets.attempt)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(5))
        await clock.waitForSleeper(until: .init(offset: .milliseconds(15))) // the hedge, started at 5 ms
        clock.advance(by: .milliseconds(10))
        #expect(try await answer == "fast #2")
        #expect(clock.now.offset == .milliseconds(15), "answered at 15 ms, long before the 50 ms delay")
        #expect(targets.events == ["down #1 failed", "fast #2 answered"])
    }

    @Test("every attempt fails: the newest failure is thrown")
    func allFail() async throws {
        let hedging = hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1))
        let targets = HedgedTargets(clock: clock, latency: ["a": .milliseconds(5), "b": .milliseconds(10)], failing: ["a", "b"])
        let decisions = Decisions()
        async let answer = hedging.execute(choosing: HedgedTargets.choose(["a", "b"]), targets.attempt, onDecided: decisions.note)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(5))
        await clock.waitForSleeper(until: .init(offset: .milliseconds(15)))
        clock.advance(by: .milliseconds(10))
        do {
            let value = try await answer
            Issue.record("every attempt failed, yet the call answered \(value)")
        } catch {
            #expect(error as? HedgedTargets.Failure == HedgedTargets.Failure(target: "b"))
        }
        #expect(decisions.all == [HedgingOutcome(attempts: 2, winner: nil, budgetExhausted: false, delay: .milliseconds(50))])
    }

    @Test("no budget: no hedge is sent and that is counted; the call waits for its first attempt")
    func budgetExhausted() async throws {
        // Half a hedge per call, one saved at most: the first call cannot hedge, the second can.
        let hedging = hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 0.5, budgetCapacity: 1))
        let targets = HedgedTargets(clock: clock, latency: ["slow": .milliseconds(300), "fast": .milliseconds(10)])
        let decisions = Decisions()
        async let first = hedging.execute(choosing: HedgedTargets.choose(["slow", "fast"]), targets.attempt, onDecided: decisions.note)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(50))
        #expect(clock.sleeperCount == 1, "only the slow attempt: no hedge")
        clock.advance(by: .milliseconds(250))
        #expect(try await first == "slow #1")
        #expect(decisions.all.last == HedgingOutcome(attempts: 1, winner: 1, budgetExhausted: true, delay: .milliseconds(50)))
        #expect(try counter("hedge_budget_exhausted_total") == 1)
        #expect(try counter("hedge_sent_total") == 0)

        async let second = hedging.execute(choosing: HedgedTargets.choose(["slow", "fast"]), targets.attempt, onDecided: decisions.note)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(50))
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(10))
        #expect(try await second == "fast #2", "the second call's half makes a whole hedge")
        #expect(try counter("hedge_sent_total") == 1)
    }

    @Test("a hedge never goes where the group has been: with one target, none is sent and the budget is refunded")
    func nowhereElseToSend() async throws {
        let hedging = hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1))
        let targets = HedgedTargets(clock: clock, latency: ["only": .milliseconds(300)])
        let tried = Choices()
        async let answer = hedging.execute(choosing: { (earlier: [String]) in
            tried.note(earlier)
            return earlier.contains("only") ? nil : "only"
        }, targets.attempt)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(50))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .milliseconds(250))
        #expect(try await answer == "only #1")
        #expect(tried.all == [[], ["only"]])
        #expect(hedging.budget.tokens == 1, "the token taken for the hedge was given back")
        #expect(try counter("hedge_sent_total") == 0)
    }

    @Test("three attempts: each hedge goes to a target not yet tried")
    func eachHedgeElsewhere() async throws {
        let hedging = hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxAttempts: 3, maxHedgeRatio: 2))
        let targets = HedgedTargets(clock: clock, latency: ["a": .seconds(1), "b": .seconds(1), "c": .milliseconds(10)])
        async let answer = hedging.execute(choosing: HedgedTargets.choose(["a", "b", "c"]), targets.attempt)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(50))
        await clock.waitForSleepers(count: 3) // a, b and the next delay
        clock.advance(by: .milliseconds(50))
        await clock.waitForSleepers(count: 3) // a, b, c
        clock.advance(by: .milliseconds(10))
        #expect(try await answer == "c #3")
        #expect(Set(targets.events) == ["c #3 answered", "a #1 cancelled", "b #2 cancelled"])
        #expect(try counter("hedge_sent_total") == 2)
    }

    @Test("an adaptive delay learns from the attempts that won")
    func adaptiveDelayLearns() async throws {
        let policy = HedgingPolicy(delay: .adaptive(percentile: 50, floor: .milliseconds(5), ceiling: .milliseconds(100), minimumSamples: 3),
                                   maxAttempts: 1)
        let hedging = hedging(policy)
        let targets = HedgedTargets(clock: clock, latency: ["svc": .milliseconds(20)])
        #expect(hedging.currentDelay == .milliseconds(5), "the floor, until three latencies are known")
        for call in 1...3 {
            async let answer = hedging.execute(choosing: HedgedTargets.choose(["svc"]), targets.attempt)
            await clock.waitForSleepers(count: 1)
            clock.advance(by: .milliseconds(20))
            #expect(try await answer == "svc #1")
            #expect(hedging.currentDelay == (call < 3 ? .milliseconds(5) : .milliseconds(20)))
        }
    }
}

@Suite("Hedging in the pipeline")
struct HedgingPipelineTests {
    let clock = ManualClock()
    let metrics = TestMetrics()

    @Test("the breaker sees one result per attempt: the winner's success; the cancelled loser is ignored")
    func breakerCountsEachAttempt() async throws {
        let breaker = CircuitBreaker(id: "gateway->content", policy: CircuitBreakerPolicy(trip: .consecutiveFailures(5)), clock: clock, metrics: metrics)
        let pipeline = ResiliencePipeline(hedging: Hedging(name: "gateway->content", policy: HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1),
                                                           clock: clock, metrics: metrics),
                                          breaker: breaker, clock: clock)
        let targets = HedgedTargets(clock: clock, latency: ["slow": .milliseconds(300), "fast": .milliseconds(10)])
        async let answer = pipeline.executeHedged(choosing: HedgedTargets.choose(["slow", "fast"]), targets.attempt)
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(50))
        await clock.waitForSleepers(count: 2)
        clock.advance(by: .milliseconds(10))
        #expect(try await answer == "fast #2")
        func calls(_ outcome: String) throws -> Int64 {
            try metrics.expectCounter("breaker_calls_total", [("breaker", "gateway->content"), ("outcome", outcome)]).totalValue
        }
        #expect(try calls("success") == 1)
        #expect(try calls("ignored") == 1)
        #expect(try calls("failure") == 0)
        #expect(breaker.status().callsInWindow == 1)
    }

    @Test("a failed attempt is a failure for the breaker, and a hedged group is one try for retry")
    func retryAroundHedgedGroups() async throws {
        let breaker = CircuitBreaker(id: "gateway->content", policy: CircuitBreakerPolicy(trip: .consecutiveFailures(10)), clock: clock, metrics: metrics)
        let retry = Retry(name: "gateway->content", policy: RetryPolicy(maxAttempts: 2, backoff: .constant(.zero), jitter: .none, isRetryable: { _ in true }),
                          clock: clock, metrics: metrics)
        let pipeline = ResiliencePipeline(retry: retry, hedging: Hedging(name: "gateway->content", policy: HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1),
                                                                         clock: clock, metrics: metrics),
                                          breaker: breaker, clock: clock)
        let targets = HedgedTargets(clock: clock, latency: ["a": .zero, "b": .zero], failing: ["a", "b"])
        let decisions = Decisions()
        await #expect(throws: HedgedTargets.Failure(target: "b")) {
            try await pipeline.executeHedged(choosing: HedgedTargets.choose(["a", "b"]), targets.attempt, onDecided: decisions.note)
        }
        #expect(targets.events == ["a #1 failed", "b #2 failed", "a #1 failed", "b #2 failed"], "two tries of a group of two")
        #expect(decisions.all.map(\.attempts) == [2, 2])
        #expect(try metrics.expectCounter("breaker_calls_total", [("breaker", "gateway->content"), ("outcome", "failure")]).totalValue == 4)
        #expect(try metrics.expectCounter("retry_attempts_total", [("name", "gateway->content")]).totalValue == 2)
    }

    @Test("an open breaker rejects the first attempt and no hedge follows")
    func openBreakerStopsHedging() async throws {
        let breaker = CircuitBreaker(id: "gateway->content", clock: clock, metrics: metrics)
        breaker.trip()
        let pipeline = ResiliencePipeline(hedging: Hedging(name: "gateway->content", policy: HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1),
                                                           clock: clock, metrics: metrics),
                                          breaker: breaker, clock: clock)
        let targets = HedgedTargets(clock: clock, latency: ["a": .zero, "b": .zero])
        await #expect(throws: CircuitBreakerOpenError.self) {
            try await pipeline.executeHedged(choosing: HedgedTargets.choose(["a", "b"]), targets.attempt)
        }
        #expect(targets.events.isEmpty)
        #expect(try metrics.expectCounter("hedge_sent_total", [("name", "gateway->content")]).totalValue == 0)
    }
}
