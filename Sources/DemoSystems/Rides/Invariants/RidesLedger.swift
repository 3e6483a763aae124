/// What the rides services hold at the end of a run, gathered in one plain value so
/// ``RidesInvariantChecker`` can prove no driver was double-booked and every ride was paid right.
///
/// Each service contributes its own part: trip-service the trips, the accepts it let win and the
/// side effects still owed; driver-service every claim of a driver and the drivers' statuses now;
/// payment-service the charges. Money is in integer cents.
public struct RidesLedger: Sendable, Equatable {
    /// Trips by id.
    public var trips: [String: Trip]
    /// Every claim of a driver for a trip, in the order driver-service made them.
    public var assignments: [Assignment]
    /// Every accept trip-service answered as the race's winner.
    public var wins: [Win]
    /// Charges by trip id.
    public var charges: [String: Charge]
    public var drivers: [DriverState]
    /// Side effects trip-service still owes (a charge, a driver's release), in words.
    public var pendingFollowUps: [String]

    public init(trips: [Trip] = [], assignments: [Assignment] = [], wins: [Win] = [], charges: [Charge] = [], drivers: [DriverState] = [],
                pendingFollowUps: [String] = []) {
        self.trips = Dictionary(trips.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        self.assignments = assignments
        self.wins = wins
        self.charges = Dictionary(charges.map { ($0.tripId, $0) }, uniquingKeysWith: { _, last in last })
        self.drivers = drivers
        self.pendingFollowUps = pendingFollowUps
    }

    public struct Trip: Sendable, Equatable {
        public var id: String
        public var status: TripStatus
        public var driverId: String?
        /// The fare quoted when the ride was requested, surge included.
        public var quotedFareCents: Int

        public init(id: String, status: TripStatus, driverId: String?, quotedFareCents: Int) {
            self.id = id
            self.status = status
            self.driverId = driverId
            self.quotedFareCents = quotedFareCents
        }
    }

    /// A driver claimed for a trip: from `claimedAt` to `releasedAt` on driver-service's own
    /// logical clock (nil while the driver is still committed).
    public struct Assignment: Sendable, Equatable {
        public var driverId: String
        public var tripId: String
        /// The driver's status when claimed (`available` unless something is wrong).
        public var statusBefore: String
        public var claimedAt: Int
        public var releasedAt: Int?

        public init(driverId: String, tripId: String, statusBefore: String, claimedAt: Int, releasedAt: Int?) {
            self.driverId = driverId
            self.tripId = tripId
            self.statusBefore = statusBefore
            self.claimedAt = claimedAt
            self.releasedAt = releasedAt
        }
    }

    /// An accept that won its trip.
    public struct Win: Sendable, Equatable {
        public var tripId: String
        public var driverId: String

        public init(tripId: String, driverId: String) {
            self.tripId = tripId
            self.driverId = driverId
        }
    }

    /// Money captured for one trip, and how many times payment-service captured it.
    public struct Charge: Sendable, Equatable {
        public var tripId: String
        public var amountCents: Int
        public var captures: Int

        public init(tripId: String, amountCents: Int, captures: Int = 1) {
            self.tripId = tripId
            self.amountCents = amountCents
            self.captures = captures
        }
    }

    public struct DriverState: Sendable, Equatable {
        public var id: String
        /// `available`, `enRoute` or `onTrip`.
        public var status: String
        public var tripId: String?

        public init(id: String, status: String, tripId: String? = nil) {
            self.id = id
            self.status = status
            self.tripId = tripId
        }
    }

    /// How many trips are in `status`.
    public func count(_ status: TripStatus) -> Int {
        trips.values.count { $0.status == status }
    }
}
