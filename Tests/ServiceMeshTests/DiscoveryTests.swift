import Resilience
@testable import ServiceMesh
import Telemetry
import Testing

@Suite("Registry, discovery, balancing, outlier detection")
struct DiscoveryTests {
    let clock = ManualClock()

    @Test("a missed heartbeat makes an instance critical; a heartbeat brings it back; the grace period removes it")
    func heartbeatExpiry() throws {
        let registry = ServiceRegistry(configuration: .init(heartbeatTTL: .seconds(10), deregisterAfter: .seconds(30)), clock: clock)
        let a = InstanceID(service: "svc", id: "svc-1"), b = InstanceID(service: "svc", id: "svc-2")
        registry.register(a, address: "a")
        registry.register(b, address: "b")
        clock.advance(by: .seconds(8))
        try? registry.heartbeat(a)
        clock.advance(by: .seconds(3)) // b: 11 s without a heartbeat; a: 3 s
        #expect(registry.sweep() == [.statusChanged(b, to: .critical, reason: "missed heartbeat TTL")])
        #expect(try registry.instances(of: "svc").map(\.id) == ["svc-1"])
        #expect(try registry.instances(of: "svc", includeCritical: true).map(\.id) == ["svc-1", "svc-2"])

        try? registry.heartbeat(b)
        #expect(try registry.instances(of: "svc").map(\.id) == ["svc-1", "svc-2"])

        clock.advance(by: .seconds(11))
        try? registry.heartbeat(a)
        registry.sweep()
        clock.advance(by: .seconds(30))
        try? registry.heartbeat(a)
        #expect(registry.sweep() == [.deregistered(b, reason: "critical for 30s")])
        #expect(registry.allInstances().map(\.id) == ["svc-1"])
        #expect(throws: UnknownInstanceError(id: "svc-2")) { try registry.heartbeat(b) }
    }

    @Test("the registry reports its changes as a stream, in order")
    func changeStream() async {
        let registry = ServiceRegistry(configuration: .init(heartbeatTTL: .seconds(1), deregisterAfter: .seconds(1)), clock: clock)
        let a = InstanceID(service: "svc", id: "svc-1")
        registry.register(a, address: "a")
        registry.setCheckResult(a, failure: "disk full")
        registry.setCheckResult(a, failure: nil)
        registry.deregister(a, reason: "scaled in")
        var changes: [RegistryChange] = []
        for await change in registry.changes {
            changes.append(change)
            if changes.count == 4 { break }
        }
        #expect(changes == [
            .registered(a),
            .statusChanged(a, to: .critical, reason: "health check failing: disk full"),
            .statusChanged(a, to: .passing, reason: nil),
            .deregistered(a, reason: "scaled in"),
        ])
    }

    @Test("a failing health check makes an instance critical even while it heartbeats")
    func checkVerdict() throws {
        let registry = ServiceRegistry(clock: clock)
        let a = InstanceID(service: "svc", id: "svc-1")
        registry.register(a, address: "a")
        registry.setCheckResult(a, failure: "database: connection refused")
        try registry.heartbeat(a)
        #expect(try registry.instances(of: "svc").isEmpty)
        #expect(registry.instance("svc-1")?.reason == "health check failing: database: connection refused")
        registry.setCheckResult(a, failure: nil)
        #expect(try registry.instances(of: "svc").count == 1)
    }

    @Test("discovery answers from its cache within the TTL, refreshes after, and serves stale entries when the registry is down")
    func discoveryCache() throws {
        let registry = ServiceRegistry(clock: clock)
        let discovery = DiscoveryClient(registry: registry, ttl: .seconds(5), clock: clock)
        registry.register(InstanceID(service: "svc", id: "svc-1"), address: "a")
        #expect(try discovery.resolve("svc").instances.map(\.id) == ["svc-1"])

        registry.register(InstanceID(service: "svc", id: "svc-2"), address: "b")
        clock.advance(by: .seconds(4))
        #expect(try discovery.resolve("svc").instances.map(\.id) == ["svc-1"], "still cached")
        clock.advance(by: .seconds(1))
        #expect(try discovery.resolve("svc").instances.map(\.id) == ["svc-1", "svc-2"], "refreshed after the TTL")

        registry.isReachable = false
        clock.advance(by: .seconds(7))
        let stale = try discovery.resolve("svc")
        #expect(stale.isStale)
        #expect(stale.age == .seconds(7))
        #expect(stale.instances.map(\.id) == ["svc-1", "svc-2"])
        #expect(throws: DiscoveryError(service: "other")) { try discovery.resolve("other") }

        registry.isReachable = true
        #expect(try discovery.resolve("svc").isStale == false)
    }

    @Test("invalidating forgets one service's cached entries, or every service's")
    func discoveryInvalidation() throws {
        let registry = ServiceRegistry(clock: clock)
        let discovery = DiscoveryClient(registry: registry, ttl: .seconds(5), clock: clock)
        registry.register(InstanceID(service: "svc", id: "svc-1"), address: "a")
        registry.register(InstanceID(service: "other", id: "other-1"), address: "c")
        #expect(try discovery.resolve("svc").instances.map(\.id) == ["svc-1"])
        #expect(try discovery.resolve("other").instances.map(\.id) == ["other-1"])
        registry.register(InstanceID(service: "svc", id: "svc-2"), address: "b")
        registry.register(InstanceID(service: "other", id: "other-2"), address: "d")

        discovery.invalidate("svc")
        #expect(try discovery.resolve("svc").instances.map(\.id) == ["svc-1", "svc-2"], "asked the registry again")
        #expect(try discovery.resolve("other").instances.map(\.id) == ["other-1"], "still cached")
        registry.register(InstanceID(service: "svc", id: "svc-3"), address: "e")

        discovery.invalidate()
        #expect(try discovery.resolve("svc").instances.count == 3)
        #expect(try discovery.resolve("other").instances.map(\.id) == ["other-1", "other-2"])

        // Once forgotten, an unreachable registry leaves nothing to serve stale.
        discovery.invalidate("svc")
        registry.isReachable = false
        #expect(throws: DiscoveryError(service: "svc")) { try discovery.resolve("svc") }
    }

    func instances(_ count: Int) -> [RegisteredInstance] {
        (1...count).map { RegisteredInstance(instance: InstanceID(service: "svc", id: "svc-\($0)"), address: "\($0)", version: "v1",
                                             metadata: [:], status: .passing, reason: nil, lastHeartbeat: .zero) }
    }

    @Test("round robin takes each in turn")
    func roundRobin() {
        let balancer = LoadBalancer(strategy: .roundRobin)
        let picks = (0..<6).compactMap { _ in balancer.pick(from: instances(3), inFlight: { _ in 0 })?.id }
        #expect(picks == ["svc-1", "svc-2", "svc-3", "svc-1", "svc-2", "svc-3"])
        #expect(balancer.pick(from: [], inFlight: { _ in 0 }) == nil)
    }

    @Test("random spreads evenly (each of 4 within 10% of a quarter over 8,000 picks) and repeats under a seed")
    func random() {
        let balancer = LoadBalancer(strategy: .random, seed: 3)
        var counts: [String: Int] = [:]
        for _ in 0..<8_000 { counts[balancer.pick(from: instances(4), inFlight: { _ in 0 })!.id, default: 0] += 1 }
        #expect(counts.count == 4)
        #expect(counts.values.allSatisfy { abs($0 - 2_000) < 200 }, "\(counts)")
        let again = LoadBalancer(strategy: .random, seed: 3)
        let first = (0..<10).map { _ in LoadBalancer(strategy: .random, seed: 3) }.map { $0.pick(from: instances(4), inFlight: { _ in 0 })!.id }
        #expect(Set(first).count == 1)
        #expect(again.pick(from: instances(4), inFlight: { _ in 0 })!.id == first[0])
    }

    @Test("power of two choices never picks the busier of its two, so the busiest instance is never chosen")
    func leastInFlight() {
        let balancer = LoadBalancer(strategy: .leastInFlightOfTwo, seed: 11)
        let load = ["svc-1": 9, "svc-2": 0, "svc-3": 5]
        var counts: [String: Int] = [:]
        for _ in 0..<3_000 { counts[balancer.pick(from: instances(3), inFlight: { load[$0.id]! })!.id, default: 0] += 1 }
        #expect(counts["svc-1"] == nil)
        // svc-2 wins whenever it is drawn (2 of 3 pairs), svc-3 only against svc-1.
        #expect(abs(counts["svc-2"]! - 2_000) < 150, "\(counts)")
    }

    @Test("outlier detection ejects after consecutive errors, for base × ejections, within the share cap")
    func outlierEjection() {
        var detector = OutlierDetector(policy: OutlierDetectionPolicy(consecutiveErrors: 3, baseEjectionTime: .seconds(10), maxEjectionShare: 0.5))
        let first = detector.record("a", serverError: true, instanceCount: 4, at: .zero)
        let second = detector.record("a", serverError: true, instanceCount: 4, at: .zero)
        let afterSuccess = detector.record("a", serverError: false, instanceCount: 4, at: .zero)
        #expect(!first && !second && !afterSuccess)
        for _ in 0..<2 { _ = detector.record("a", serverError: true, instanceCount: 4, at: .zero) }
        #expect(!detector.isEjected("a", at: .zero), "a success reset the run: two errors since")
        let third = detector.record("a", serverError: true, instanceCount: 4, at: .zero)
        #expect(third)
        #expect(detector.isEjected("a", at: .seconds(9)))
        #expect(!detector.isEjected("a", at: .seconds(10)), "back after base × 1")

        for _ in 0..<3 { _ = detector.record("b", serverError: true, instanceCount: 4, at: .seconds(10)) }
        for _ in 0..<3 { _ = detector.record("a", serverError: true, instanceCount: 4, at: .seconds(10)) }
        #expect(detector.ejected(at: .seconds(10)) == ["a", "b"])
        #expect(!detector.isEjected("a", at: .seconds(30)), "second ejection: 20 s")
        #expect(detector.isEjected("a", at: .seconds(29)))
        // The cap: 50% of 4 = 2 already ejected, a third is not.
        for _ in 0..<3 { _ = detector.record("c", serverError: true, instanceCount: 4, at: .seconds(11)) }
        #expect(!detector.isEjected("c", at: .seconds(11)))
        #expect(detector.ejections(of: "a") == 2)
    }

    @Test("the ejected list ends when the last ejection does, whatever order ejections came in")
    func ejectedListEnds() {
        var detector = OutlierDetector(policy: OutlierDetectionPolicy(consecutiveErrors: 1, baseEjectionTime: .seconds(10), maxEjectionShare: 1))
        #expect(!detector.mayHaveEjections)
        #expect(detector.ejected(at: .zero) == [])
        for _ in 0..<2 { _ = detector.record("a", serverError: true, instanceCount: 3, at: .zero) }
        _ = detector.record("a", serverError: true, instanceCount: 3, at: .seconds(10))  // second ejection: until 30 s
        _ = detector.record("b", serverError: true, instanceCount: 3, at: .seconds(12))  // until 22 s
        #expect(detector.mayHaveEjections)
        #expect(detector.ejected(at: .seconds(21)) == ["a", "b"])
        #expect(detector.ejected(at: .seconds(22)) == ["a"])
        #expect(detector.ejected(at: .seconds(29)) == ["a"])
        #expect(detector.ejected(at: .seconds(30)) == [])
        _ = detector.record("c", serverError: true, instanceCount: 3, at: .seconds(40))
        #expect(detector.ejected(at: .seconds(49)) == ["c"])
        #expect(detector.ejected(at: .seconds(50)) == [])
    }
}
