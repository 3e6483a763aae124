import Randomness
import Resilience
import Synchronization
import Telemetry

/// One instance of a service, as the registry and the transport know it.
public struct InstanceID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public var service: String
    /// Unique across the mesh (`payment-service-2`).
    public var id: String

    public init(service: String, id: String) {
        self.service = service
        self.id = id
    }

    public var description: String { id }
    public static func < (lhs: InstanceID, rhs: InstanceID) -> Bool { lhs.id < rhs.id }
}

/// Carries a request to an address and brings the response back. The in-process one simulates a
/// network; a real HTTP transport can take its place, since everything the mesh needs (trace
/// context, caller identity) travels in headers.
public protocol Transport: Sendable {
    /// - Throws: ``TransportError`` when nothing answers (refused, unknown address), or
    ///   `CancellationError` when the caller gave up (its timeout).
    func send(_ request: Request, to address: String) async throws -> Response
}

/// Failures below HTTP: there was no response at all. All are worth a retry elsewhere.
public enum TransportError: TransientError, Equatable, CustomStringConvertible {
    /// Nothing listens there now (the instance is down, or a `down` fault is injected).
    case connectionRefused(address: String)

    public var isTransient: Bool { true }

    public var description: String {
        switch self {
        case .connectionRefused(let address): "connection refused by \(address)"
        }
    }
}

/// A fault the target's sidecar must enact on one request (decided by the transport, which holds
/// the fault table and its seeded generator).
public enum InjectedFault: Sendable, Equatable {
    /// Answer with this status without calling the handler.
    case error(status: Int, message: String)
    /// Wait this long, then handle as usual.
    case delay(Duration)
    /// Never answer; only the caller giving up (its timeout) ends the wait.
    case hang
}

/// The in-process network: addresses bound to inbound sidecars, a configurable latency per hop,
/// and fault injection per service or per instance (an instance's own fault wins).
///
/// Faults act where a real one would. `down` refuses the connection here, so the target sees
/// nothing. `errors` (a share of requests, chosen by a seeded generator, answered with a status,
/// 503 by default), `latency` and `hang` are enacted by the target's inbound sidecar, as Envoy's
/// fault filter does: they count in the target's own metrics (its error rate, its latency, its
/// requests in flight).
public final class InProcessTransport: Transport {
    public typealias Inbound = @Sendable (Request, InjectedFault?) async -> Response

    /// What listens at an address: an instance's inbound sidecar. A sender that sends to the same
    /// address again and again (a sidecar, to each instance it picks) keeps one, as an HTTP client
    /// keeps a connection, and sends on it with ``send(_:on:)``.
    public final class Connection: Sendable {
        public let address: String
        public let instance: InstanceID
        fileprivate let inbound: Inbound
        /// False once the address is unbound or bound anew: then the connection is closed.
        private let open = Atomic<Bool>(true)

        fileprivate init(address: String, instance: InstanceID, inbound: @escaping Inbound) {
            self.address = address
            self.instance = instance
            self.inbound = inbound
        }

        public var isOpen: Bool { open.load(ordering: .acquiring) }
        fileprivate func close() { open.store(false, ordering: .releasing) }
    }

    private struct State {
        var bindings: [String: Connection] = [:]
        var serviceFaults: [String: FaultSpec] = [:]
        var instanceFaults: [String: FaultSpec] = [:]
        var latency: Duration
        var random: SeededRandom
        /// Requests each fault acted on since start, by where it was set (`FaultKey`).
        var injected: [FaultKey: Int] = [:]
    }

    /// Where a fault is set: on a service as a whole or on one instance.
    public enum FaultKey: Hashable, Sendable {
        case service(String)
        case instance(String)
    }

    private let state: Mutex<State>
    private let sleep: @Sendable (Duration) async throws -> Void
    /// True while no fault is set and there is no latency: sending on an open connection then
    /// needs neither the lock nor a look-up.
    private let plain: Atomic<Bool>

    /// - Parameters:
    ///   - latency: added to every hop (each way counts once, on the way in).
    ///   - clock: what latency and hangs sleep on.
    ///   - seed: for the choice of which requests an `errors` fault fails.
    public init<C: Clock>(latency: Duration = .zero, clock: C, seed: UInt64 = 0xFA17) where C.Duration == Duration {
        state = Mutex(State(latency: latency, random: SeededRandom(seed: seed)))
        plain = Atomic(latency == .zero)
        sleep = { try await clock.sleep(for: $0) }
    }

    /// Makes `address` answer with `inbound`, for `instance`.
    public func bind(_ address: String, instance: InstanceID, inbound: @escaping Inbound) {
        let replaced = state.withLock { $0.bindings.updateValue(Connection(address: address, instance: instance, inbound: inbound), forKey: address) }
        replaced?.close()
    }

    public func unbind(_ address: String) {
        state.withLock { $0.bindings.removeValue(forKey: address) }?.close()
    }

    /// The connection to what listens at `address`, or nil when nothing does.
    public func connection(to address: String) -> Connection? {
        state.withLock { $0.bindings[address] }
    }

    public var latency: Duration {
        get { state.withLock { $0.latency } }
        set { change { $0.latency = newValue } }
    }

    /// Sets (or with `.none` clears) the fault of every instance of a service.
    public func setFault(_ fault: FaultSpec, service: String) {
        change { $0.serviceFaults[service] = fault == .none ? nil : fault }
    }

    /// Sets (or with `.none` clears) one instance's own fault.
    public func setFault(_ fault: FaultSpec, instance: String) {
        change { $0.instanceFaults[instance] = fault == .none ? nil : fault }
    }

    private func change(_ body: (inout State) -> Void) {
        state.withLock { state in
            body(&state)
            plain.store(state.latency == .zero && state.serviceFaults.isEmpty && state.instanceFaults.isEmpty, ordering: .releasing)
        }
    }

    /// The fault in effect for an instance (its own, else its service's), or `.none`.
    public func fault(for instance: InstanceID) -> FaultSpec {
        state.withLock { $0.instanceFaults[instance.id] ?? $0.serviceFaults[instance.service] ?? .none }
    }

    /// The instances with a fault of their own, sorted.
    public var instancesWithFaults: [String] {
        state.withLock { $0.instanceFaults.keys.sorted() }
    }

    /// Requests the fault set at `key` acted on since start (failed, delayed, refused or hung),
    /// whatever fault it was: the difference between two readings is what was set in between did.
    public func faultsInjected(_ key: FaultKey) -> Int {
        state.withLock { $0.injected[key] ?? 0 }
    }

    /// The fault set on a service as a whole.
    public func fault(service: String) -> FaultSpec {
        state.withLock { $0.serviceFaults[service] ?? .none }
    }

    /// Sends on a connection from ``connection(to:)``: what `send(_:to:)` does with its address,
    /// without the look-up while the connection is open and no fault or latency is set.
    @inline(__always)  // into the sidecar's attempt: one async frame fewer per hop
    public func send(_ request: Request, on connection: Connection) async throws -> Response {
        if connection.isOpen, plain.load(ordering: .acquiring) {
            return await connection.inbound(request, nil)
        }
        return try await send(request, to: connection.address)
    }

    public func send(_ request: Request, to address: String) async throws -> Response {
        let (binding, latency, fault, draw) = state.withLock { state -> (Connection?, Duration, FaultSpec, Double) in
            let binding = state.bindings[address]
            var fault = FaultSpec.none
            var key: FaultKey?
            if let binding {
                if let own = state.instanceFaults[binding.instance.id] {
                    (fault, key) = (own, .instance(binding.instance.id))
                } else if let shared = state.serviceFaults[binding.instance.service] {
                    (fault, key) = (shared, .service(binding.instance.service))
                }
            }
            var draw = 0.0
            var acts = key != nil
            if case .errors(let ratio, _) = fault {
                draw = state.random.nextUnitInterval()
                acts = draw < ratio
            }
            if acts, let key { state.injected[key, default: 0] += 1 }
            return (binding, state.latency, fault, draw)
        }
        if latency > .zero { try await sleep(latency) }
        guard let binding else { throw TransportError.connectionRefused(address: address) }
        let injected: InjectedFault?
        switch fault {
        case .none:
            injected = nil
        case .down:
            throw TransportError.connectionRefused(address: address)
        case .hang:
            injected = .hang
        case .latency(let milliseconds):
            injected = .delay(Duration(saturatingSeconds: milliseconds / 1000))
        case .errors(let ratio, let status):
            injected = draw < ratio
                ? .error(status: status, message: "injected fault: \(binding.instance.service) answers \(status) to \(Int((ratio * 100).rounded()))% of requests")
                : nil
        }
        return await binding.inbound(request, injected)
    }
}
