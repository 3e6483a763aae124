/// Where a simulated run's virtual clock is, as the header shows it: `SIM seed=7  t=00:12:31.250  ×10`.
public struct SimulationStatus: Sendable, Equatable {
    public var seed: UInt64
    /// Virtual time since the start of the run.
    public var virtualTime: Duration
    /// The speed after `×`: `1`, `10`, `100`, `max`.
    public var speed: String
    public var isPaused: Bool
    /// The run is over: the clock stays where it ended; the dashboard still browses.
    public var hasEnded: Bool
    /// What the run has to say by itself (how it ended, its first violation): the notice line
    /// shows it once, when ``announcementNumber`` changes.
    public var announcement: SimulationReply?
    public var announcementNumber: Int

    public init(seed: UInt64, virtualTime: Duration, speed: String, isPaused: Bool, hasEnded: Bool = false,
                announcement: SimulationReply? = nil, announcementNumber: Int = 0) {
        self.seed = seed
        self.virtualTime = virtualTime
        self.speed = speed
        self.isPaused = isPaused
        self.hasEnded = hasEnded
        self.announcement = announcement
        self.announcementNumber = announcementNumber
    }

    /// `00:12:31.250`: the virtual time to the millisecond.
    public var timeText: String {
        let (seconds, attoseconds) = virtualTime.components
        return Format.clockMillis(Double(seconds) + Double(attoseconds / 1_000_000_000_000_000) / 1000)
    }
}

/// What a time-control key asks of a simulated run's source.
public enum SimulationControl: Sendable, Hashable {
    case togglePause
    /// One step up (+1) or down (-1) the speeds: 1×, 10×, 100×, as fast as possible.
    case changeSpeed(by: Int)
    /// While paused: advance this much virtual time, then pause again.
    case step(Duration)
    /// Run unpaced to a virtual time, then pause there. A time behind the run: the source
    /// simulates the run again from its seed, to that time.
    case goTo(Duration)
    /// Run unpaced until the run's invariants are checked, and pause at the first violation.
    case firstViolation
}

/// A simulated run's answer to a time control, for the notice line.
public struct SimulationReply: Sendable, Equatable {
    public var text: String
    public var isError: Bool

    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// Virtual times as a person types them at the `t` prompt.
public enum SimulationTime {
    /// What the prompt accepts, for its error message.
    public static let accepted = "a time such as 12m, 90s, 1h30m, 500ms or 00:12:31 (hh:mm:ss, with .mmm if you like)"

    /// `12m`, `90s`, `1h30m`, `500ms`, `1.5s`, `00:12:31`, `12:31`, `00:12:31.250` as a duration;
    /// nil when the text is none of these.
    public static func parse(_ text: String) -> Duration? {
        let text = text.trimmingWhitespace
        guard !text.isEmpty else { return nil }
        if text.contains(":") { return parseClock(text) }
        var total = Duration.zero
        var rest = Substring(text)
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return nil
            }
            total += .milliseconds(Int64((value * scale * 1000).rounded()))
        }
        return total
    }

    /// `hh:mm:ss(.mmm)` or `mm:ss(.mmm)`.
    private static func parseClock(_ text: String) -> Duration? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        var seconds = 0.0
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            guard !part.isEmpty, part.allSatisfy({ $0.isNumber || (isLast && $0 == ".") }), let value = Double(part) else { return nil }
            if index > 0, value >= 60 { return nil }
            seconds = seconds * 60 + value
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

extension String {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
