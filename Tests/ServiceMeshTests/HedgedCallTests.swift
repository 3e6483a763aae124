import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

/// Hedged calls through the sidecar: two instances of `svc`, one of them slowed by an injected
/// latency, a manual clock. The first attempt of a call goes to svc-1 (round robin from the first).
@Suite("Hedged calls through the mesh")
struct HedgedCallTests {
    let test = TestMesh()

    /// Only hedging, or hedging with a breaker or a per-attempt timeout.
    func hedging(_ hedging: HedgingPolicy, breaker: CircuitBreakerPolicy? = nil, timeout: Duration? = nil) {
        test.mesh.controlPlane.setPolicy(CallPolicy(breaker: breaker, retry: nil, timeout: timeout, outlierDetection: nil, hedging: hedging),
                                         caller: "caller", target: "svc")
    }

    /// A hedge after 50 ms, one allowed per call.
    static let everyCall = HedgingPolicy(delay: .fixed(.milliseconds(50)), maxHedgeRatio: 1)

    func deploy(instances: Int = 2) {
        test.mesh.deploy(StubService.echo("svc"), instances: instances)
    }

    func slow(_ instance: String, milliseconds: Double = 300) {
        test.mesh.transport.setFault(.latency(milliseconds: milliseconds), instance: instance)
    }

    func total(_ label: String, _ matching: [String: String] = ["name": "caller->svc"]) -> Double {
        test.mesh.telemetry.metricsStore.total(.init(label: label, matching: matching))
    }

    func newestTree() throws -> TraceTree {
        let summary = try #require(test.traces.recent(limit: 1).first)
        return try #require(test.traces.tree(hex: summary.traceId))
    }

    @Test("one instance slow: the hedge goes to the other after the delay and wins; the slow attempt is cancelled and its span says so")
    func slowInstanceLoses() async throws {
        deploy()
        slow("svc-1")
        hedging(Self.everyCall)
        let client = test.mesh.client(as: "caller")
        async let response = client.get("svc", "/whoami")
        await test.clock.waitForSleepers(count: 2) // svc-1's injected latency and the hedge delay
        test.clock.advance(by: .milliseconds(49))
        #expect(test.clock.sleeperCount == 2, "no hedge before the delay")
        test.clock.advance(by: .milliseconds(1))
        #expect(try await response.text == "svc-2")
        #expect(test.clock.now.offset == .milliseconds(50), "answered at the delay, not after svc-1's 300 ms")

        let tree = try newestTree()
        #expect(tree.spans.map { "\($0.depth) \($0.kind) \($0.operation) \($0.attributes["instance"] ?? "-")" } == [
            "0 client GET svc -",
            "1 internal attempt 1 svc-1",
            "2 server GET /whoami svc-1",
            "1 internal hedge 2 svc-2",
            "2 server GET /whoami svc-2",
        ])
        let (call, first, hedge) = (tree.spans[0], tree.spans[1], tree.spans[3])
        #expect(call.attributes["hedge.sent"] == "true")
        #expect(call.attributes["hedge.winner"] == "2")
        #expect(call.attributes["retry.attempts"] == nil, "one try of the call, hedged")
        #expect(first.attributes["hedge.attempt"] == "1" && first.attributes["hedge.cancelled"] == "true" && first.attributes["hedge.winner"] == nil)
        #expect(hedge.attributes["hedge.attempt"] == "2" && hedge.attributes["hedge.winner"] == "true" && hedge.attributes["hedge.cancelled"] == nil)
        #expect(tree.spans[2].attributes["http.status_code"] == "499", "svc-1 saw its caller give up")

        test.closeSecond()
        #expect(total("hedge_sent_total") == 1)
        #expect(total("hedge_won_total") == 1)
        #expect(total("client_attempts_total", ["caller": "caller", "target": "svc", "outcome": "cancelled"]) == 1, "the loser: cancelled, not timed out")
        #expect(total("client_attempts_total", ["caller": "caller", "target": "svc", "outcome": "timeout"]) == 0)
    }

    @Test("the first instance answers before the delay: no hedge")
    func fastFirstInstance() async throws {
        deploy()
        slow("svc-1", milliseconds: 10)
        hedging(Self.everyCall)
        async let response = test.mesh.client(as: "caller").get("svc", "/whoami")
        await test.clock.waitForSleepers(count: 2)
        test.clock.advance(by: .milliseconds(10))
        #expect(try await response.text == "svc-1")
        #expect(test.clock.sleeperCount == 0, "the delay was cancelled")
        let tree = try newestTree()
        #expect(tree.spans.map(\.operation) == ["GET svc", "attempt 1", "GET /whoami"])
        #expect(tree.spans[0].attributes["hedge.sent"] == "false")
        #expect(tree.spans[0].attributes["hedge.winner"] == "1")
        #expect(tree.spans[1].attributes["hedge.winner"] == "true")
        test.closeSecond()
        #expect(total("hedge_sent_total") == 0)
    }

    @Test("the first instance fails at once: the hedge starts at once, without waiting for the delay")
    func failureHedgesAtOnce() async throws {
        deploy()
        try test.mesh.perform(.setFault(service: "svc", fault: .errors(ratio: 1, status: 503)), origin: "test")
        test.mesh.transport.setFault(.latency(milliseconds: 10), instance: "svc-2") // its own fault wins over the service's
        hedging(Self.everyCall)
        async let response = test.mesh.client(as: "caller").get("svc", "/whoami")
        await test.clock.waitForSleeper(until: .init(offset: .milliseconds(10))) // svc-2, sent at 0 ms
        test.clock.advance(by: .milliseconds(10))
        #expect(try await response.text == "svc-2")
        let tree = try newestTree()
        // Both started at 0 ms: siblings with the same start come in no set order.
        let attempts = tree.spans.filter { $0.kind == .internal }.sorted { $0.operation < $1.operation }
        #expect(attempts.map(\.operation) == ["attempt 1", "hedge 2"])
        #expect(attempts[0].status == SpanStatusRecord(code: .error, message: "503"))
        #expect(attempts[0].attributes["instance"] == "svc-1" && attempts[1].attributes["instance"] == "svc-2")
        #expect(attempts[1].attributes["hedge.winner"] == "true")
    }

    @Test("a per-attempt timeout shorter than the delay: the timed-out attempt fails and the hedge starts at once")
    func timeoutHedgesAtOnce() async throws {
        deploy()
        try test.mesh.perform(.setFault(service: "svc", fault: .hang), origin: "test")
        test.mesh.transport.setFault(.latency(milliseconds: 5), instance: "svc-2")
        hedging(Self.everyCall, timeout: .milliseconds(20))
        async let response = test.mesh.client(as: "caller").get("svc", "/whoami")
        await test.clock.waitForSleepers(count: 3) // svc-1 hanging, its timeout, the delay
        test.clock.advance(by: .milliseconds(20))
        await test.clock.waitForSleeper(until: .init(offset: .milliseconds(25))) // svc-2, sent at 20 ms
        test.clock.advance(by: .milliseconds(5))
        #expect(try await response.text == "svc-2")
        test.closeSecond()
        #expect(total("client_attempts_total", ["caller": "caller", "target": "svc", "outcome": "timeout"]) == 1)
        #expect(total("client_attempts_total", ["caller": "caller", "target": "svc", "outcome": "cancelled"]) == 0)
    }

    @Test("the budget is empty: no hedge is sent, that is counted, and the call waits for the slow instance")
    func budgetExhausted() async throws {
        deploy()
        slow("svc-1")
        hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)))) // a tenth of a hedge per call: none on the first
        async let response = test.mesh.client(as: "caller").get("svc", "/whoami")
        await test.clock.waitForSleepers(count: 2)
        test.clock.advance(by: .milliseconds(50))
        #expect(test.clock.sleeperCount == 1, "svc-1 only")
        test.clock.advance(by: .milliseconds(250))
        #expect(try await response.text == "svc-1")
        let call = try newestTree().spans[0]
        #expect(call.attributes["hedge.sent"] == "false")
        #expect(call.attributes["hedge.budget_exhausted"] == "true")
        test.closeSecond()
        #expect(total("hedge_budget_exhausted_total") == 1)
        #expect(total("hedge_sent_total") == 0)
    }

    @Test("a hedge never goes to an instance the call has tried: with one instance, none is sent")
    func neverTheSameInstance() async throws {
        deploy(instances: 1)
        slow("svc-1")
        hedging(Self.everyCall)
        async let response = test.mesh.client(as: "caller").get("svc", "/whoami")
        await test.clock.waitForSleepers(count: 2)
        test.clock.advance(by: .milliseconds(50))
        #expect(test.clock.sleeperCount == 1, "svc-1 only")
        test.clock.advance(by: .milliseconds(250))
        #expect(try await response.text == "svc-1")
        #expect(try newestTree().spans.filter { $0.kind == .server }.count == 1)
        test.closeSecond()
        #expect(total("hedge_sent_total") == 0)
        #expect(total("hedge_budget_exhausted_total") == 0, "the budget was not the reason")
    }

    @Test("three instances, three attempts, many calls: no attempt of a call goes where another went")
    func hedgesSpreadOverInstances() async throws {
        deploy(instances: 3)
        try test.mesh.perform(.setFault(service: "svc", fault: .errors(ratio: 1, status: 503)), origin: "test")
        hedging(HedgingPolicy(delay: .fixed(.milliseconds(50)), maxAttempts: 3, maxHedgeRatio: 2))
        let client = test.mesh.client(as: "caller")
        for _ in 0..<6 {
            // Every instance answers 503 at once: each call tries all three, one after another.
            #expect(try await client.get("svc", "/whoami").status == 503)
            let instances = try newestTree().spans.filter { $0.kind == .internal }.compactMap { $0.attributes["instance"] }
            #expect(instances.count == 3 && Set(instances).count == 3, "\(instances)")
        }
    }

    @Test("the breaker sees one result per attempt: the loser cancelled is not a failure")
    func breakerCountsEachAttempt() async throws {
        deploy()
        slow("svc-1")
        hedging(Self.everyCall, breaker: CircuitBreakerPolicy(trip: .consecutiveFailures(3)))
        let client = test.mesh.client(as: "caller")
        async let response = client.get("svc", "/whoami")
        await test.clock.waitForSleepers(count: 2)
        test.clock.advance(by: .milliseconds(50))
        #expect(try await response.text == "svc-2")
        let breaker = try #require(test.mesh.resilience.breaker(id: "caller->svc"))
        #expect(breaker.status().callsInWindow == 1, "svc-2's success; svc-1's cancelled attempt is ignored")

        // Now svc-2 first (round robin), failing at once: the hedge to svc-1 (no longer slow) wins.
        test.mesh.transport.setFault(.none, instance: "svc-1")
        test.mesh.transport.setFault(.errors(ratio: 1, status: 503), instance: "svc-2")
        #expect(try await client.get("svc", "/whoami").text == "svc-1")
        #expect(breaker.status().callsInWindow == 3, "one failure and one success more")
        #expect(breaker.status().failureRate == 1.0 / 3)
        test.closeSecond()
        func calls(_ outcome: String) -> Double {
            total("breaker_calls_total", ["breaker": "caller->svc", "outcome": outcome])
        }
        #expect(calls("success") == 2 && calls("failure") == 1 && calls("ignored") == 1)
    }

    @Test("a channel without hedging sends one attempt, with no attempt span and no hedge attributes")
    func noHedgingNoChange() async throws {
        deploy()
        slow("svc-1")
        test.mesh.controlPlane.setPolicy(.passThrough, caller: "caller", target: "svc")
        async let response = test.mesh.client(as: "caller").get("svc", "/whoami")
        await test.clock.waitForSleepers(count: 1)
        test.clock.advance(by: .milliseconds(300))
        #expect(try await response.text == "svc-1")
        let tree = try newestTree()
        #expect(tree.spans.map(\.operation) == ["GET svc", "GET /whoami"])
        #expect(tree.spans[0].attributes.keys.filter { $0.hasPrefix("hedge.") }.isEmpty)
    }

    @Test("a hedging policy set live applies from the next call")
    func livePolicyChange() async throws {
        deploy()
        test.mesh.controlPlane.setPolicy(.passThrough, caller: "caller", target: "svc")
        let client = test.mesh.client(as: "caller")
        #expect(try await client.get("svc", "/whoami").status == 200)
        #expect(try newestTree().spans[0].attributes["hedge.sent"] == nil)
        hedging(Self.everyCall)
        #expect(try await client.get("svc", "/whoami").status == 200)
        #expect(try newestTree().spans[0].attributes["hedge.sent"] == "false")
    }

    @Test("a policy diff rebuilds hedging (its budget and latencies) only when the hedging policy changes")
    func policyDiff() {
        let old = CallPolicy(hedging: Self.everyCall)
        var retry = old
        retry.retry = RetryPolicy(maxAttempts: 5)
        #expect(PolicyDiff(from: old, to: retry).isEmpty, "the hedge budget survives a retry change")
        var slower = old
        slower.hedging = HedgingPolicy(delay: .fixed(.milliseconds(80)), maxHedgeRatio: 1)
        #expect(PolicyDiff(from: old, to: slower) == PolicyDiff(hedging: true))
        #expect(PolicyDiff(from: CallPolicy(), to: old) == PolicyDiff(hedging: true))
        #expect(CallPolicy.passThrough.hedging == nil && CallPolicy().hedging == nil)
    }
}
