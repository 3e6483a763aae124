/// A change to the resilience policy of one caller → target edge at run time: what
/// ``ControlCommand/setPolicy(edge:change:)`` carries.
///
/// JSON (flat, in the control command's object): `"timeoutMs":200,"maxAttempts":2` for a patch,
/// `"restore":true` to go back to the policy the system was built with.
public enum PolicyChange: Sendable, Equatable {
    /// These fields set on top of the edge's current policy; the others stay as they are.
    case patch(PolicyPatch)
    /// Back to the policy the system was built with (every earlier patch undone).
    case restore

    /// In words, as the interventions log shows it (`timeout 200ms, 2 attempts`, `restored`).
    public var summary: String {
        switch self {
        case .patch(let patch): patch.summary
        case .restore: "restored"
        }
    }
}

/// The fields of an edge's policy a person tunes live. A nil field is left as it is.
public struct PolicyPatch: Sendable, Equatable {
    /// The per-attempt timeout, in milliseconds (``timeoutMillisecondsRange``).
    public var timeoutMilliseconds: Int?
    /// Attempts per call, the first included: 1 turns retries off (``maxAttemptsRange``).
    public var maxAttempts: Int?

    /// 1 ms to 10 minutes: beyond that a timeout protects nothing.
    public static let timeoutMillisecondsRange = 1...600_000
    /// 1 (no retry) to 10: more would multiply a failing target's load tenfold.
    public static let maxAttemptsRange = 1...10

    public init(timeoutMilliseconds: Int? = nil, maxAttempts: Int? = nil) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.maxAttempts = maxAttempts
    }

    /// True when it sets nothing.
    public var isEmpty: Bool { timeoutMilliseconds == nil && maxAttempts == nil }

    /// What is wrong with it, naming the JSON field and what it accepts; nil when it is valid.
    public var problem: (field: String, message: String)? {
        if isEmpty {
            return ("timeoutMs", "a policy change sets at least one of timeoutMs, maxAttempts, or is \"restore\":true")
        }
        if let timeoutMilliseconds, !Self.timeoutMillisecondsRange.contains(timeoutMilliseconds) {
            return ("timeoutMs", "timeoutMs is the per-attempt timeout in milliseconds, \(Self.timeoutMillisecondsRange.lowerBound)…\(Self.timeoutMillisecondsRange.upperBound) (10 minutes), got \(timeoutMilliseconds)")
        }
        if let maxAttempts, !Self.maxAttemptsRange.contains(maxAttempts) {
            return ("maxAttempts", "maxAttempts is the attempts per call, the first included (1 turns retries off), \(Self.maxAttemptsRange.lowerBound)…\(Self.maxAttemptsRange.upperBound), got \(maxAttempts)")
        }
        return nil
    }

    /// In words: `timeout 200ms, 2 attempts`, `1 attempt (no retries)`.
    public var summary: String {
        var parts: [String] = []
        if let timeoutMilliseconds { parts.append("timeout \(PolicyPatch.milliseconds(timeoutMilliseconds))") }
        if let maxAttempts { parts.append(maxAttempts == 1 ? "1 attempt (no retries)" : "\(maxAttempts) attempts") }
        return parts.isEmpty ? "nothing" : parts.joined(separator: ", ")
    }

    /// `200ms`, `2s`, `1.5s`.
    static func milliseconds(_ value: Int) -> String {
        guard value >= 1000 else { return "\(value)ms" }
        return value % 1000 == 0 ? "\(value / 1000)s" : "\(Double(value) / 1000)s"
    }
}
