/// A service in the mesh: a name, routes, and its own health checks.
///
/// Called `MeshService` rather than `Service` so it does not clash with swift-service-lifecycle's
/// `Service` (which the mesh's long-running parts are).
///
/// One value serves every instance of the service: the instances share what the service owns (as
/// instances of a real service share its database), while in-flight counts, faults and health are
/// per instance. Handlers receive the instance in ``RequestContext``.
public protocol MeshService: Sendable {
    /// The name it is registered and discovered by (`user-service`).
    var name: String { get }
    var router: Router { get }
    /// Checks of the service's own workings (and, marked `isDependency`, of what it depends on).
    /// Default: none, so the service is healthy while it answers.
    var healthChecks: [HealthCheck] { get }
}

extension MeshService {
    public var healthChecks: [HealthCheck] { [] }
}

/// One health check. A failing check of the service's own makes it unhealthy; a failing
/// *dependency* check is reported but does not (the classic rule: a service whose database is up
/// but whose downstream is down should not be taken out of rotation for it — its breaker handles that).
public struct HealthCheck: Sendable {
    public var name: String
    public var isDependency: Bool
    public var check: @Sendable () async -> HealthCheckResult

    public init(name: String, isDependency: Bool = false, check: @escaping @Sendable () async -> HealthCheckResult) {
        self.name = name
        self.isDependency = isDependency
        self.check = check
    }
}

public struct HealthCheckResult: Sendable, Equatable {
    public var passing: Bool
    public var message: String?

    public init(passing: Bool, message: String? = nil) {
        self.passing = passing
        self.message = message
    }

    public static let pass = HealthCheckResult(passing: true)
    public static func fail(_ message: String) -> HealthCheckResult { HealthCheckResult(passing: false, message: message) }
}

/// The verdict of a service's checks: healthy unless one of its *own* checks fails.
public struct HealthReport: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var name: String
        public var isDependency: Bool
        public var passing: Bool
        public var message: String?
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// False when an own (non-dependency) check fails.
    public var isHealthy: Bool { entries.allSatisfy { $0.passing || $0.isDependency } }
    /// Failing dependency checks, reported but not counted against the service.
    public var failingDependencies: [Entry] { entries.filter { $0.isDependency && !$0.passing } }

    /// Runs every check, concurrently.
    public static func run(_ checks: [HealthCheck]) async -> HealthReport {
        await withTaskGroup(of: (Int, Entry).self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask {
                    let result = await check.check()
                    return (index, Entry(name: check.name, isDependency: check.isDependency, passing: result.passing, message: result.message))
                }
            }
            var entries = [Entry?](repeating: nil, count: checks.count)
            for await (index, entry) in group { entries[index] = entry }
            return HealthReport(entries: entries.compactMap { $0 })
        }
    }
}
