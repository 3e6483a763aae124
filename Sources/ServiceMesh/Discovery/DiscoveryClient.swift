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
    private struct Cached {
        var instances: [RegisteredInstance]
        var fetchedAt: Duration
    }

    public let registry: ServiceRegistry
    public let ttl: Duration
    private let cache = Mutex([String: Cached]())
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
        let now = elapsed()
        if let cached = cache.withLock({ $0[service] }), now - cached.fetchedAt < ttl {
            return Resolution(service: service, instances: cached.instances, isStale: false, age: now - cached.fetchedAt)
        }
        do {
            let instances = try registry.instances(of: service)
            cache.withLock { $0[service] = Cached(instances: instances, fetchedAt: now) }
            return Resolution(service: service, instances: instances, isStale: false, age: .zero)
        } catch {
            guard let cached = cache.withLock({ $0[service] }) else { throw DiscoveryError(service: service) }
            return Resolution(service: service, instances: cached.instances, isStale: true, age: now - cached.fetchedAt)
        }
    }

    /// Forgets the cached entries (of one service, or all).
    public func invalidate(_ service: String? = nil) {
        cache.withLock { cache in
            if let service { cache[service] = nil } else { cache.removeAll() }
        }
    }
}
