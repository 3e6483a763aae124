/// One service as the dashboard's Services view shows it.
public struct ServiceStatus: Codable, Sendable, Equatable, Identifiable {
    public var name: String
    public var health: Health
    public var instances: [InstanceStatus]
    /// Requests the service handled per second over the window (attempts refused before reaching
    /// it are not among them).
    public var rps: Double
    /// Share of requests over the window that failed, 0…1, counting what its callers saw as well
    /// as what it counted itself:
    ///
    ///     (requests it answered with a 5xx + attempts its callers' sidecars saw refused or time out)
    ///     / (requests it counted + attempts refused before reaching it)
    ///
    /// A refused attempt never reached the service; a timed-out one did and is among the requests
    /// it counted (as 499, its caller having gone), so it adds a failure but no request. A request
    /// it answered with a 5xx after its caller timed out counts twice, hence the cap at 1.
    public var errorRatio: Double
    /// Latency percentiles over the window; nil when no request finished in it.
    public var latency: LatencySummary?
    /// Requests per second for each of the last seconds, oldest first (for the sparkline).
    public var rpsHistory: [Double]
    /// Errors per second for each of the last seconds, oldest first.
    public var errorHistory: [Double]
    /// Requests handled since start.
    public var requestsTotal: Int
    /// The fault injected into the service right now, `.none` when there is none (its
    /// ``FaultSpec/summary`` says it in words).
    public var fault: FaultSpec
    /// Services this one calls, by name.
    public var dependencies: [String]
    /// The service's own health checks (a failing dependency is shown there but does not make it down).
    public var checks: [HealthCheckStatus]
    /// The topics it consumes, by topic, with their lag. Absent from snapshots taken before lag
    /// was reported: they decode as none.
    public var subscriptions: [SubscriptionStatus]

    public var id: String { name }

    public init(
        name: String,
        health: Health,
        instances: [InstanceStatus] = [],
        rps: Double = 0,
        errorRatio: Double = 0,
        latency: LatencySummary? = nil,
        rpsHistory: [Double] = [],
        errorHistory: [Double] = [],
        requestsTotal: Int = 0,
        fault: FaultSpec = .none,
        dependencies: [String] = [],
        checks: [HealthCheckStatus] = [],
        subscriptions: [SubscriptionStatus] = []
    ) {
        self.name = name
        self.health = health
        self.instances = instances
        self.rps = rps
        self.errorRatio = errorRatio
        self.latency = latency
        self.rpsHistory = rpsHistory
        self.errorHistory = errorHistory
        self.requestsTotal = requestsTotal
        self.fault = fault
        self.dependencies = dependencies
        self.checks = checks
        self.subscriptions = subscriptions
    }

    private enum CodingKeys: String, CodingKey {
        case name, health, instances, rps, errorRatio, latency, rpsHistory, errorHistory, requestsTotal, fault, dependencies, checks
        case subscriptions
    }

    /// Decodes every field as encoded; `subscriptions` may be missing (a snapshot from before
    /// lag was reported) and then is empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        health = try container.decode(Health.self, forKey: .health)
        instances = try container.decode([InstanceStatus].self, forKey: .instances)
        rps = try container.decode(Double.self, forKey: .rps)
        errorRatio = try container.decode(Double.self, forKey: .errorRatio)
        latency = try container.decodeIfPresent(LatencySummary.self, forKey: .latency)
        rpsHistory = try container.decode([Double].self, forKey: .rpsHistory)
        errorHistory = try container.decode([Double].self, forKey: .errorHistory)
        requestsTotal = try container.decode(Int.self, forKey: .requestsTotal)
        fault = try container.decode(FaultSpec.self, forKey: .fault)
        dependencies = try container.decode([String].self, forKey: .dependencies)
        checks = try container.decode([HealthCheckStatus].self, forKey: .checks)
        subscriptions = try container.decodeIfPresent([SubscriptionStatus].self, forKey: .subscriptions) ?? []
    }
}

/// Up, degraded or down, with the reason when not up.
public struct Health: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case up
        case degraded
        case down
    }

    public var state: State
    public var reason: String?

    public init(_ state: State, reason: String? = nil) {
        self.state = state
        self.reason = reason
    }

    public static let up = Health(.up)
}

public struct InstanceStatus: Codable, Sendable, Equatable, Identifiable {
    public var id: String
    public var address: String
    public var version: String
    public var health: Health
    /// Requests being handled by this instance right now.
    public var inFlight: Int
    /// True while outlier detection keeps the instance out of load balancing.
    public var ejected: Bool
    /// The fault injected into this instance alone (`--fault SERVICE-N=…`), `.none` when there is
    /// none; a fault on the whole service is ``ServiceStatus/fault``.
    public var fault: FaultSpec

    public init(id: String, address: String = "", version: String = "", health: Health = .up, inFlight: Int = 0, ejected: Bool = false,
                fault: FaultSpec = .none) {
        self.id = id
        self.address = address
        self.version = version
        self.health = health
        self.inFlight = inFlight
        self.ejected = ejected
        self.fault = fault
    }

    private enum CodingKeys: String, CodingKey {
        case id, address, version, health, inFlight, ejected, fault
    }

    /// A snapshot written before instances had faults of their own decodes with `.none`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        address = try container.decode(String.self, forKey: .address)
        version = try container.decode(String.self, forKey: .version)
        health = try container.decode(Health.self, forKey: .health)
        inFlight = try container.decode(Int.self, forKey: .inFlight)
        ejected = try container.decode(Bool.self, forKey: .ejected)
        fault = try container.decodeIfPresent(FaultSpec.self, forKey: .fault) ?? .none
    }
}

public struct HealthCheckStatus: Codable, Sendable, Equatable {
    public var name: String
    public var passing: Bool
    /// True for a check of something the service depends on: reported, but it does not make the service unhealthy.
    public var isDependency: Bool
    public var message: String?

    public init(name: String, passing: Bool, isDependency: Bool = false, message: String? = nil) {
        self.name = name
        self.passing = passing
        self.isDependency = isDependency
        self.message = message
    }
}

/// One route of one service (`GET /users/:id` on user-service).
public struct RouteStatus: Codable, Sendable, Equatable, Identifiable {
    public var service: String
    public var route: String
    public var rps: Double
    public var errorRatio: Double
    public var latency: LatencySummary?
    public var requestsTotal: Int

    public var id: String { "\(service) \(route)" }

    public init(service: String, route: String, rps: Double = 0, errorRatio: Double = 0, latency: LatencySummary? = nil, requestsTotal: Int = 0) {
        self.service = service
        self.route = route
        self.rps = rps
        self.errorRatio = errorRatio
        self.latency = latency
        self.requestsTotal = requestsTotal
    }
}
