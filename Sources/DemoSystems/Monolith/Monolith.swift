import Synchronization
import ServiceMesh
import Telemetry

/// The storefront's domain as one service: users, products, inventory, payments, orders and
/// notifications as modules of one program (``Shop``), one database, calls between modules as
/// function calls. One deployable, scaled as a whole: identical instances behind the gateway,
/// all sharing the one store.
///
/// The baseline the microservices are measured against (`meshtop compare monolith storefront`):
/// the same routes, traffic, work per operation and invariants, minus the hops, the sidecars and
/// the sagas, and minus what they buy (isolation, retries, breakers, a failure kept in its corner).
///
/// Faults may name a module (`payment-module=errors:0.5`): its calls fail, slow down or hang and
/// the routes that call it suffer, the rest stay up. A module cannot be `down` on its own: a
/// crash is the process's, so `down` on a module takes the whole service down, every route with it.
public final class Monolith: DemoSystem {
    public static let systemName = "monolith"
    /// The one service's name.
    public static let serviceName = "shop"
    public static let profile = SystemProfile(
        name: systemName,
        summary: "The storefront as one service: one database, in-process calls, one deployable; the baseline for `meshtop compare`",
        services: ["gateway", serviceName],
        instances: ["gateway": 2, serviceName: 2],
        invariants: Invariant.storefront,
        modules: MonolithModule.allCases.map(\.faultTarget),
        componentTargets: Dictionary(uniqueKeysWithValues: MonolithModule.allCases.map { ($0.rawValue, $0.faultTarget) }))

    public static func make<C: Clock>(clock: C, seed: UInt64, time: TimeSource?) -> Monolith where C.Duration == Duration {
        Monolith(clock: clock, seed: seed, time: time)
    }

    public var trafficMix: TrafficMix { .storefront }

    public let mesh: Mesh
    public let seed: UInt64
    let shop: Shop
    /// Modules whose `down` fault took the process down, so lifting the last one brings it back.
    private let modulesDown = Mutex(Set<MonolithModule>())

    /// - Parameters:
    ///   - workScale: multiplies the simulated work time of handlers (0 for none, as in unit tests).
    ///   - networkLatency: added to every hop (here only gateway → shop).
    public init<C: Clock>(clock: C, seed: UInt64, workScale: Double = 1, networkLatency: Duration = .microseconds(300),
                          time: TimeSource? = nil) where C.Duration == Duration {
        self.seed = seed
        let telemetry = MeshTelemetry(time: time ?? TimeSource(clock: clock), seed: seed)
        mesh = Mesh(name: Self.systemName, clock: clock, telemetry: telemetry,
                    configuration: Mesh.Configuration(networkLatency: networkLatency, seed: seed),
                    controlPlane: ControlPlane(defaultPolicy: CallPolicy.demoDefault))
        // One deployable has one policy from the gateway: creating an order is not idempotent, so
        // nothing sent to the shop is retried (the storefront retries reads, not orders).
        var noRetry = CallPolicy.demoDefault
        noRetry.retry = nil
        mesh.controlPlane.setPolicy(noRetry, caller: "gateway", target: Self.serviceName)

        // The storefront's work simulators, salt for salt: the same work per domain operation.
        let work = { (salt: UInt64) in WorkSimulator(clock: clock, seed: seed &+ salt, scale: workScale) }
        let transport = mesh.transport
        let calls = ModuleCalls(clock: clock, seed: seed, tracer: telemetry.tracer(for: Self.serviceName)) {
            transport.fault(service: Self.serviceName) == .down
        }
        shop = Shop(name: Self.serviceName, mesh: mesh, store: MonolithStore(), calls: calls,
                    work: Shop.Work(user: work(1), product: work(2), inventory: work(3), payment: work(4), order: work(5), notification: work(6)))
        let gateway = Storefront.gateway(clock: clock, metrics: telemetry.metrics) { _ in Self.serviceName }
        Self.profile.deploy([gateway, shop], on: mesh)

        // Notifications are sent after the order commits, from the bus, in-process: no hop; as
        // many at once as the storefront's notification-service takes.
        mesh.eventBus.subscribe("orders", as: Self.serviceName, partitions: Storefront.notificationPartitions) { [shop] envelope in
            try await shop.notify(envelope)
        }
    }

    // MARK: Traffic

    /// The storefront's request for the same arrival: both systems get identical traffic.
    public func request(for kind: RequestKind, index: Int) -> Request {
        Storefront.request(for: kind, index: index, seed: seed)
    }

    @discardableResult
    public func send(_ kind: RequestKind, index: Int) async -> Response {
        await mesh.ingress(request(for: kind, index: index))
    }

    /// Nothing runs in the background besides the mesh's own loops (the bus delivers notifications).
    public func runBackgroundWork<C: Clock>(clock: C) async where C.Duration == Duration {}

    // MARK: Faults

    /// A module's fault is enacted in the module's calls; `down` on a module takes the whole
    /// process down (one process cannot lose one module); anything else goes to the mesh.
    public func apply(_ change: ScheduledFault) {
        guard let module = MonolithModule(faultTarget: change.service) else {
            try? mesh.perform(.setFault(service: change.service, fault: change.fault), origin: change.origin)
            return
        }
        shop.calls.setFault(change.fault == .down ? .none : change.fault, on: module)
        let message = change.fault.summary.map { "fault injected: \($0)" } ?? "fault cleared"
        mesh.telemetry.events.record(source: module.faultTarget, kind: .manualAction, message: "\(message), by \(change.origin)",
                                     attributes: ["origin": change.origin.rawValue])
        let (wasDown, isDown) = modulesDown.withLock { down in
            let wasDown = !down.isEmpty
            if change.fault == .down { down.insert(module) } else { down.remove(module) }
            return (wasDown, !down.isEmpty)
        }
        if isDown, !wasDown {
            try? mesh.perform(.setFault(service: Self.serviceName, fault: .down), origin: change.origin)
            mesh.telemetry.events.record(source: Self.serviceName, kind: .healthChange,
                                         message: "the \(module.rawValue) module crashed: one process, so every module went down with it")
        } else if wasDown, !isDown {
            try? mesh.perform(.setFault(service: Self.serviceName, fault: .none), origin: change.origin)
        }
    }

    /// Lifts every fault: the modules' and the mesh's.
    func liftAllFaults() {
        for module in MonolithModule.allCases where shop.calls.fault(of: module) != .none || modulesDown.withLock({ $0.contains(module) }) {
            apply(ScheduledFault(at: .zero, service: module.faultTarget, fault: .none, origin: .run))
        }
        liftFaults()
    }

    // MARK: Settling and checking

    /// Lifts every fault, waits (up to `timeout`) for the bus to deliver every notification,
    /// redelivers dead letters once, and rolls back any order a cancelled request left pending.
    public func settle<C: Clock>(clock: C, timeout: Duration = .seconds(20)) async where C.Duration == Duration {
        liftAllFaults()
        let deadline = clock.now.advanced(by: timeout)
        var replayed = false
        while clock.now < deadline {
            if mesh.eventBus.pendingCount == 0 {
                if replayed { break }
                replayed = true
                mesh.eventBus.replayDeadLetters()
            }
            do { try await clock.sleep(for: .milliseconds(50)) } catch { break }
        }
        let pending = shop.store.transaction { $0.orders.values.filter { $0.state == .pending } }.sorted { $0.id < $1.id }
        guard !pending.isEmpty else { return }
        for order in pending { shop.rollBack(order, reason: "the request was cut off before the order committed") }
        while mesh.eventBus.pendingCount > 0, clock.now < deadline.advanced(by: min(.seconds(5), timeout / 4)) {
            do { try await clock.sleep(for: .milliseconds(50)) } catch { break }
        }
    }

    /// The store as the storefront's invariant checker reads it.
    public func ledger() -> StorefrontLedger {
        shop.store.ledger()
    }

    public func checkInvariants() -> [Violation] {
        InvariantChecker.check(ledger())
    }

    /// The storefront's order figures; no saga here, so no compensations, and no payment is ever
    /// queued (a failed order is rolled back and counted as cancelled).
    public func domainFigures() -> DomainFigures {
        let ledger = ledger()
        return DomainFigures([
            "ordersPlaced": .count(ledger.orders.count),
            "ordersConfirmed": .count(ledger.count(.confirmed)),
            "ordersCancelled": .count(ledger.count(.cancelled)),
            "ordersPending": .count(ledger.count(.pending)),
        ])
    }
}
