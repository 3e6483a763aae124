import MetricsTestKit
import Testing
import Telemetry
@testable import Resilience

@Suite struct ResilienceRegistryTests {
    let clock = ManualClock()
    let metrics = TestMetrics()

    func makeBreaker(_ id: String) -> CircuitBreaker {
        CircuitBreaker(id: id, clock: clock, metrics: metrics)
    }

    @Test func listsBreakersAndTheirStatusById() {
        let registry = ResilienceRegistry()
        registry.register(makeBreaker("order-service->payment-service"))
        registry.register(makeBreaker("gateway->product-service"))
        #expect(registry.allBreakers.map(\.id) == ["gateway->product-service", "order-service->payment-service"])
        #expect(registry.statuses().map(\.state) == [.closed, .closed])
    }

    @Test func theFirstRegistrationOfAnIdWins() {
        let registry = ResilienceRegistry()
        let first = registry.register(makeBreaker("a->b"))
        let second = registry.register(makeBreaker("a->b"))
        #expect(first === second)
        #expect(registry.allBreakers.count == 1)
    }

    @Test func forcesAndResetsById() throws {
        let registry = ResilienceRegistry()
        let breaker = registry.register(makeBreaker("order-service->payment-service"))
        #expect(try registry.trip(id: "order-service->payment-service").to == .forcedOpen)
        #expect(breaker.status().state == .forcedOpen)
        try registry.forceClosed(id: "order-service->payment-service")
        #expect(breaker.status().state == .forcedClosed)
        try registry.disable(id: "order-service->payment-service")
        try registry.recordOnly(id: "order-service->payment-service")
        #expect(try registry.reset(id: "order-service->payment-service").to == .closed)
        #expect(breaker.status().transitions.map(\.to) == [.forcedOpen, .forcedClosed, .disabled, .metricsOnly, .closed])
    }

    @Test func anUnknownIdSaysWhichAreKnown() {
        let registry = ResilienceRegistry()
        registry.register(makeBreaker("order-service->payment-service"))
        #expect(throws: UnknownResilienceIDError(kind: "breaker", id: "order->paymnt", known: ["order-service->payment-service"])) {
            try registry.trip(id: "order->paymnt")
        }
        let error = UnknownResilienceIDError(kind: "breaker", id: "order->paymnt", known: ["order-service->payment-service"])
        #expect(error.description == "unknown breaker 'order->paymnt' (known: order-service->payment-service)")
    }

    @Test func keepsLimitersByName() {
        let registry = ResilienceRegistry()
        registry.register(RateLimiter(name: "gateway/client-1", rate: 5, burst: 5, clock: clock, metrics: metrics))
        #expect(registry.limiter(name: "gateway/client-1")?.burst == 5)
        #expect(registry.allLimiters.map(\.name) == ["gateway/client-1"])
        #expect(registry.limiter(name: "nobody") == nil)
    }
}
