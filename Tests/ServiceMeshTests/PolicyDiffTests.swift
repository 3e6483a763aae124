import Resilience
@testable import ServiceMesh
import Testing

@Suite("Policy diff: what a channel rebuilds when the control plane changes")
struct PolicyDiffTests {
    @Test("a first build builds everything")
    func firstBuild() {
        #expect(PolicyDiff(from: nil, to: CallPolicy()) == .everything)
    }

    @Test("the same policy rebuilds nothing")
    func samePolicy() {
        #expect(PolicyDiff(from: CallPolicy(), to: CallPolicy()).isEmpty)
    }

    @Test("only the retry or the timeout changed: every part with state is kept")
    func retryAndTimeoutKeepState() {
        let old = CallPolicy()
        var new = old
        new.retry = RetryPolicy(maxAttempts: 5)
        new.timeout = .milliseconds(100)
        #expect(PolicyDiff(from: old, to: new).isEmpty)
    }

    @Test("each changed setting rebuilds its part and only it")
    func eachSettingItsPart() {
        let old = CallPolicy()
        var breaker = old
        breaker.breaker = nil
        #expect(PolicyDiff(from: old, to: breaker) == PolicyDiff(breaker: true))
        var limit = old
        limit.rateLimit = .init(perSecond: 10, burst: 5)
        #expect(PolicyDiff(from: old, to: limit) == PolicyDiff(rateLimiter: true))
        var bulkhead = old
        bulkhead.bulkhead = .init(maxConcurrent: 4)
        #expect(PolicyDiff(from: old, to: bulkhead) == PolicyDiff(bulkhead: true))
        var balancing = old
        balancing.loadBalancing = .random
        #expect(PolicyDiff(from: old, to: balancing) == PolicyDiff(balancer: true))
        var outliers = old
        outliers.outlierDetection = OutlierDetectionPolicy(consecutiveErrors: 2)
        #expect(PolicyDiff(from: old, to: outliers) == PolicyDiff(outlierDetection: true))
    }

    @Test("a breaker's new thresholds rebuild it")
    func breakerThresholds() {
        let old = CallPolicy(breaker: CircuitBreakerPolicy(trip: .consecutiveFailures(3)))
        let new = CallPolicy(breaker: CircuitBreakerPolicy(trip: .consecutiveFailures(5)))
        #expect(PolicyDiff(from: old, to: new) == PolicyDiff(breaker: true))
    }
}
