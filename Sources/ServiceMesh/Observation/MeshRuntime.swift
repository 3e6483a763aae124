import ServiceLifecycle
import Telemetry

/// The mesh's long-running work as one swift-service-lifecycle `Service`: health checks,
/// heartbeats, registry sweeps, event delivery, closing each second of the metric windows, and
/// assembling finished spans into traces off the callers' path.
///
/// On graceful shutdown it stops taking new ingress requests, waits (up to `drainTimeout`) for
/// in-flight requests and queued events to finish, then returns.
public struct MeshRuntime<C: Clock>: Service where C.Duration == Duration {
    public let mesh: Mesh
    public let clock: C
    public var healthCheckInterval: Duration
    public var heartbeatInterval: Duration
    public var drainTimeout: Duration

    public init(mesh: Mesh, clock: C, healthCheckInterval: Duration = .seconds(2), heartbeatInterval: Duration = .seconds(3),
                drainTimeout: Duration = .seconds(5)) {
        self.mesh = mesh
        self.clock = clock
        self.healthCheckInterval = healthCheckInterval
        self.heartbeatInterval = heartbeatInterval
        self.drainTimeout = drainTimeout
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await runUntilCancelled() }
            // Until graceful shutdown (or cancellation); then drain, and stop the loops.
            try? await gracefulShutdown()
            await drain()
            group.cancelAll()
        }
    }

    /// The loops alone (health checks, heartbeats and sweeps, event delivery, trace assembly,
    /// metric windows), deaf to graceful shutdown: they run until the calling task is cancelled.
    ///
    /// For an owner that orders its own shutdown, as a run of a whole system does: stop the
    /// traffic, let queued work finish while events are still delivered, ``drain()``, then cancel.
    public func runUntilCancelled() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await every(healthCheckInterval) { await mesh.runHealthChecks() } }
            group.addTask { await every(heartbeatInterval) { mesh.sendHeartbeats(); mesh.sweepRegistry() } }
            group.addTask { await mesh.eventBus.run() }
            group.addTask { await mesh.telemetry.traces.runAssembler() }
            group.addTask { await MetricsSampler(store: mesh.telemetry.metricsStore, clock: clock).runUntilCancelled() }
        }
    }

    private func every(_ interval: Duration, _ body: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            await body()
            do { try await clock.sleep(for: interval) } catch { return }
        }
    }

    /// Stops new work and waits for in-flight requests and queued events, up to `drainTimeout`.
    public func drain() async {
        mesh.beginDraining()
        let deadline = clock.now.advanced(by: drainTimeout)
        while clock.now < deadline, mesh.totalInFlight > 0 || mesh.eventBus.pendingCount > 0 {
            do { try await clock.sleep(for: .milliseconds(10)) } catch { break }
        }
        mesh.telemetry.events.record(source: mesh.name, kind: .info,
                                     message: "drained: \(mesh.totalInFlight) requests and \(mesh.eventBus.pendingCount) events left")
    }
}
