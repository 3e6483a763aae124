/// Where an event store reads the time it records on each event: an injected source, never the
/// wall clock, so a simulated or tested store records reproducible times.
///
/// The embedding process decides what "now" is (meshtop passes its telemetry `TimeSource`);
/// tests pass a `Clock` they advance, or a fixed instant.
public struct RecordingTime: Sendable {
    private let read: @Sendable () -> Int64

    /// Reads nanoseconds since the Unix epoch from `unixNanoseconds` on every append.
    public init(unixNanoseconds: @escaping @Sendable () -> Int64) {
        read = unixNanoseconds
    }

    /// Time on `clock`, as the wall-clock instant `originUnixNanoseconds` plus the time the clock
    /// has moved since this call.
    public init<C: Clock>(clock: C, originUnixNanoseconds: Int64) where C.Duration == Duration {
        let origin = clock.now
        read = {
            let (seconds, attoseconds) = origin.duration(to: clock.now).components
            return originUnixNanoseconds &+ seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
        }
    }

    /// Always the same instant: for tests that do not look at times.
    public static func fixed(unixNanoseconds: Int64) -> RecordingTime {
        RecordingTime { unixNanoseconds }
    }

    /// Now, in nanoseconds since the Unix epoch.
    public func unixNanoseconds() -> Int64 { read() }
}
