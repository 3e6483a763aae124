import Resilience
import Synchronization
import Telemetry

/// The manual actions taken on a mesh (``Mesh/perform(_:origin:)``), each linked to what
/// measures its effect: the breaker's manual episode (its counts of real calls, kept by the
/// breaker under its lock), the transport's count of requests the fault acted on, or the
/// edge's own call counts (`client_requests_total`) for a policy change.
///
/// Thread safety: all methods may be called from any task.
final class InterventionLog: Sendable {
    /// What measures an action's effect.
    enum Link {
        /// The breaker's manual episode `episode` (nil for a reset: it ends one, starts none);
        /// `origin` is the mesh time of the breaker's clock origin.
        case breaker(CircuitBreaker, origin: Duration, episode: Int?)
        /// The transport's count at `key` when the fault was set.
        case fault(InProcessTransport.FaultKey, countAtStart: Int)
        /// The edge's call counts when its policy was changed.
        case edgeCalls(caller: String, target: String, atStart: EdgeCallCount)
    }

    struct Entry {
        var id: Int
        var action: ControlCommand.Action
        var target: String
        var origin: ActionOrigin
        var detail: String
        /// Mesh time.
        var at: Duration
        var link: Link
        /// A reset or a cleared fault: in effect for no time, it ends what was before it.
        var endsAtOnce: Bool
        /// The next action on the target, which ended this one if it was still in effect (for
        /// a breaker, its episode says whether and when it ended).
        var endedBy: (at: Duration, words: String)?
        /// A fault's end and its count then.
        var faultEnd: (at: Duration, count: Int)?
        /// A policy change's end and the edge's call counts then.
        var callsEnd: EdgeCallCount?

        /// A policy change is ended only by the next one on its edge, and ends nothing else: a
        /// breaker's manual state lives on under a new timeout (the breaker id is the edge's too).
        func sharesSlot(with action: ControlCommand.Action, target: String) -> Bool {
            self.target == target && (self.action == .policy) == (action == .policy)
        }
    }

    private struct State {
        var entries: [Entry] = []
        var nextID = 1
    }

    private let state = Mutex(State())
    /// How many actions are kept (the newest).
    static let capacity = 200

    /// Records an action. With `endsPrevious` (the breaker was in a manual state, a fault is
    /// replaced, an edge's policy changed again), the last earlier action of its kind on the same
    /// target is marked as ended by this one; `faultCountNow` and `edgeCallsNow` are the counts
    /// it ended with.
    func record(_ action: ControlCommand.Action, target: String, origin: ActionOrigin, detail: String, at: Duration,
                link: Link, endsAtOnce: Bool = false, endsPrevious: Bool = true, faultCountNow: Int? = nil,
                edgeCallsNow: EdgeCallCount? = nil) {
        state.withLock { state in
            if endsPrevious,
               let index = state.entries.lastIndex(where: { $0.sharesSlot(with: action, target: target) && $0.endedBy == nil && !$0.endsAtOnce }) {
                state.entries[index].endedBy = (at, "\(action.rawValue) by \(origin)")
                switch state.entries[index].link {
                case .fault: if let faultCountNow { state.entries[index].faultEnd = (at, faultCountNow) }
                case .edgeCalls: state.entries[index].callsEnd = edgeCallsNow
                case .breaker: break
                }
            }
            state.entries.append(Entry(id: state.nextID, action: action, target: target, origin: origin, detail: detail, at: at,
                                       link: link, endsAtOnce: endsAtOnce))
            state.nextID += 1
            if state.entries.count > Self.capacity { state.entries.removeFirst(state.entries.count - Self.capacity) }
        }
    }

    /// Every kept action as the snapshot reports it, oldest first, with effects measured now.
    /// `statuses` holds breakers' statuses already read (by the snapshot), so its breakers and
    /// its interventions agree.
    func records(now: Duration, faultCount: (InProcessTransport.FaultKey) -> Int,
                 edgeCalls: (_ caller: String, _ target: String) -> EdgeCallCount,
                 statuses known: [ObjectIdentifier: CircuitBreaker.Status] = [:]) -> [InterventionRecord] {
        let entries = state.withLock { $0.entries }
        // One status per breaker, however many actions name it.
        var statuses = known
        return entries.map { entry in
            var record = InterventionRecord(id: entry.id, action: entry.action, target: entry.target, origin: entry.origin.rawValue,
                                            detail: entry.detail, atSeconds: entry.at.seconds)
            if entry.endsAtOnce {
                record.endedAtSeconds = entry.at.seconds
                return record
            }
            switch entry.link {
            case .breaker(let breaker, let origin, let sequence):
                guard let sequence else { break }
                let key = ObjectIdentifier(breaker)
                let status = statuses[key] ?? breaker.status()
                statuses[key] = status
                guard let episode = status.manualEpisodes.first(where: { $0.sequence == sequence }) else {
                    record.endedAtSeconds = entry.endedBy?.at.seconds ?? entry.at.seconds
                    record.endedBy = "no longer measured (older than the breaker's newest \(CircuitBreakerStateMachine.episodeLimit) manual states)"
                    break
                }
                if let ended = episode.ended {
                    record.endedAtSeconds = (origin + ended).seconds
                    // No next action ended it: it ran out (a timed trip).
                    record.endedBy = entry.endedBy?.words ?? (episode.state == .forcedOpen ? "timed trip ended" : "ended")
                } else if let next = entry.endedBy {
                    // The breaker was replaced (a policy change made a new one): this one no longer acts.
                    record.endedAtSeconds = next.at.seconds
                    record.endedBy = next.words
                }
                record.effect = Self.effect(of: episode)
            case .fault(let key, let countAtStart):
                let end = entry.faultEnd
                record.endedAtSeconds = end.map { $0.at.seconds }
                record.endedBy = entry.endedBy?.words
                record.effect = InterventionEffect(faultsInjected: (end?.count ?? faultCount(key)) - countAtStart)
            case .edgeCalls(let caller, let target, let start):
                record.endedAtSeconds = entry.endedBy?.at.seconds
                record.endedBy = entry.endedBy?.words
                let end = entry.callsEnd ?? edgeCalls(caller, target)
                record.effect = InterventionEffect(callsMade: end.calls - start.calls, callsFailed: end.failed - start.failed)
            }
            return record
        }
    }

    static func effect(of episode: ManualEpisode) -> InterventionEffect {
        switch episode.state {
        case .forcedOpen:
            InterventionEffect(callsRejected: episode.rejected)
        case .metricsOnly:
            InterventionEffect(callsLetThrough: episode.succeeded + episode.failed, failuresLetThrough: episode.failed,
                               wouldHaveRejected: episode.wouldHaveRejected, wouldHaveOpened: episode.wouldHaveOpened)
        default:
            InterventionEffect(callsLetThrough: episode.succeeded + episode.failed, failuresLetThrough: episode.failed)
        }
    }
}
