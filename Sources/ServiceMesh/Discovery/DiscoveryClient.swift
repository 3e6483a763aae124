import Synchronization

/// What discovery found for a service.
public struct Resolution: Sendable, Equatable {
    public var service: String
    public var instances: [RegisteredInstance]
    /// True when the registry could not be reached and these are cached entries past their TTL.
    public var isStale: Bool
    /// How old the entries are.
    public var age: Duration
}

/// Thrown when discovery has nothing to offer: the registry is unreachable and nothing was cached.
public struct DiscoveryError: Error, Sendable, Equatable, CustomStringConvertible {
    public let service: String
    public var description: String { "cannot discover '\(service)': the registry is unreachable and nothing is cached" }
}

/// Client-side discovery with a local cache, as a Eureka or Consul client does: answers from the
/// cache within its TTL, asks the registry after, and when the registry cannot be reached keeps
/// serving the last entries it had, marked stale (better a stale address than none).
///
/// Thread safety: all methods may be called from any task.
public final class DiscoveryClient: Sendable {
    fileprivate struct Cached {
        var instances: [RegisteredInstance]
        var fetchedAt: Duration
    }

    /// One service's cache entry. A caller that resolves the same service on every call (a
    /// sidecar's channel) keeps its entry and resolves through it, without hashing the name.
    final class Entry: Sendable {
        let service: String
        fileprivate let cached = Mutex<Cached?>(nil)

        fileprivate init(service: String) {
            self.service = service
        }
    }

    public let registry: ServiceRegistry
    public let ttl: Duration
    private let entries = Mutex([String: Entry]())
    private let elapsed: @Sendable () -> Duration

    public init<C: Clock>(registry: ServiceRegistry, ttl: Duration = .seconds(5), clock: C) where C.Duration == Duration {
        self.registry = registry
        self.ttl = ttl
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
    }

    /// The passing instances of `service`.
    ///
    /// - Throws: ``DiscoveryError`` only when the registry is unreachable and nothing is cached.
    public func resolve(_ service: String) throws(DiscoveryError) -> Resolution {
        try resolve(entry(for: service))
    }

    /// The cache entry of `service`, made on first use and kept.
    func entry(for service: String) -> Entry {
        entries.withLock { entries in
            if let entry = entries[service] { return entry }
            let entry = Entry(service: service)
            entries[service] = entry
            return entry
        }
    }

    /// ``resolve(_:)`` through the service's cache entry.
    func resolve(_ entry: Entry) throws(DiscoveryError) -> Resolution {
        let now = elapsed()
        if let cached = entry.cached.withLock({ $0 }), now - cached.fetchedAt < ttl {
            return Resolution(service: entry.service, instances: cached.instances, isStale: false, age: now - cached.fetchedAt)
        }
        do {
            let instances = try registry.instances(of: entry.service)
            entry.cached.withLock { $0 = Cached(instances: instances, fetchedAt: now) }
            return Resolution(service: entry.service, instances: instances, isStale: false, age: .zero)
        } catch {
            guard let cached = entry.cached.withLock({ $0 }) else { throw DiscoveryError(service: entry.service) }
            return Resolution(service: entry.service, instances: cached.instances, isStale: true, age: now - cached.fetchedAt)
        }
    }

    /// Forgets the cached entries (of one service, or all).
    public func invalidate(_ service: String? = nil) {
        let forgotten: [Entry] = entries.withLock { entries in
            guard let service else { return Array(entries.values) }
            return entries[service].map { [$0] } ?? []
        }
        // Entries stay (channels hold theirs); what they cached goes.
        for entry in forgotten { entry.cached.withLock { $0 = nil } }
    }
}
