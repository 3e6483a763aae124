import DemoSystems
import Logging
import ServiceLifecycle
import UnixSignals

/// Every command runs its system the same way: a ``SystemRun`` (and, for the dashboard or a
/// snapshot, the part that watches it) as services of one swift-service-lifecycle `ServiceGroup`.
///
/// Each service ends the group gracefully when it returns: the dashboard quitting, a snapshot
/// taken or a headless run's traffic over all wind the system down the same way.
enum SystemGroup {
    /// Runs `services` until one returns (or a signal in `shutdownSignals` arrives), then shuts the
    /// rest down gracefully, last service first.
    ///
    /// - Parameter shutdownSignals: SIGTERM and SIGINT for a headless run or a snapshot; none for
    ///   the dashboard, whose terminal backend turns them into a quit itself.
    static func run(_ services: [any Service], shutdownSignals: [UnixSignal]) async throws {
        let configuration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: shutdownSignals,
            logger: quietLogger)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// The group's own log lines are debug-level lifecycle notes; meshtop's output is its report
    /// or its screen, so they go nowhere.
    private static let quietLogger = Logger(label: "meshtop.service-group") { _ in SwiftLogNoOpLogHandler() }

    /// `system` on real time with traffic until the group shuts down: what the dashboard and
    /// `snapshot` watch.
    static func live(_ system: any DemoSystem.Type, seed: UInt64, rps: Double, faults: FaultTimeline,
                     sampleRatio: Double = 1) throws(TrafficConfigurationError) -> SystemRun<ContinuousClock> {
        let clock = ContinuousClock()
        let plan = SystemRun<ContinuousClock>.Plan(rps: rps, seed: seed, faults: faults, trafficDuration: nil, ending: .stop,
                                                   sampleRatio: sampleRatio)
        return try SystemRun(system: system.make(clock: clock, seed: seed, time: nil), clock: clock, plan: plan)
    }
}
