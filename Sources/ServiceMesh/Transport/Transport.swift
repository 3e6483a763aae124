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

    private struct Binding: Sendable {
        let instance: InstanceID
        let inbound: Inbound
    }

    private struct State {
        var bindings: [String: Binding] = [:]
        var serviceFaults: [String: FaultSpec] = [:]
        var instanceFaults: [String: FaultSpec] = [:]
        var latency: Duration
        var random: SeededGenerator
    }

    private let state: Mutex<State>
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - latency: added to every hop (each way counts once, on the way in).
    ///   - clock: what latency and hangs sleep on.
    ///   - seed: for the choice of which requests an `errors` fault fails.
    public init<C: Clock>(latency: Duration = .zero, clock: C, seed: UInt64 = 0xFA17) where C.Duration == Duration {
        state = Mutex(State(latency: latency, random: SeededGenerator(seed: seed)))
        sleep = { try await clock.sleep(for: $0) }
    }

    /// Makes `address` answer with `inbound`, for `instance`.
    public func bind(_ address: String, instance: InstanceID, inbound: @escaping Inbound) {
        state.withLock { $0.bindings[address] = Binding(instance: instance, inbound: inbound) }
    }

    public func unbind(_ address: String) {
        state.withLock { _ = $0.bindings.removeValue(forKey: address) }
    }

    public var latency: Duration {
        get { state.withLock { $0.latency } }
        set { state.withLock { $0.latency = newValue } }
    }

    /// Sets (or with `.none` clears) the fault of every instance of a service.
    public func setFault(_ fault: FaultSpec, service: String) {
        state.withLock { $0.serviceFaults[service] = fault == .none ? nil : fault }
    }

    /// Sets (or with `.none` clears) one instance's own fault.
    public func setFault(_ fault: FaultSpec, instance: String) {
        state.withLock { $0.instanceFaults[instance] = fault == .none ? nil : fault }
    }

    /// The fault in effect for an instance (its own, else its service's), or `.none`.
    public func fault(for instance: InstanceID) -> FaultSpec {
        state.withLock { $0.instanceFaults[instance.id] ?? $0.serviceFaults[instance.service] ?? .none }
    }

    /// The fault set on a service as a whole.
    public func fault(service: String) -> FaultSpec {
        state.withLock { $0.serviceFaults[service] ?? .none }
    }

    @inline(__always)  // into the sidecar's attempt: one async frame fewer per hop
    public func send(_ request: Request, to address: String) async throws -> Response {
        let (binding, latency, fault, draw) = state.withLock { state -> (Binding?, Duration, FaultSpec, Double) in
            let binding = state.bindings[address]
            let fault = binding.map { state.instanceFaults[$0.instance.id] ?? state.serviceFaults[$0.instance.service] ?? .none } ?? .none
            var draw = 0.0
            if case .errors = fault { draw = state.random.nextUnit() }
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
            injected = .delay(.nanoseconds(Int64((milliseconds * 1_000_000).rounded())))
        case .errors(let ratio, let status):
            injected = draw < ratio
                ? .error(status: status, message: "injected fault: \(binding.instance.service) answers \(status) to \(Int((ratio * 100).rounded()))% of requests")
                : nil
        }
        return await binding.inbound(request, injected)
    }
}
