import ServiceLifecycle
import Synchronization

/// Work repeated on a clock until its group shuts down: traffic for your own services, a poll.
///
/// Each round runs `body` to its end, then sleeps `interval`; graceful shutdown stops it after the
/// round in progress (a request already sent finishes), cancellation at once.
public struct Repeating<C: Clock>: Service where C.Duration == Duration {
    public let interval: Duration
    public let clock: C
    let body: @Sendable () async -> Void

    public init(every interval: Duration, clock: C, _ body: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.clock = clock
        self.body = body
    }

    public func run() async throws {
        let stopped = StopFlag()
        await withGracefulShutdownHandler {
            while !stopped.isSet && !Task.isCancelled {
                await body()
                do { try await clock.sleep(for: interval) } catch { return }
            }
        } onGracefulShutdown: {
            stopped.set()
        }
    }
}

extension Repeating where C == ContinuousClock {
    /// Repeats `body` every `interval` of real time.
    public init(every interval: Duration, _ body: @escaping @Sendable () async -> Void) {
        self.init(every: interval, clock: ContinuousClock(), body)
    }
}

/// Set once by the shutdown handler, read by the loop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
