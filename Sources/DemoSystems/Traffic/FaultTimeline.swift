import Telemetry

/// Plays a run's fault changes (from `--fault` and a scenario) at their times.
///
/// Changes at the same time are applied in the order given — the command line's after the
/// scenario's, so a flag overrides the file. Pure data plus one async ``play(clock:apply:)``.
public struct FaultTimeline: Sendable, Equatable {
    /// The changes, sorted by time (stable: equal times keep their given order).
    public let changes: [ScheduledFault]

    public init(_ changes: [ScheduledFault]) {
        self.changes = changes.enumerated()
            .sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
            .map(\.element)
    }

    /// The changes due at or before `offset` since the start (those to apply before traffic starts when 0).
    public func changes(through offset: Duration) -> [ScheduledFault] {
        changes.filter { $0.at <= offset }
    }

    /// Sleeps on `clock` until each change is due (measured from the call) and hands it to `apply`,
    /// one at a time. Returns after the last change, or early (without throwing) when cancelled.
    public func play<C: Clock>(clock: C, apply: (ScheduledFault) async -> Void) async where C.Duration == Duration {
        let start = clock.now
        for change in changes {
            do {
                try await clock.sleep(until: start.advanced(by: change.at), tolerance: nil)
            } catch {
                return
            }
            await apply(change)
        }
    }
}
