import ServiceLifecycle

/// Closes each second of a ``MetricsStore`` as it ends: a swift-service-lifecycle `Service` whose
/// `run()` sleeps on the injected clock until the next whole second, then calls `store.tick()`.
///
/// Run it in the `ServiceGroup` with the rest of the system; it returns when cancelled or on
/// graceful shutdown.
public struct MetricsSampler<C: Clock>: Service where C.Duration == Duration {
    public let store: MetricsStore
    public let clock: C

    /// - Parameter clock: the clock behind the store's ``TimeSource``, so "a second" is the same second.
    public init(store: MetricsStore, clock: C) {
        self.store = store
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await runUntilCancelled()
        }
    }

    /// The same loop, deaf to graceful shutdown: for an owner that decides itself when the
    /// sampling stops (it cancels the task).
    public func runUntilCancelled() async {
        while !Task.isCancelled {
            let now = store.time.now()
            let untilNextSecond = Duration.seconds(now.components.seconds + 1) - now
            do { try await clock.sleep(for: untilNextSecond) } catch { return }
            store.tick()
        }
    }
}
