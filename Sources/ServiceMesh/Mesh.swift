import CoreMetrics
import Logging
import Resilience
import Synchronization
import Telemetry

/// A running mesh: services and their instances, the registry they are found through, the
/// network between them, the control plane's policies, the event bus, sagas, and the telemetry
/// every call reports to.
///
/// ```swift
/// let mesh = Mesh(name: "storefront", clock: ContinuousClock(), telemetry: MeshTelemetry(time: .continuous()))
/// mesh.deploy(UserService(), instances: 2)
/// let response = await mesh.client().call("user-service", Request(path: "/users/42"))
/// ```
///
/// Long-running parts (health checks, heartbeats, TTL sweeps, event delivery, metric windows)
/// run in ``MeshRuntime``, a swift-service-lifecycle `Service`; every step is also callable on
/// its own, so tests drive them with a manual clock.
///
/// Thread safety: all methods may be called from any task.
public final class Mesh: Sendable {
    public struct Configuration: Sendable {
        /// Added to every hop by the in-process network.
        public var networkLatency: Duration
        public var registry: ServiceRegistry.Configuration
        /// How long a discovery client trusts its cache.
        public var discoveryTTL: Duration
        /// Seed for every random choice (injected errors, balancing, retry jitter).
        public var seed: UInt64

        public init(networkLatency: Duration = .zero, registry: ServiceRegistry.Configuration = .init(),
                    discoveryTTL: Duration = .seconds(5), seed: UInt64 = 42) {
            self.networkLatency = networkLatency
            self.registry = registry
            self.discoveryTTL = discoveryTTL
            self.seed = seed
        }
    }

    public let name: String
    public let configuration: Configuration
    public let telemetry: MeshTelemetry
    public let registry: ServiceRegistry
    public let controlPlane: ControlPlane
    public let transport: InProcessTransport
    /// Every breaker and limiter of every sidecar, by id, for manual control.
    public let resilience: ResilienceRegistry
    public let eventBus: EventBus
    public let sagas: SagaLog
    let clock: MeshClock
    /// Manual actions with what measures their effect (``interventions()``).
    let interventionLog = InterventionLog()

    struct State {
        var services: [String: DeployedService] = [:]
        var instances: [String: InstanceRuntime] = [:]
        var channels: [ChannelKey: OutboundChannel] = [:]
        var discovery: [String: DiscoveryClient] = [:]
        var nextInstanceNumber: [String: Int] = [:]
        var draining = false
        var edgeNext = 0
    }

    let state = Mutex(State())

    deinit {
        for address in state.withLock({ $0.instances.values.map(\.address) }) { transport.unbind(address) }
    }

    /// A channel's (caller, target): hashed as two strings, not joined into a new one per call.
    struct ChannelKey: Hashable {
        var caller: String
        var target: String
    }

    public init<C: Clock>(name: String, clock: C, telemetry: MeshTelemetry, configuration: Configuration = Configuration(),
                          controlPlane: ControlPlane = ControlPlane()) where C.Duration == Duration {
        self.name = name
        self.configuration = configuration
        self.telemetry = telemetry
        let clock = MeshClock(clock)
        self.clock = clock
        registry = ServiceRegistry(configuration: configuration.registry, clock: clock)
        self.controlPlane = controlPlane
        transport = InProcessTransport(latency: configuration.networkLatency, clock: clock, seed: configuration.seed)
        resilience = ResilienceRegistry()
        eventBus = EventBus(telemetry: telemetry, clock: clock)
        sagas = SagaLog()
    }

    /// Time since the mesh was made, on its clock.
    public func now() -> Duration { clock.now.offset }

    // MARK: Deploying

    /// Registers `instances` new instances of `service` running `version`, binds them to the
    /// network and the registry, and returns their ids (`user-service-1`, …).
    @discardableResult
    public func deploy(_ service: any MeshService, instances: Int = 1, version: String = "v1", metadata: [String: String] = [:]) -> [InstanceID] {
        (0..<instances).map { _ in addInstance(of: service, version: version, metadata: metadata) }
    }

    /// Adds one instance of `service` (deploying the service if it is new).
    @discardableResult
    public func addInstance(of service: any MeshService, version: String = "v1", metadata: [String: String] = [:]) -> InstanceID {
        let (instance, runtime) = state.withLock { state -> (InstanceID, InstanceRuntime) in
            let deployed = state.services[service.name] ?? DeployedService(service: service, telemetry: telemetry)
            state.services[service.name] = deployed
            let number = state.nextInstanceNumber[service.name, default: 0] + 1
            state.nextInstanceNumber[service.name] = number
            let instance = InstanceID(service: service.name, id: "\(service.name)-\(number)")
            let runtime = InstanceRuntime(instance: instance, address: "\(instance.id).mesh:8080", version: version, deployed: deployed)
            state.instances[instance.id] = runtime
            return (instance, runtime)
        }
        // Unowned, not weak: a weak reference gives the mesh a side table, and every retain and
        // release of it (each request holds it) takes the slow path. The mesh unbinds its
        // addresses when it goes, so the closure never outlives it.
        transport.bind(runtime.address, instance: instance) { [unowned self] request, fault in
            await self.inbound(request, to: runtime, fault: fault)
        }
        registry.register(instance, address: runtime.address, version: version, metadata: metadata)
        telemetry.events.record(source: service.name, kind: .info, message: "\(instance.id) (\(version)) registered at \(runtime.address)")
        return instance
    }

    /// Stops an instance as a crash would: it leaves the network at once, stops heartbeating, and
    /// the registry finds out through its TTL (unless `deregister` says it left cleanly).
    public func stopInstance(_ id: String, deregister: Bool = false) {
        guard let runtime = state.withLock({ $0.instances.removeValue(forKey: id) }) else { return }
        transport.unbind(runtime.address)
        if deregister { registry.deregister(runtime.instance, reason: "stopped") }
        telemetry.events.record(source: runtime.instance.service, kind: .healthChange, message: "\(id) stopped" + (deregister ? " and deregistered" : " (the registry learns from its TTL)"))
    }

    /// Makes an instance's own liveness check fail (`reason`) or pass again (nil): how a test or a
    /// person "kills an instance's health" without stopping it.
    public func setInstanceHealth(_ id: String, failing reason: String?) {
        state.withLock { $0.instances[id] }?.healthOverride.withLock { $0 = reason }
    }

    /// Stops (or resumes) an instance's heartbeats while it keeps serving: its TTL runs out.
    public func setHeartbeating(_ id: String, _ on: Bool) {
        state.withLock { $0.instances[id] }?.heartbeating.store(on, ordering: .relaxed)
    }

    /// The names of the deployed services, sorted.
    public var serviceNames: [String] { state.withLock { $0.services.keys.sorted() } }

    /// Every instance's id (`content-service-1`), sorted.
    public var instanceIDs: [String] { state.withLock { $0.instances.keys.sorted() } }

    // MARK: Calling

    /// A client that calls as `service` would (through its sidecar: its policies, its breakers),
    /// or as an outside client when `service` is nil.
    public func client(as service: String? = nil) -> MeshClient {
        MeshClient(mesh: self, caller: service)
    }

    /// A request from outside the system to the gateway (`service`), as a load balancer in front
    /// of it would send: to a passing instance in turn, with no retries. While the mesh drains
    /// for shutdown, new requests get 503.
    public func ingress(_ request: Request, service: String = "gateway") async -> Response {
        if state.withLock({ $0.draining }) { return .error(503, "shutting down") }
        let candidates = (try? registry.instances(of: service)) ?? []
        guard !candidates.isEmpty else { return .error(503, "no passing instance of \(service)") }
        let index = state.withLock { state in
            defer { state.edgeNext &+= 1 }
            return state.edgeNext
        }
        do {
            return try await transport.send(request, to: candidates[index % candidates.count].address)
        } catch {
            return .error(503, "\(error)")
        }
    }

    /// The caller's discovery client, made on first use and kept.
    private func discovery(for caller: String, in state: inout State) -> DiscoveryClient {
        if let client = state.discovery[caller] { return client }
        let client = DiscoveryClient(registry: registry, ttl: configuration.discoveryTTL, clock: clock)
        state.discovery[caller] = client
        return client
    }

    func channel(caller: String, target: String) -> OutboundChannel {
        let key = ChannelKey(caller: caller, target: target)
        return state.withLock { state in
            if let channel = state.channels[key] { return channel }
            let channel = OutboundChannel(caller: caller, target: target, mesh: self, discovery: discovery(for: caller, in: &state))
            state.channels[key] = channel
            return channel
        }
    }

    /// In-flight requests at an instance now.
    func inFlight(_ instance: InstanceID) -> Int {
        state.withLock { $0.instances[instance.id] }?.inFlight.load(ordering: .relaxed) ?? 0
    }

    // MARK: Shutdown

    /// Refuses new ingress requests from now on (in-flight ones finish).
    public func beginDraining() {
        state.withLock { $0.draining = true }
    }

    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Requests being handled anywhere in the mesh now.
    public var totalInFlight: Int {
        state.withLock { $0.instances.values.reduce(0) { $0 + $1.inFlight.load(ordering: .relaxed) } }
    }
}

/// A service as deployed: the shared value, its metrics handles and its tracer.
final class DeployedService: Sendable {
    let service: any MeshService
    let router: Router
    let metrics: ServiceMetrics
    let tracer: TelemetryTracer
    /// Its logger: the mesh's log store, records attributed to the service.
    let logger: Logger
    /// The telemetry's time source, read on every request (through the mesh, each read copied
    /// the whole `MeshTelemetry`).
    let time: TimeSource
    /// The channels its handlers' clients call through.
    let channels: CallerChannels

    init(service: any MeshService, telemetry: MeshTelemetry) {
        self.service = service
        router = service.router
        metrics = ServiceMetrics(service: service.name, factory: telemetry.metrics)
        tracer = telemetry.tracer(for: service.name)
        logger = telemetry.logger(for: service.name)
        time = telemetry.time
        channels = CallerChannels(caller: service.name)
    }
}

/// One running instance: its address, load, health override and last health report.
final class InstanceRuntime: Sendable {
    let instance: InstanceID
    let address: String
    let version: String
    let deployed: DeployedService
    let inFlight = Atomic<Int>(0)
    let healthOverride = Mutex<String?>(nil)
    let heartbeating = Atomic<Bool>(true)
    let lastReport = Mutex<HealthReport?>(nil)

    init(instance: InstanceID, address: String, version: String, deployed: DeployedService) {
        self.instance = instance
        self.address = address
        self.version = version
        self.deployed = deployed
    }
}

/// The inbound metrics of one service, created once per (route, status).
final class ServiceMetrics: Sendable {
    let service: String
    let factory: any MetricsFactory
    let inFlight: Meter
    /// Found by scanning: a service has a handful of routes and a route a handful of statuses, and
    /// comparing a route's label (the same string each time) costs less than hashing it.
    private let routes = Mutex([RouteMetrics]())

    /// One route's handles: its duration, and a request counter per status.
    struct RouteMetrics {
        let route: String
        let duration: CoreMetrics.Timer
        var requests: [(status: Int, counter: Counter)] = []
    }

    init(service: String, factory: any MetricsFactory) {
        self.service = service
        self.factory = factory
        inFlight = Meter(label: "requests_in_flight", dimensions: [("service", service)], factory: factory)
    }

    /// Counts one request to `route` answered with `status`, and records how long it took (one
    /// lock for both; the handles are made on first use).
    func record(route: String, status: Int, nanoseconds: Int64) {
        let (counter, timer) = routes.withLock { routes in
            let index = routes.firstIndex { $0.route == route } ?? {
                routes.append(RouteMetrics(route: route, duration: CoreMetrics.Timer(
                    label: "request_duration_seconds", dimensions: [("service", service), ("route", route)], factory: factory)))
                return routes.count - 1
            }()
            if let known = routes[index].requests.first(where: { $0.status == status }) {
                return (known.counter, routes[index].duration)
            }
            let counter = Counter(label: "requests_total", dimensions: [("service", service), ("route", route), ("status", String(status))], factory: factory)
            routes[index].requests.append((status, counter))
            return (counter, routes[index].duration)
        }
        counter.increment()
        timer.recordNanoseconds(nanoseconds)
    }
}

