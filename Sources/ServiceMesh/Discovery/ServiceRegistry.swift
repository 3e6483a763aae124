import Resilience
import Synchronization

/// An instance as registered: where it is, what it runs, and whether it is fit for traffic.
public struct RegisteredInstance: Sendable, Equatable, Identifiable {
    public var instance: InstanceID
    public var address: String
    public var version: String
    public var metadata: [String: String]
    public var status: Status
    /// Why it is critical, when it is.
    public var reason: String?
    /// When it last heartbeat, on the registry's clock.
    public var lastHeartbeat: Duration

    public var id: String { instance.id }
    public var service: String { instance.service }

    public enum Status: String, Sendable, Equatable, Codable {
        /// Heartbeating within its TTL and passing its active health checks.
        case passing
        /// Missed its heartbeat TTL or failing a health check: out of discovery results.
        case critical
    }
}

/// A change the registry made, as its stream reports it.
public enum RegistryChange: Sendable, Equatable {
    case registered(InstanceID)
    case deregistered(InstanceID, reason: String)
    case statusChanged(InstanceID, to: RegisteredInstance.Status, reason: String?)
}

/// Thrown by lookups while the registry is unreachable (see ``ServiceRegistry/isReachable``).
public struct RegistryUnavailableError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String { "the service registry is unreachable" }
}

/// Thrown when heartbeating or checking an instance the registry does not hold.
public struct UnknownInstanceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public var description: String { "no instance '\(id)' is registered" }
}

/// The service registry: instances per service, kept alive by heartbeats within a TTL and judged
/// by active health checks, as Consul does.
///
/// - An instance that misses its TTL becomes critical (out of discovery results); one that stays
///   critical for the grace period is removed. A heartbeat brings a critical-by-TTL instance back.
/// - Active health checks set a second verdict; an instance is passing only when both say so.
/// - ``sweep()`` applies the TTL rules at the clock's now; ``RegistryMaintenance`` calls it on an interval.
///
/// Thread safety: all methods may be called from any task.
public final class ServiceRegistry: Sendable {
    public struct Configuration: Sendable {
        /// How long an instance stays passing without a heartbeat.
        public var heartbeatTTL: Duration
        /// How long a critical instance stays registered before it is removed.
        public var deregisterAfter: Duration

        public init(heartbeatTTL: Duration = .seconds(10), deregisterAfter: Duration = .seconds(30)) {
            self.heartbeatTTL = heartbeatTTL
            self.deregisterAfter = deregisterAfter
        }
    }

    private struct Entry {
        var registered: RegisteredInstance
        var ttlExpired = false
        var checkFailure: String?
        var criticalSince: Duration?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var reachable = true
    }

    public let configuration: Configuration
    /// Every change as it happens (the newest 1,000 are buffered for a slow reader).
    public let changes: AsyncStream<RegistryChange>
    private let continuation: AsyncStream<RegistryChange>.Continuation
    private let state = Mutex(State())
    private let elapsed: @Sendable () -> Duration

    public init<C: Clock>(configuration: Configuration = Configuration(), clock: C) where C.Duration == Duration {
        self.configuration = configuration
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        (changes, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1_000))
    }

    deinit { continuation.finish() }

    /// Registers (or re-registers) an instance; it starts passing.
    public func register(_ instance: InstanceID, address: String, version: String = "v1", metadata: [String: String] = [:]) {
        let now = elapsed()
        state.withLock {
            $0.entries[instance.id] = Entry(registered: RegisteredInstance(
                instance: instance, address: address, version: version, metadata: metadata,
                status: .passing, reason: nil, lastHeartbeat: now))
        }
        continuation.yield(.registered(instance))
    }

    public func deregister(_ instance: InstanceID, reason: String = "deregistered") {
        let removed = state.withLock { $0.entries.removeValue(forKey: instance.id) != nil }
        if removed { continuation.yield(.deregistered(instance, reason: reason)) }
    }

    /// Renews an instance's TTL.
    public func heartbeat(_ instance: InstanceID) throws(UnknownInstanceError) {
        let now = elapsed()
        let change: RegistryChange? = try state.withLock { (state) throws(UnknownInstanceError) -> RegistryChange? in
            guard var entry = state.entries[instance.id] else { throw UnknownInstanceError(id: instance.id) }
            entry.registered.lastHeartbeat = now
            entry.ttlExpired = false
            let change = Self.settle(&entry, now: now)
            state.entries[instance.id] = entry
            return change
        }
        if let change { continuation.yield(change) }
    }

    /// Records an active health check's verdict: nil for passing, else why it fails.
    public func setCheckResult(_ instance: InstanceID, failure: String?) {
        let now = elapsed()
        let change: RegistryChange? = state.withLock { state in
            guard var entry = state.entries[instance.id] else { return nil }
            entry.checkFailure = failure
            let change = Self.settle(&entry, now: now)
            state.entries[instance.id] = entry
            return change
        }
        if let change { continuation.yield(change) }
    }

    /// Applies the TTL rules now: marks instances that missed their heartbeat critical and removes
    /// those critical for longer than the grace period. Returns what changed.
    @discardableResult
    public func sweep() -> [RegistryChange] {
        let now = elapsed()
        let changes: [RegistryChange] = state.withLock { state in
            var changes: [RegistryChange] = []
            for (id, var entry) in state.entries {
                if !entry.ttlExpired, now - entry.registered.lastHeartbeat > configuration.heartbeatTTL {
                    entry.ttlExpired = true
                }
                if let change = Self.settle(&entry, now: now) { changes.append(change) }
                if let since = entry.criticalSince, now - since >= configuration.deregisterAfter {
                    state.entries[id] = nil
                    changes.append(.deregistered(entry.registered.instance, reason: "critical for \(configuration.deregisterAfter.compact)"))
                } else {
                    state.entries[id] = entry
                }
            }
            return changes.sorted { "\($0)" < "\($1)" }
        }
        changes.forEach { continuation.yield($0) }
        return changes
    }

    /// Sets the status from the two verdicts; returns a change when the status changed.
    private static func settle(_ entry: inout Entry, now: Duration) -> RegistryChange? {
        let reason: String? = entry.ttlExpired ? "missed heartbeat TTL" : entry.checkFailure.map { "health check failing: \($0)" }
        let status: RegisteredInstance.Status = reason == nil ? .passing : .critical
        let changed = status != entry.registered.status
        entry.registered.status = status
        entry.registered.reason = reason
        if status == .critical { entry.criticalSince = entry.criticalSince ?? now } else { entry.criticalSince = nil }
        return changed ? .statusChanged(entry.registered.instance, to: status, reason: reason) : nil
    }

    /// Simulates a registry outage: while false, lookups throw ``RegistryUnavailableError``.
    public var isReachable: Bool {
        get { state.withLock { $0.reachable } }
        set { state.withLock { $0.reachable = newValue } }
    }

    /// The instances of a service, sorted by id; only passing ones unless asked.
    public func instances(of service: String, includeCritical: Bool = false) throws(RegistryUnavailableError) -> [RegisteredInstance] {
        try state.withLock { (state) throws(RegistryUnavailableError) -> [RegisteredInstance] in
            guard state.reachable else { throw RegistryUnavailableError() }
            return state.entries.values.map(\.registered)
                .filter { $0.service == service && (includeCritical || $0.status == .passing) }
                .sorted { $0.instance < $1.instance }
        }
    }

    /// Every registered instance, sorted by id (for observation; works during a simulated outage).
    public func allInstances() -> [RegisteredInstance] {
        state.withLock { $0.entries.values.map(\.registered).sorted { $0.instance < $1.instance } }
    }

    public func instance(_ id: String) -> RegisteredInstance? {
        state.withLock { $0.entries[id]?.registered }
    }
}
