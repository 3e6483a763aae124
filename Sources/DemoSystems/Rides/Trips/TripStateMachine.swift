/// Where a trip is in its life.
///
///     requested → accepted → enRoute → inProgress → completed
///         ↘           ↘          ↘
///                 cancelled
///
/// A trip in progress is not cancelled: the rider is in the car, so it ends by being completed.
public enum TripStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for one of the offered drivers to accept.
    case requested
    /// A driver won the race to accept it. trip-service sends the winner on its way in the same
    /// step (accept, then depart), so no trip waits here with no pickup due.
    case accepted
    /// The driver is on the way to the pickup.
    case enRoute
    /// The rider has been picked up.
    case inProgress
    case completed
    case cancelled

    /// Completed or cancelled: nothing more happens to the trip.
    public var isFinal: Bool { self == .completed || self == .cancelled }

    /// A driver is committed to it: accepted, en route or in progress.
    public var holdsDriver: Bool { self == .accepted || self == .enRoute || self == .inProgress }
}

/// What happens to a trip.
public enum TripEvent: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// An offered driver accepts (the race's winner).
    case accept
    /// The accepted driver sets off to the pickup.
    case depart
    /// The driver picks the rider up.
    case pickUp
    /// The driver drops the rider off.
    case dropOff
    /// The rider or driver calls it off, or no driver accepted in time.
    case cancel

    public var description: String { rawValue }
}

/// The trip state machine: which event moves a trip from which status to which. Pure; trip-service
/// applies it under its lock, so a transition is a compare-and-set on the status.
public enum TripStateMachine {
    /// Every allowed transition; anything else is refused.
    public static let transitions: [(from: TripStatus, event: TripEvent, to: TripStatus)] = [
        (.requested, .accept, .accepted),
        (.accepted, .depart, .enRoute),
        (.enRoute, .pickUp, .inProgress),
        (.inProgress, .dropOff, .completed),
        (.requested, .cancel, .cancelled),
        (.accepted, .cancel, .cancelled),
        (.enRoute, .cancel, .cancelled),
    ]

    /// The status `event` moves a trip in `status` to.
    ///
    /// - Throws: ``TripTransitionError`` naming the statuses the event is allowed from.
    public static func next(_ status: TripStatus, on event: TripEvent) throws(TripTransitionError) -> TripStatus {
        for transition in transitions where transition.from == status && transition.event == event {
            return transition.to
        }
        throw TripTransitionError(status: status, event: event)
    }

    /// The statuses `event` may be applied in.
    public static func allowedFrom(_ event: TripEvent) -> [TripStatus] {
        transitions.filter { $0.event == event }.map(\.from)
    }
}

/// An event a trip's status does not allow (picking up a cancelled trip, cancelling a completed one).
public struct TripTransitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: TripStatus
    public var event: TripEvent

    public var description: String {
        let allowed = TripStateMachine.allowedFrom(event).map(\.rawValue).joined(separator: ", ")
        return "cannot \(event) a trip that is \(status.rawValue) (allowed from: \(allowed))"
    }
}
