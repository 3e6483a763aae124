import Randomness
import Telemetry

/// Swarm faults: each seed draws a fault schedule of its own, so a sweep over many seeds tries
/// many different combinations instead of one fixed chaos recipe.
///
/// As in swarm testing (Groce et al.), a seed first decides which fault *kinds* and which
/// *targets* are switched on at all — some seeds only slow things down, some only break the
/// inventory — and then draws episodes from that subset: when each starts, how long it lasts,
/// how hard it hits (an error ratio from 5 % to 100 % with status 503 or 500, latency from 50 ms
/// to 5 s, a target down, a target that hangs). A subset finds bugs a mix of everything hides (a
/// fault that trips a breaker early can shield the path a later fault would have broken).
///
/// Draws come from the seed's own stream, `SeededRandom(seed:component: "sim.swarm-faults")`,
/// so drawing the schedule shifts nothing else the run draws (traffic, request mix, jitter): the
/// same seed with `--faults none` sends the same requests.
///
/// Never drawn: a `hang` on the system's entry (its gateway, or one of its instances): the entry
/// gets `down` instead. A hung gateway once held the run open forever (swarm seed 10 of
/// `storefront --duration 20s` found it); clients now give up after ``SystemRun/Plan/clientTimeout``,
/// but a hung entry would test that patience rather than the system.
///
/// Load shape is not drawn: the traffic generator takes one constant rate (an open-loop Poisson
/// schedule), and the rate is the run's `--rps`.
public enum SwarmFaults {
    /// The component label the draws come from.
    public static let component = "sim.swarm-faults"

    /// The fault kinds swarm draws from: every kind `--fault` and a scenario accept.
    public static let kinds: [FaultSpec.Kind] = [.errors, .latency, .down, .hang]

    /// Latencies drawn for a latency fault, in milliseconds.
    static let latencies: [Double] = [50, 100, 200, 500, 1000, 2000, 5000]

    /// The most episodes one seed draws.
    public static let maximumEpisodes = 6

    /// The schedule `seed` draws for a run of `duration` at `rps` over `targets` (a system's
    /// ``SystemProfile/faultTargets``). Episodes on one target never overlap. Same arguments, same
    /// schedule.
    ///
    /// - Parameter entry: the service traffic enters through (the profile's first), which never hangs.
    public static func draw(seed: UInt64, targets: [String], entry: String? = nil, rps: Double, duration: Duration) -> FaultSchedule {
        var random = SeededRandom(seed: seed, component: component)
        // Whole seconds read best in a scenario file; a short run needs a finer grain.
        let grain: Duration = duration >= .seconds(20) ? .seconds(1) : .milliseconds(100)
        let steps = Int(duration.nanoseconds / grain.nanoseconds)
        // One seed in sixteen runs without faults: the baseline must hold too.
        guard steps >= 2, !targets.isEmpty, random.nextIndex(below: 16) != 0 else {
            return FaultSchedule(rps: rps, duration: duration, episodes: [])
        }
        let kinds = subset(of: kinds, using: &random)
        let chosenTargets = subset(of: targets, using: &random)
        let count = 1 + random.nextIndex(below: maximumEpisodes)

        var drawn: [FaultSchedule.Episode] = []
        for _ in 0..<count {
            let kind = kinds[random.nextIndex(below: kinds.count)]
            let target = chosenTargets[random.nextIndex(below: chosenTargets.count)]
            // Starts in the first 90 % of the run; lasts from a twentieth to half of it.
            let start = random.nextIndex(below: max(1, steps * 9 / 10))
            let shortest = max(1, steps / 20), longest = max(shortest, steps / 2)
            let length = shortest + random.nextIndex(below: longest - shortest + 1)
            let fault: FaultSpec
            switch kind {
            case .errors:
                let ratio = Double(1 + random.nextIndex(below: 20)) / 20
                fault = .errors(ratio: ratio, status: random.nextIndex(below: 4) == 0 ? 500 : 503)
            case .latency:
                fault = .latency(milliseconds: latencies[random.nextIndex(below: latencies.count)])
            case .down:
                fault = .down
            case .hang, .none:
                fault = isEntry(target, entry) ? .down : .hang
            }
            drawn.append(FaultSchedule.Episode(target: target, fault: fault, start: grain * start,
                                               end: min(duration, grain * (start + length))))
        }
        return FaultSchedule(rps: rps, duration: duration, episodes: separated(drawn))
    }

    /// The schedule as a scenario, named after the system and seed, with the seed in it so the
    /// file replays the run on its own.
    public static func scenario(system: String, seed: UInt64, targets: [String], entry: String? = nil, rps: Double, duration: Duration) -> Scenario {
        draw(seed: seed, targets: targets, entry: entry, rps: rps, duration: duration)
            .scenario(name: "\(system)-swarm-\(seed)", description: "swarm faults drawn by seed \(seed)", seed: seed)
    }

    /// Whether `target` is `entry` or one of its instances (`gateway-2`).
    static func isEntry(_ target: String, _ entry: String?) -> Bool {
        guard let entry else { return false }
        if target == entry { return true }
        guard target.hasPrefix(entry + "-") else { return false }
        let suffix = target.dropFirst(entry.count + 1)
        return !suffix.isEmpty && suffix.allSatisfy(\.isASCIIDigit)
    }

    /// A non-empty subset: each element kept with probability ½; when none is, one drawn at random.
    private static func subset<T>(of elements: [T], using random: inout SeededRandom) -> [T] {
        let kept = elements.filter { _ in random.next() & 1 == 1 }
        return kept.isEmpty ? [elements[random.nextIndex(below: elements.count)]] : kept
    }

    /// `episodes` in start order (stable), each cut short where the next one on its target starts,
    /// so a target has one fault at a time and the scenario's changes mean what the episodes say.
    static func separated(_ episodes: [FaultSchedule.Episode]) -> [FaultSchedule.Episode] {
        var sorted = episodes.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        var lastOnTarget: [String: Int] = [:]
        for index in sorted.indices {
            if let previous = lastOnTarget[sorted[index].target], sorted[previous].end > sorted[index].start {
                sorted[previous].end = sorted[index].start
            }
            lastOnTarget[sorted[index].target] = index
        }
        return sorted.filter { $0.end > $0.start }
    }
}
