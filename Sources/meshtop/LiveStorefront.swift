import DemoSystems
import ServiceMesh
import Telemetry

/// The storefront running in this process on real time: its runtime (health, heartbeats, metric
/// windows, payment queue), a fault timeline being played and open-loop traffic, until ``stop()``.
///
/// What `meshtop demo` (dashboard) and `meshtop snapshot` watch. The headless demo has its own
/// run (``HeadlessDemo``) because it drains and checks invariants at the end.
final class LiveStorefront: Sendable {
    let clock: ContinuousClock
    let shop: Storefront
    /// When the traffic started, on ``clock``.
    let startedAt: ContinuousClock.Instant
    private let runtime: Task<Void, Never>
    private let faultPlayer: Task<Void, Never>
    private let traffic: Task<TrafficRunSummary, Never>

    var mesh: Mesh { shop.mesh }

    /// Builds the storefront and starts everything at once.
    ///
    /// - Parameter trafficDuration: arrivals scheduled at or after this offset are not sent; the
    ///   dashboard passes ``untilStopped`` so traffic only ends with ``stop()``.
    init(seed: UInt64, rps: Double, faults: FaultTimeline, trafficDuration: Duration) throws(TrafficConfigurationError) {
        let clock = ContinuousClock()
        let shop = Storefront(clock: clock, seed: seed)
        let schedule = try ArrivalSchedule(rps: rps, seed: seed)
        self.clock = clock
        self.shop = shop
        startedAt = clock.now
        runtime = Task { try? await StorefrontRuntime(storefront: shop, clock: clock).run() }
        faultPlayer = Task { await faults.play(clock: clock) { shop.apply($0) } }
        let generator = TrafficGenerator(clock: clock, schedule: schedule, duration: trafficDuration)
        traffic = Task { await generator.run { kind, index in _ = await shop.send(kind, index: index) } }
    }

    /// A traffic duration no session reaches (a year): the open-loop schedule is a lazy sequence,
    /// so nothing is computed ahead, and the generator keeps no per-request state once a send returns.
    static let untilStopped = Duration.seconds(365 * 24 * 3600)

    /// Stops the traffic (requests in flight are cancelled), the fault timeline and the runtime,
    /// and waits for them to end.
    func stop() async {
        traffic.cancel()
        faultPlayer.cancel()
        _ = await traffic.value
        await faultPlayer.value
        runtime.cancel()
        await runtime.value
    }
}
