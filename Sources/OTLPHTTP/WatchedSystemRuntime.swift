import OTLP
import ServiceLifecycle
import Telemetry

/// What keeps a watched system current: its metric seconds close on `clock`, and its trace
/// store assembles arriving spans off the receiver's path. Runs until graceful shutdown.
public struct WatchedSystemRuntime<C: Clock>: Service where C.Duration == Duration {
    public let system: WatchedSystem
    public let clock: C

    public init(system: WatchedSystem, clock: C) {
        self.system = system
        self.clock = clock
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await system.traces.runAssembler() }
            group.addTask { await MetricsSampler(store: system.metrics, clock: clock).runUntilCancelled() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
