import DemoSystems
import Foundation
import ServiceMesh
import Telemetry
import Testing
import TestSupport

/// The marketplace on a manual clock with no simulated work or network latency: calls go through
/// the real gateway, auth checks, sidecars and bus. What sleeps on the clock (an injected delay, a
/// retry's backoff) runs under ``driven(_:)``.
struct MarketplaceHarness {
    let clock: ManualClock
    let shop: Marketplace

    init(seed: UInt64 = 1) {
        clock = ManualClock()
        shop = Marketplace(clock: clock, seed: seed, workScale: 0, networkLatency: .zero,
                           time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000))
    }

    var mesh: Mesh { shop.mesh }

    /// Customer `number` puts `quantity` of `product` in the cart.
    func add(_ number: Int, _ product: String, _ quantity: Int = 1) async throws {
        let response = await mesh.ingress(try Request(method: .post, path: "/api/carts/items", headers: Marketplace.signedIn(number),
                                                      json: Marketplace.CartService.AddItem(productId: product, quantity: quantity)))
        #expect(response.status == 200, "\(response.errorMessage ?? "")")
    }

    /// Customer `number` places the cart with Idempotency-Key `key`.
    func order(_ number: Int, key: String = "k1") async -> Response {
        await mesh.ingress(Marketplace.placeOrder(number, key: key))
    }

    func fault(_ service: String, _ fault: FaultSpec) throws {
        try mesh.perform(.setFault(service: service, fault: fault), origin: "test")
    }

    /// Delivers every queued event (and those their handlers publish): the bus runs until its
    /// queues are empty, then stops for good.
    func deliverEvents() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await mesh.eventBus.run() }
            await waitUntil("every queued event delivered") { mesh.eventBus.pendingCount == 0 }
            group.cancelAll()
        }
    }

    /// Runs `operation` while moving the clock on whenever something sleeps, a millisecond at a time at most.
    func driven<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let finished = Flag()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                defer { finished.set() }
                return try await operation()
            }
            group.addTask { [clock] in
                while !finished.isSet {
                    for _ in 0..<20 { await Task.yield() }
                    if let next = clock.nextDeadline { clock.advance(to: min(next, clock.now.advanced(by: .milliseconds(1)))) }
                }
                return nil
            }
            var result: T?
            for try await value in group where value != nil { result = value }
            return try #require(result)
        }
    }

    func invariants() -> [Violation] { shop.checkInvariants() }
}
