import Telemetry

/// A run's faults as episodes — this fault on this target from `start` until `end` — with the
/// rate and the length of the run: the shape swarm draws and the shrinker reduces.
///
/// A ``Scenario`` says the same as a list of changes (`errors:0.6` at 10 s, `none` at 30 s); an
/// episode pairs a change with the one that ends it, so dropping or shortening a fault is one edit.
/// ``scenario(name:description:seed:)`` and ``init(_:)`` convert both ways; for a scenario whose
/// changes never overlap on one target the round trip gives the same changes back.
public struct FaultSchedule: Sendable, Equatable {
    /// One fault held on one target for a while.
    public struct Episode: Sendable, Equatable {
        public var target: String
        /// Never `.none`.
        public var fault: FaultSpec
        public var start: Duration
        /// When the fault is lifted; at or after the run's end means it is never lifted during the traffic.
        public var end: Duration

        public init(target: String, fault: FaultSpec, start: Duration, end: Duration) {
            self.target = target
            self.fault = fault
            self.start = start
            self.end = end
        }

        public var length: Duration { end - start }
    }

    /// Requests per second.
    public var rps: Double
    /// How long traffic runs.
    public var duration: Duration
    /// In start order (ties: in the order given).
    public var episodes: [Episode]

    public init(rps: Double, duration: Duration, episodes: [Episode]) {
        self.rps = rps
        self.duration = duration
        self.episodes = episodes
    }

    /// The episodes of `scenario`'s changes, with its rate and duration. A change on a target that
    /// already has a fault ends that episode and starts the next; `none` ends it; an episode still
    /// open at the end lasts to the end of the run.
    public init(_ scenario: Scenario) {
        self.init(rps: scenario.rps, duration: scenario.duration, changes: scenario.faults)
    }

    /// The episodes of `changes` (a fault timeline's, in any order: they are played in time order).
    public init(rps: Double, duration: Duration, changes: [ScheduledFault]) {
        var episodes: [Episode] = []
        // Looked up, never iterated: the episodes come out in the order their changes were played.
        var open: [String: Int] = [:]
        for change in FaultTimeline(changes).changes {
            if let index = open.removeValue(forKey: change.service) {
                episodes[index].end = change.at
            }
            if change.fault != .none {
                open[change.service] = episodes.count
                episodes.append(Episode(target: change.service, fault: change.fault, start: change.at, end: duration))
            }
        }
        self.init(rps: rps, duration: duration, episodes: episodes.filter { $0.end > $0.start })
    }

    /// The schedule as fault changes: each episode's fault at its start and `none` at its end
    /// (left out when the end is at or after the run's end: settling lifts every fault anyway).
    /// Sorted by time; at one instant a `none` comes before a new fault, so an episode that
    /// starts when another ends on the same target is not cleared by it.
    public var changes: [ScheduledFault] {
        var changes: [(change: ScheduledFault, order: Int)] = []
        for episode in episodes where episode.start < duration && episode.end > episode.start {
            changes.append((ScheduledFault(at: episode.start, service: episode.target, fault: episode.fault), 1))
            if episode.end < duration {
                changes.append((ScheduledFault(at: episode.end, service: episode.target, fault: .none), 0))
            }
        }
        return changes.enumerated()
            .sorted { ($0.element.change.at, $0.element.order, $0.offset) < ($1.element.change.at, $1.element.order, $1.offset) }
            .map(\.element.change)
    }

    /// The schedule as a scenario file's contents.
    public func scenario(name: String, description: String?, seed: UInt64?) -> Scenario {
        Scenario(name: name, description: description, rps: rps, duration: duration, seed: seed, faults: changes)
    }

    /// The same schedule cut at `newDuration`: episodes that start at or after it are dropped,
    /// the others end by it.
    public func cut(at newDuration: Duration) -> FaultSchedule {
        FaultSchedule(rps: rps, duration: newDuration, episodes: episodes.filter { $0.start < newDuration }.map { episode in
            var episode = episode
            episode.end = min(episode.end, newDuration)
            return episode
        })
    }

    /// Total fault time, for comparing schedules (episodes are counted to the end of the run at most).
    public var faultTime: Duration {
        episodes.reduce(.zero) { $0 + (min($1.end, duration) - $1.start) }
    }

    /// "3 faults over 2m at 200 req/s", for reports.
    public var summary: String {
        "\(episodes.count) fault\(episodes.count == 1 ? "" : "s") over \(DurationParser.format(duration)) at \(JSONPath.plain(rps)) req/s"
    }
}
