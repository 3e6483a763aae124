import DemoSystems
import Foundation
import ServiceMesh
import Telemetry
import Testing
import TestSupport

/// The monolith on a manual clock with no simulated work or network latency: requests go
/// through the real gateway to the one service; modules call each other in-process.
struct MonolithHarness {
    let clock = ManualClock()
    let system: Monolith

    init(seed: UInt64 = 1) {
        system = Monolith(clock: clock, seed: seed, workScale: 0, networkLatency: .zero,
                          time: TimeSource(clock: clock, originUnixNanoseconds: 1_700_000_000_000_000_000))
    }

    var mesh: Mesh { system.mesh }

    func order(_ items: [LineItem], user: String? = "u1") async -> Response {
        var request = try! Request(method: .post, path: "/api/orders", json: OrderService.PlaceOrder(items: items))
        if let user { request.headers[MeshHeader.apiKey] = "key-\(user)" }
        return await mesh.ingress(request)
    }

    func browse() async -> Response {
        await mesh.ingress(Request(path: "/api/products"))
    }

    func fault(_ target: String, _ fault: FaultSpec) {
        system.apply(ScheduledFault(at: .zero, service: target, fault: fault, origin: "test"))
    }

    /// Delivers every queued event: the bus runs until its queues are empty, then stops.
    func deliverEvents() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await mesh.eventBus.run() }
            await waitUntil("every queued event delivered") { mesh.eventBus.pendingCount == 0 }
            group.cancelAll()
        }
    }
}

@Suite("The monolith: one service, modules called in-process")
struct MonolithTests {
    @Test("its profile: one service behind the gateway, its modules as fault targets and components")
    func profile() {
        let profile = Monolith.profile
        #expect(profile.services == ["gateway", "shop"])
        #expect(profile.faultTargets == ["gateway", "shop", "user-module", "product-module", "inventory-module", "payment-module", "order-module",
                                         "notification-module", "gateway-1", "gateway-2", "shop-1", "shop-2"])
        #expect(profile.target(ofComponent: "payment") == "payment-module")
        #expect(profile.target(ofComponent: "shop") == "shop")
        #expect(profile.target(ofComponent: "gateway") == "gateway")
        #expect(profile.invariants == Invariant.storefront)
        #expect(DemoSystemCatalog.names.contains("monolith"))
    }

    @Test("it sends exactly the storefront's requests for the same seed and arrival")
    func sameTraffic() {
        let monolith = Monolith(clock: ManualClock(), seed: 7, workScale: 0)
        let storefront = Storefront(clock: ManualClock(), seed: 7, workScale: 0)
        #expect(monolith.trafficMix == storefront.trafficMix)
        for index in 0..<50 {
            for kind in RequestKind.storefront {
                let a = monolith.request(for: kind, index: index), b = storefront.request(for: kind, index: index)
                #expect(a.method == b.method && a.path == b.path && a.body == b.body && a.headers[MeshHeader.apiKey] == b.headers[MeshHeader.apiKey])
            }
        }
    }

    @Test("an order is confirmed in one request: paid, stock held, notified; the storefront's invariants hold")
    func placesAnOrder() async throws {
        let test = MonolithHarness()
        let response = await test.order([LineItem(productId: "p1", quantity: 2), LineItem(productId: "p4", quantity: 1)])
        #expect(response.status == 201)
        let order = try response.decode(OrderService.Order.self)
        #expect(order.state == .confirmed)
        #expect(order.totalCents == 2 * 12_999 + 2_400)
        await test.deliverEvents()
        let ledger = test.system.ledger()
        #expect(ledger.payments[order.id]?.netCents == order.totalCents)
        #expect(ledger.stock["p1"]?.reservedByOrder[order.id] == 2)
        #expect(ledger.notifications[order.id] == [.orderConfirmed])
        #expect(test.system.checkInvariants().isEmpty)
        #expect(test.system.domainFigures().count("ordersConfirmed") == 1)
    }

    @Test("bad orders are turned away as the storefront turns them away", arguments: [
        ([LineItem(productId: "p999", quantity: 1)], "u1", 422),
        ([LineItem(productId: "p1", quantity: 0)], "u1", 400),
        ([LineItem(productId: "p1", quantity: 1)], nil, 401),
        ([LineItem(productId: "p19", quantity: 41)], "u1", 409),
    ] as [([LineItem], String?, Int)])
    func rejections(items: [LineItem], user: String?, status: Int) async {
        let test = MonolithHarness()
        #expect(await test.order(items, user: user).status == status)
        #expect(test.system.ledger().orders.isEmpty)
        #expect(test.system.checkInvariants().isEmpty)
    }

    @Test("the payment module failing every call fails the order route (rolled back, nothing kept) while browsing stays up")
    func paymentFailure() async throws {
        let test = MonolithHarness()
        test.fault("payment-module", .errors(ratio: 1, status: 503))
        let response = await test.order([LineItem(productId: "p2", quantity: 1)])
        #expect(response.status == 503)
        #expect(response.errorMessage?.contains("the payment module failed") == true)
        #expect(await test.browse().status == 200)
        #expect(await test.mesh.ingress(Request(path: "/api/users/u1", headers: [MeshHeader.apiKey: "key-u1"])).status == 200)
        await test.deliverEvents()
        let ledger = test.system.ledger()
        #expect(ledger.count(.cancelled) == 1)
        #expect(ledger.payments.values.allSatisfy { $0.netCents == 0 })
        #expect(ledger.notifications.values.first == [.orderCancelled])
        #expect(test.system.checkInvariants().isEmpty)

        test.fault("payment-module", .none)
        #expect(await test.order([LineItem(productId: "p2", quantity: 1)]).status == 201)
    }

    @Test("a module cannot crash alone: down on the payment module takes every route down, and lifting it brings them back")
    func moduleDown() async {
        let test = MonolithHarness()
        test.fault("payment-module", .down)
        #expect(test.mesh.transport.fault(service: "shop") == .down)
        #expect(await test.browse().status == 503)
        #expect(await test.order([LineItem(productId: "p2", quantity: 1)]).status == 503)
        test.fault("payment-module", .none)
        #expect(test.mesh.transport.fault(service: "shop") == FaultSpec.none)
        #expect(await test.browse().status == 200)
    }

    @Test("a crashed process sends no notifications either: the bus retries them once it is back")
    func crashedProcessDeliversNothing() async throws {
        let test = MonolithHarness()
        let order = try await test.order([LineItem(productId: "p5", quantity: 1)]).decode(OrderService.Order.self)
        test.fault("notification-module", .down)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await test.mesh.eventBus.run() }
            // The first delivery failed when the bus sleeps before its retry.
            await waitUntil("the bus waits to retry a failed delivery") { test.clock.sleeperCount == 1 }
            #expect(test.system.ledger().notifications.isEmpty)
            test.fault("notification-module", .none)
            test.clock.advance(by: .seconds(1))
            await waitUntil("the notification delivered") { test.mesh.eventBus.pendingCount == 0 }
            group.cancelAll()
        }
        #expect(test.system.ledger().notifications[order.id] == [.orderConfirmed])
        #expect(test.system.checkInvariants().isEmpty)
    }

    @Test("an order's trace has one internal span per module call under the shop's span, not a hop per call")
    func internalSpans() async throws {
        let test = MonolithHarness()
        #expect(await test.order([LineItem(productId: "p3", quantity: 1)]).status == 201)
        let summary = try #require(test.mesh.telemetry.traces.recent(limit: 10).first { $0.rootOperation.contains("/api/orders") })
        let spans = try #require(test.mesh.telemetry.traces.tree(hex: summary.traceId)).spans
        let modules = spans.filter { $0.kind == .internal && $0.service == "shop" }
        #expect(modules.map(\.operation).sorted() == ["inventory.check", "inventory.reserve", "order.confirm", "order.create", "payment.charge", "product.get", "user.get"])
        let server = try #require(spans.first { $0.service == "shop" && $0.kind == .server })
        #expect(modules.allSatisfy { $0.parentSpanId == server.spanId })
        #expect(modules.allSatisfy { $0.attributes["module"] == String($0.operation.prefix { $0 != "." }) })
        #expect(Set(spans.map(\.service)) == ["gateway", "shop"])
    }
}
