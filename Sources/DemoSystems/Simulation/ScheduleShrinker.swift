import Telemetry

/// Reduces a failing run's fault schedule to a small one that still fails the same way.
///
/// Pure apart from the oracle it is given: `stillFails(candidate)` runs the candidate (with the
/// same seed) and says whether it still violates the same invariant. The shrinker only proposes
/// smaller schedules and keeps the ones the oracle accepts, greedily, in passes:
/// 1. cut the run short (halving the cut while it stops failing, down to `minimumDuration`);
/// 2. drop episodes one at a time, the last first;
/// 3. shorten each remaining episode from its end, then from its start (down to `grain`);
/// 4. lower the request rate (halving the step, down to 1 req/s, whole numbers);
///
/// and passes repeat while one of them changed something, up to `maximumRuns` oracle calls.
/// Every kept schedule failed when run, so the result fails whatever the budget; it is
/// 1-minimal for drops (removing any one remaining episode makes it pass) when the budget was
/// not exhausted.
public enum ScheduleShrinker {
    public struct Result: Sendable, Equatable {
        /// The smallest failing schedule found (the input when nothing smaller fails).
        public var schedule: FaultSchedule
        /// How many times the oracle ran.
        public var runs: Int
        /// How many candidates the oracle accepted.
        public var accepted: Int
        /// True when shrinking stopped because it reached `maximumRuns`.
        public var budgetExhausted: Bool
    }

    public static func shrink(
        _ schedule: FaultSchedule,
        minimumDuration: Duration = .seconds(1),
        grain: Duration = .seconds(1),
        maximumRuns: Int = 150,
        stillFails: (FaultSchedule) async -> Bool
    ) async -> Result {
        var search = Search(current: schedule, maximumRuns: maximumRuns)
        var changed = true
        while changed, search.runs < maximumRuns {
            changed = false
            // 1. The run's length, in grains.
            let floor = max(minimumDuration, grain)
            if schedule.duration > floor {
                changed = await search.descend(from: count(search.current.duration, in: grain), to: count(floor, in: grain), stillFails) { current, grains in
                    current.cut(at: grain * grains)
                } || changed
            }
            // 2. Drop episodes, the last first (late episodes are the likeliest to be irrelevant).
            var index = search.current.episodes.count - 1
            while index >= 0 {
                var candidate = search.current
                candidate.episodes.remove(at: index)
                if await search.attempt(candidate, stillFails) { changed = true }
                index -= 1
            }
            // 3. Shorten each episode: its end earlier, then its start later.
            for index in search.current.episodes.indices {
                let episode = search.current.episodes[index]
                let endGrains = count(min(episode.end, search.current.duration), in: grain), startGrains = count(episode.start, in: grain)
                guard endGrains - startGrains > 1 else { continue }
                changed = await search.descend(from: endGrains, to: startGrains + 1, stillFails) { current, grains in
                    var candidate = current
                    candidate.episodes[index].end = grain * grains
                    return candidate
                } || changed
                let end = count(search.current.episodes[index].end, in: grain)
                // Later start: descend over the grains left before the end.
                changed = await search.descend(from: end - startGrains, to: 1, stillFails) { current, left in
                    var candidate = current
                    candidate.episodes[index].start = grain * (end - left)
                    return candidate
                } || changed
            }
            // 4. The rate.
            let rps = Int(search.current.rps.rounded(.down))
            if rps > 1 {
                changed = await search.descend(from: rps, to: 1, stillFails) { current, rate in
                    var candidate = current
                    candidate.rps = Double(rate)
                    return candidate
                } || changed
            }
        }
        return Result(schedule: search.current, runs: search.runs, accepted: search.accepted, budgetExhausted: search.runs >= maximumRuns)
    }

    private struct Search {
        var current: FaultSchedule
        let maximumRuns: Int
        var runs = 0
        var accepted = 0

        /// Runs `candidate` unless the budget is spent or it is no change; keeps it when it still fails.
        mutating func attempt(_ candidate: FaultSchedule, _ stillFails: (FaultSchedule) async -> Bool) async -> Bool {
            guard runs < maximumRuns, candidate != current else { return false }
            runs += 1
            guard await stillFails(candidate) else { return false }
            current = candidate
            accepted += 1
            return true
        }

        /// Lowers a whole-number size from `value` towards `floor`: tries `value − step`, keeps it
        /// when it still fails (and tries the same step again), halves the step when it does not.
        /// True when a smaller size was kept.
        mutating func descend(from value: Int, to floor: Int, _ stillFails: (FaultSchedule) async -> Bool,
                              make: (FaultSchedule, Int) -> FaultSchedule) async -> Bool {
            var value = value, step = (value - floor + 1) / 2, changed = false
            while step >= 1, value > floor {
                let size = max(floor, value - step)
                if await attempt(make(current, size), stillFails) {
                    value = size
                    changed = true
                } else {
                    step /= 2
                }
                if runs >= maximumRuns { break }
            }
            return changed
        }
    }
}

/// How many whole `grain`s fit in `duration` (rounded down).
private func count(_ duration: Duration, in grain: Duration) -> Int {
    Int(duration.nanoseconds / grain.nanoseconds)
}
