import PropertyBased
import Testing
@testable import Resilience

@Suite("Hedging: the delay, the latency window, the budget")
struct HedgingPolicyTests {
    @Test("a fixed delay is the same whatever was observed")
    func fixedDelay() {
        var latencies = LatencyWindow(capacity: 10)
        for ms in [1, 500, 900] { latencies.record(.milliseconds(ms)) }
        #expect(HedgingPolicy.Delay.fixed(.milliseconds(40)).value(given: latencies) == .milliseconds(40))
        #expect(HedgingPolicy.Delay.fixed(.milliseconds(40)).windowCapacity == nil)
        #expect(HedgingPolicy.Delay.fixed(.milliseconds(40)).description == "40ms")
    }

    @Test("an adaptive delay: the floor or the fallback until enough latencies, then the percentile within floor and ceiling",
          arguments: [
              // (latencies in ms, fallback in ms, expected delay in ms)
              ([Int](), nil, 10),
              ([30, 30, 30, 30], nil, 10),
              ([30, 30, 30, 30], 150, 150),
              ([30, 30, 30, 30, 30], nil, 30),
              ([1, 2, 3, 4, 5], nil, 10),
              ([100, 200, 300, 400, 500], nil, 200),
              (Array(1...20), nil, 19),
              (Array(repeating: 20, count: 18) + [90, 400], nil, 90),
          ] as [([Int], Int?, Int)])
    func adaptiveDelay(latencies: [Int], fallback: Int?, expected: Int) {
        let delay = HedgingPolicy.Delay.adaptive(percentile: 95, floor: .milliseconds(10), ceiling: .milliseconds(200), minimumSamples: 5,
                                                 window: 20, fallback: fallback.map { .milliseconds($0) })
        var window = LatencyWindow(capacity: delay.windowCapacity!)
        for ms in latencies { window.record(.milliseconds(ms)) }
        #expect(delay.value(given: window) == .milliseconds(expected))
    }

    @Test("an adaptive delay forgets latencies older than its window")
    func adaptiveWindowForgets() {
        let delay = HedgingPolicy.Delay.adaptive(percentile: 50, floor: .zero, ceiling: .seconds(1), minimumSamples: 1, window: 4)
        var window = LatencyWindow(capacity: delay.windowCapacity!)
        for ms in [500, 500, 500, 500] { window.record(.milliseconds(ms)) }
        #expect(delay.value(given: window) == .milliseconds(500))
        for ms in [20, 20, 20] { window.record(.milliseconds(ms)) }
        #expect(delay.value(given: window) == .milliseconds(20), "three of the four kept are 20 ms")
        #expect(delay.description == "p50 in [0µs, 1s]")
    }

    /// The window's percentile, by the definition, from every kept latency: the smallest one that
    /// at least p% of them do not exceed.
    static func naivePercentile(_ p: Double, of values: [Int]) -> Int? {
        let sorted = values.sorted()
        for (index, candidate) in sorted.enumerated() where index == sorted.count - 1 || sorted[index + 1] != candidate {
            // index + 1 values do not exceed `candidate`.
            if Double(index + 1) * 100 >= p * Double(values.count) { return candidate }
        }
        return nil
    }

    @Test("the latency window agrees with a naive model: the newest values, percentiles by nearest rank")
    func latencyWindowAgreesWithTheModel() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...300).array(of: 1...120)) { values in
            for capacity in [1, 7, 50] {
                var window = LatencyWindow(capacity: capacity)
                var kept: [Int] = []
                for value in values {
                    window.record(.microseconds(value))
                    kept.append(value)
                    if kept.count > capacity { kept.removeFirst() }
                    #expect(window.count == kept.count)
                    for p in [1.0, 50, 90, 95, 99, 99.9, 100] {
                        #expect(window.percentile(p) == Self.naivePercentile(p, of: kept).map { .microseconds($0) },
                                "p\(p) of \(kept) (capacity \(capacity))")
                    }
                }
            }
        }
    }

    @Test("an empty window has no percentile")
    func emptyWindow() {
        #expect(LatencyWindow(capacity: 3).percentile(95) == nil)
    }

    @Test("the budget starts empty; ten calls at 0.1 earn exactly one hedge")
    func budgetEarnsOneHedgePerTenCalls() {
        var budget = HedgeBudget(ratio: 0.1, capacity: 10)
        var spent = [budget.trySpend()]
        for _ in 1...9 { budget.recordCall() }
        spent.append(budget.trySpend())
        budget.recordCall()
        // Counted in thousandths: ten deposits of 0.1 make a whole token, not 0.9999….
        spent.append(budget.trySpend())
        spent.append(budget.trySpend())
        #expect(spent == [false, false, true, false], "empty at first; not after nine calls; once after ten")
        #expect(budget.tokens == 0)
    }

    @Test("the budget is capped; a refund gives a token back")
    func budgetCapAndRefund() {
        var budget = HedgeBudget(ratio: 1, capacity: 2)
        for _ in 1...10 { budget.recordCall() }
        #expect(budget.tokens == 2)
        let spent = [budget.trySpend(), budget.trySpend(), budget.trySpend()]
        #expect(spent == [true, true, false])
        budget.refund()
        #expect(budget.tokens == 1)
        budget.refund()
        budget.refund()
        #expect(budget.tokens == 2, "never above the cap")
    }

    @Test("a ratio of 0 never hedges")
    func zeroRatio() {
        var budget = HedgeBudget(ratio: 0, capacity: 10)
        for _ in 1...1_000 { budget.recordCall() }
        let spent = budget.trySpend()
        #expect(!spent)
    }

    @Test("the policy's defaults: two attempts, a tenth of calls, ten saved")
    func policyDefaults() {
        let policy = HedgingPolicy(delay: .fixed(.milliseconds(50)))
        #expect(policy.maxAttempts == 2 && policy.maxHedgeRatio == 0.1 && policy.budgetCapacity == 10)
        #expect(policy != HedgingPolicy(delay: .fixed(.milliseconds(60))))
        #expect(policy == HedgingPolicy(delay: .fixed(.milliseconds(50))))
    }
}

/// A step of the hedging state machine and what it answered, for a script of steps.
enum Step: Equatable, CustomStringConvertible {
    case begin, started, notStarted, delay(after: Int), succeeded(Int), failed(Int), rejected(Int)

    var description: String {
        switch self {
        case .begin: "begin"
        case .started: "started"
        case .notStarted: "not started"
        case .delay(let after): "delay after \(after)"
        case .succeeded(let n): "\(n) succeeded"
        case .failed(let n): "\(n) failed"
        case .rejected(let n): "\(n) rejected"
        }
    }
}

/// Runs `steps` on a machine of `maxAttempts` and returns each answer as text: an action, or
/// after `started` whether a delay starts.
func run(maxAttempts: Int, _ steps: [Step]) -> [String] {
    var machine = HedgingStateMachine(maxAttempts: maxAttempts)
    return steps.map { step in
        let action: HedgingStateMachine.Action
        switch step {
        case .begin: action = machine.begin()
        case .started: return machine.attemptStarted() ? "delay" : "no delay"
        case .notStarted: action = machine.attemptNotStarted()
        case .delay(let after): action = machine.delayPassed(after: after)
        case .succeeded(let n): action = machine.succeeded(n)
        case .failed(let n): action = machine.failed(n)
        case .rejected(let n): action = machine.failed(n, stopsHedging: true)
        }
        switch action {
        case .start(let attempt): return "start \(attempt)"
        case .wait: return "wait"
        case .succeed(let winner): return "succeed \(winner)"
        case .fail: return "fail"
        }
    }
}

@Suite("Hedging state machine")
struct HedgingStateMachineTests {
    @Test("a fast first attempt wins before the delay: no hedge")
    func fastFirstAttempt() {
        #expect(run(maxAttempts: 2, [.begin, .started, .succeeded(1)]) == ["start 1", "delay", "succeed 1"])
    }

    @Test("the delay passes: a hedge starts, and whichever succeeds first wins")
    func slowFirstAttempt() {
        #expect(run(maxAttempts: 2, [.begin, .started, .delay(after: 1), .started, .succeeded(2), .succeeded(1)])
                == ["start 1", "delay", "start 2", "no delay", "succeed 2", "wait"])
    }

    @Test("an attempt that fails starts the next at once; the delay it started is then stale")
    func failureStartsTheNextAtOnce() {
        #expect(run(maxAttempts: 3, [.begin, .started, .failed(1), .started, .delay(after: 1), .delay(after: 2), .started, .failed(3), .failed(2)])
                == ["start 1", "delay", "start 2", "delay", "wait", "start 3", "no delay", "wait", "fail"])
    }

    @Test("no budget (or nowhere to send): no hedge, the first attempt decides, and no hedge follows its failure")
    func hedgeNotStarted() {
        #expect(run(maxAttempts: 3, [.begin, .started, .delay(after: 1), .notStarted, .failed(1)])
                == ["start 1", "delay", "start 2", "wait", "fail"])
    }

    @Test("a first attempt that cannot start fails the group")
    func firstAttemptNotStarted() {
        #expect(run(maxAttempts: 2, [.begin, .notStarted]) == ["start 1", "fail"])
    }

    @Test("a rejection starts no other attempt, and the ones running may still win")
    func rejectionStopsHedging() {
        #expect(run(maxAttempts: 3, [.begin, .started, .delay(after: 1), .started, .rejected(2), .delay(after: 2), .succeeded(1)])
                == ["start 1", "delay", "start 2", "delay", "wait", "wait", "succeed 1"])
    }

    @Test("one attempt allowed: never a delay, a failure fails")
    func singleAttempt() {
        #expect(run(maxAttempts: 1, [.begin, .started, .failed(1)]) == ["start 1", "no delay", "fail"])
    }

    @Test("a success after the group failed or was won changes nothing")
    func lateEvents() {
        #expect(run(maxAttempts: 2, [.begin, .started, .delay(after: 1), .started, .succeeded(1), .failed(2), .delay(after: 2)])
                == ["start 1", "delay", "start 2", "no delay", "succeed 1", "wait", "wait"])
    }
}
