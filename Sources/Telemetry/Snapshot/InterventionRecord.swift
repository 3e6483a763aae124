/// A manual action (trip, force closed, reset, disable, metrics-only, fault set or cleared, policy
/// changed or restored) with who asked, when, on what, and its measured effect while it lasted:
/// counted from the real calls of the breaker, the fault it set or the edge, not estimated.
public struct InterventionRecord: Codable, Sendable, Equatable, Identifiable {
    /// Increases by one per action, from 1.
    public var id: Int
    /// The control action, as the control API names it (`trip`, `metrics-only`, `fault`, `policy`).
    public var action: ControlCommand.Action
    /// The breaker id, the service or instance a fault was set on, or the edge (`CALLER->TARGET`)
    /// whose policy changed.
    public var target: String
    /// Who asked: `dashboard`, `cli`, `scenario`, `api ADDRESS`, `run`.
    public var origin: String
    /// What was set, in words (`forced open for 30s`, `errors 70%`, `fault cleared`,
    /// `timeout 200ms, 2 attempts`).
    public var detail: String
    /// When, in seconds since the system started.
    public var atSeconds: Double
    /// When it stopped being in effect (another action on the target, a timed trip ending, the
    /// next policy change on the edge), in seconds since the system started; nil while it still
    /// is. A reset, a cleared fault or a restored policy ends at once.
    public var endedAtSeconds: Double?
    /// What ended it, in words (`reset by dashboard`, `timed trip ended`); nil while in effect.
    public var endedBy: String?
    public var effect: InterventionEffect

    public init(id: Int, action: ControlCommand.Action, target: String, origin: String, detail: String, atSeconds: Double,
                endedAtSeconds: Double? = nil, endedBy: String? = nil, effect: InterventionEffect = InterventionEffect()) {
        self.id = id
        self.action = action
        self.target = target
        self.origin = origin
        self.detail = detail
        self.atSeconds = atSeconds
        self.endedAtSeconds = endedAtSeconds
        self.endedBy = endedBy
        self.effect = effect
    }

    /// True while it is still in effect.
    public var isActive: Bool { endedAtSeconds == nil }

    /// How long it lasted, or has lasted so far at `uptimeSeconds`.
    public func secondsLasted(now uptimeSeconds: Double) -> Double {
        max(0, (endedAtSeconds ?? uptimeSeconds) - atSeconds)
    }
}

/// What an intervention did while it lasted, counted from real calls. A field is nil when it does
/// not apply to the action (a trip rejects calls, it lets none through).
public struct InterventionEffect: Codable, Sendable, Equatable {
    /// Calls the breaker rejected (trip).
    public var callsRejected: Int?
    /// Calls the breaker let through and recorded (force closed, disable, metrics-only), and how
    /// many of them failed.
    public var callsLetThrough: Int?
    public var failuresLetThrough: Int?
    /// Metrics-only: calls that went through while its policy would have been open, and how often
    /// it would have opened.
    public var wouldHaveRejected: Int?
    public var wouldHaveOpened: Int?
    /// Fault: requests it acted on (failed, delayed, refused or hung).
    public var faultsInjected: Int?
    /// Policy: the edge's calls that ended while it was in force, and how many of them failed
    /// (not answered below 500).
    public var callsMade: Int?
    public var callsFailed: Int?

    public init(callsRejected: Int? = nil, callsLetThrough: Int? = nil, failuresLetThrough: Int? = nil,
                wouldHaveRejected: Int? = nil, wouldHaveOpened: Int? = nil, faultsInjected: Int? = nil,
                callsMade: Int? = nil, callsFailed: Int? = nil) {
        self.callsRejected = callsRejected
        self.callsLetThrough = callsLetThrough
        self.failuresLetThrough = failuresLetThrough
        self.wouldHaveRejected = wouldHaveRejected
        self.wouldHaveOpened = wouldHaveOpened
        self.faultsInjected = faultsInjected
        self.callsMade = callsMade
        self.callsFailed = callsFailed
    }

    /// In words, for the panel and the text report: `412 calls rejected`,
    /// `96 let through, 61 failed; would have opened 2 times and rejected 40`; `-` for none.
    public var summary: String {
        var parts: [String] = []
        if let callsRejected { parts.append("\(callsRejected) call\(callsRejected == 1 ? "" : "s") rejected") }
        if let callsLetThrough {
            parts.append("\(callsLetThrough) let through" + (failuresLetThrough.map { ", \($0) failed" } ?? ""))
        }
        if let wouldHaveOpened {
            parts.append(wouldHaveOpened > 0 ? "would have opened \(wouldHaveOpened == 1 ? "once" : "\(wouldHaveOpened) times") and rejected \(wouldHaveRejected ?? 0)" : "would not have opened")
        }
        if let faultsInjected { parts.append("\(faultsInjected) request\(faultsInjected == 1 ? "" : "s") hit") }
        if let callsMade {
            parts.append("\(callsMade) call\(callsMade == 1 ? "" : "s")" + (callsFailed.map { ", \($0) failed" } ?? ""))
        }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
    }
}
