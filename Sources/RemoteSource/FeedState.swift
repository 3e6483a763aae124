import Dashboard
import Telemetry

/// What an attach client knows about its feed: the latest snapshot, when it arrived, and where
/// the connection is. Pure: every change and question takes the time from its caller's clock.
public struct FeedState<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration, Instant: Sendable {
    public enum Phase: Sendable, Equatable {
        /// An attempt to connect is under way.
        case connecting
        /// Events arrive.
        case live
        /// The connection was lost; the next attempt starts at `retryAt`.
        case waiting(retryAt: Instant)
    }

    public private(set) var phase: Phase = .connecting
    /// The latest snapshot received; kept on screen (marked stale) while reconnecting.
    public private(set) var latest: SystemSnapshot?
    public private(set) var receivedAt: Instant?
    /// Why the last connection ended, for a person: `connection refused`, `server answered 503`.
    public private(set) var lastError: String?
    /// How many snapshots have arrived: the dashboard redraws when it changes.
    public private(set) var receivedCount = 0

    public init() {}

    /// An attempt to connect starts.
    public mutating func connecting() {
        phase = .connecting
    }

    /// A snapshot arrived: the feed is live.
    public mutating func received(_ snapshot: SystemSnapshot, at now: Instant) {
        latest = snapshot
        receivedAt = now
        receivedCount += 1
        phase = .live
        lastError = nil
    }

    /// A snapshot got by a request rather than the feed (the first contact, after a command):
    /// shown, but the feed's phase stays as it is.
    public mutating func refreshed(_ snapshot: SystemSnapshot, at now: Instant) {
        latest = snapshot
        receivedAt = now
        receivedCount += 1
    }

    /// The connection ended or could not be made; the next attempt is at `retryAt`.
    public mutating func lost(_ reason: String, retryAt: Instant) {
        lastError = reason
        phase = .waiting(retryAt: retryAt)
    }

    /// True while events arrive: requests for traces go to the server only then.
    public var isLive: Bool { phase == .live }

    /// What the header shows at `now`.
    public func status(at now: Instant) -> ConnectionStatus {
        let stale = receivedAt.map { Self.wholeSeconds($0.duration(to: now)) }
        switch phase {
        case .live:
            return .live
        case .connecting:
            return lastError == nil ? .connecting : .reconnecting(staleSeconds: stale, retryInSeconds: nil)
        case .waiting(let retryAt):
            let left = now.duration(to: retryAt)
            return .reconnecting(staleSeconds: stale, retryInSeconds: left > .zero ? Self.wholeSeconds(left, roundingUp: true) : nil)
        }
    }

    static func wholeSeconds(_ duration: Duration, roundingUp: Bool = false) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return Int(seconds) + (roundingUp && attoseconds > 0 ? 1 : 0)
    }
}
