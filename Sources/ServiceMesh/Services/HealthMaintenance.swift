import Logging
import Telemetry

extension Mesh {
    /// Runs every live instance's health checks once (its service's checks plus its liveness) and
    /// tells the registry; logs each instance whose verdict changed. ``MeshRuntime`` calls this on
    /// an interval; tests call it directly.
    public func runHealthChecks() async {
        let runtimes = state.withLock { Array($0.instances.values) }.sorted { $0.instance < $1.instance }
        for runtime in runtimes {
            var checks = runtime.deployed.service.healthChecks
            let override = runtime.healthOverride.withLock { $0 }
            checks.insert(HealthCheck(name: "liveness") { override.map(HealthCheckResult.fail) ?? .pass }, at: 0)
            let report = await HealthReport.run(checks)
            let previous = runtime.lastReport.withLock { last in
                defer { last = report }
                return last
            }
            let failing = report.entries.first { !$0.passing && !$0.isDependency }
            registry.setCheckResult(runtime.instance, failure: failing.map { "\($0.name)\($0.message.map { ": \($0)" } ?? "")" })
            if previous?.isHealthy != report.isHealthy, previous != nil || !report.isHealthy {
                let message = report.isHealthy ? "\(runtime.instance.id) is healthy again" : "\(runtime.instance.id) is unhealthy: \(failing?.name ?? "")\(failing?.message.map { " (\($0))" } ?? "")"
                telemetry.events.record(source: runtime.instance.service, kind: .healthChange, message: message,
                                        attributes: ["instance": runtime.instance.id])
                runtime.deployed.logger.log(level: report.isHealthy ? .notice : .warning, "\(message)", metadata: ["instance": .string(runtime.instance.id)])
            }
        }
    }

    /// Every live, heartbeating instance renews its registry TTL.
    public func sendHeartbeats() {
        let runtimes = state.withLock { Array($0.instances.values) }
        for runtime in runtimes where runtime.heartbeating.load(ordering: .relaxed) {
            try? registry.heartbeat(runtime.instance)
        }
    }

    /// Applies the registry's TTL rules and logs what changed.
    public func sweepRegistry() {
        for change in registry.sweep() {
            switch change {
            case .statusChanged(let instance, let status, let reason):
                let message = "\(instance.id) is \(status.rawValue)\(reason.map { ": \($0)" } ?? "")"
                telemetry.events.record(source: instance.service, kind: .healthChange, message: message, attributes: ["instance": instance.id])
                telemetry.logger(for: instance.service).log(level: status == .passing ? .notice : .warning, "\(message)", metadata: ["instance": .string(instance.id)])
            case .deregistered(let instance, let reason):
                telemetry.events.record(source: instance.service, kind: .healthChange, message: "\(instance.id) removed from the registry: \(reason)",
                                        attributes: ["instance": instance.id])
                telemetry.logger(for: instance.service).warning("\(instance.id) removed from the registry: \(reason)", metadata: ["instance": .string(instance.id)])
            case .registered:
                break
            }
        }
    }
}
