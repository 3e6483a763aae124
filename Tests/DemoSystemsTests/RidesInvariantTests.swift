import DemoSystems
import Testing

/// The rides checker on hand-made ledgers: a consistent one passes, and each invariant catches a
/// violation planted for it (and names the trip or driver).
@Suite("Rides: the invariant checker catches each planted violation")
struct RidesInvariantTests {
    typealias Ledger = RidesLedger

    /// t-1 completed by d1 (d3 lost the race and was released), t-2 cancelled before anyone
    /// accepted, t-3 accepted by d2 and then cancelled.
    static var consistent: Ledger {
        Ledger(
            trips: [
                .init(id: "t-1", status: .completed, driverId: "d1", quotedFareCents: 1_250),
                .init(id: "t-2", status: .cancelled, driverId: nil, quotedFareCents: 900),
                .init(id: "t-3", status: .cancelled, driverId: "d2", quotedFareCents: 700),
            ],
            assignments: [
                .init(driverId: "d1", tripId: "t-1", statusBefore: "available", claimedAt: 1, releasedAt: 6),
                .init(driverId: "d3", tripId: "t-1", statusBefore: "available", claimedAt: 2, releasedAt: 3),
                .init(driverId: "d2", tripId: "t-3", statusBefore: "available", claimedAt: 4, releasedAt: 5),
                .init(driverId: "d3", tripId: "t-4", statusBefore: "available", claimedAt: 7, releasedAt: 8),
            ],
            wins: [.init(tripId: "t-1", driverId: "d1"), .init(tripId: "t-3", driverId: "d2")],
            charges: [.init(tripId: "t-1", amountCents: 1_250)],
            drivers: [.init(id: "d1", status: "available"), .init(id: "d2", status: "available"), .init(id: "d3", status: "available")])
    }

    private func violations(_ change: (inout Ledger) -> Void, drained: Bool = true) -> [Violation] {
        var ledger = Self.consistent
        change(&ledger)
        return RidesInvariantChecker.check(ledger, drained: drained)
    }

    @Test func aConsistentLedgerPasses() {
        #expect(RidesInvariantChecker.check(Self.consistent).isEmpty)
        #expect(Invariant.rides == Rides.profile.invariants)
    }

    @Test("noDriverDoubleBooked: a claim while the driver was still on another trip, and two active trips held at once")
    func doubleBooked() {
        let overlapping = violations { $0.assignments.append(.init(driverId: "d1", tripId: "t-9", statusBefore: "available", claimedAt: 5, releasedAt: 9)) }
        #expect(overlapping.map(\.invariant) == [.noDriverDoubleBooked])
        #expect(overlapping.first?.message == "driver d1 was claimed for trip t-9 while still committed to trip t-1")

        let neverReleased = violations { $0.assignments[1].releasedAt = nil }
        #expect(neverReleased.map(\.invariant) == [.noDriverDoubleBooked], "d3's claim for t-1 was never released before t-4")

        let twoActive = violations({ ledger in
            ledger.trips["t-7"] = .init(id: "t-7", status: .enRoute, driverId: "d3", quotedFareCents: 800)
            ledger.trips["t-8"] = .init(id: "t-8", status: .inProgress, driverId: "d3", quotedFareCents: 800)
            ledger.wins += [.init(tripId: "t-7", driverId: "d3"), .init(tripId: "t-8", driverId: "d3")]
            ledger.assignments += [.init(driverId: "d3", tripId: "t-7", statusBefore: "available", claimedAt: 10, releasedAt: nil)]
            ledger.assignments += [.init(driverId: "d3", tripId: "t-8", statusBefore: "available", claimedAt: 11, releasedAt: nil)]
        }, drained: false)
        #expect(twoActive.map(\.invariant) == [.noDriverDoubleBooked, .noDriverDoubleBooked])
        #expect(twoActive.contains { $0.message == "driver d3 holds 2 active trips: t-7, t-8" })
    }

    @Test("acceptedTripHasOneDriver: two winning accepts, a driver claimed while busy, an accepted trip with no driver, a winner for an unaccepted trip")
    func oneDriver() {
        let twoWinners = violations { $0.wins.append(.init(tripId: "t-1", driverId: "d3")) }
        #expect(twoWinners.map(\.invariant) == [.acceptedTripHasOneDriver])
        #expect(twoWinners.first?.message == "trip t-1 has driver d1 but its winning accepts were by: d1, d3; expected exactly one, by d1")

        let busyWhenClaimed = violations { $0.assignments[0].statusBefore = "onTrip" }
        #expect(busyWhenClaimed.map(\.message) == ["trip t-1's driver d1 was onTrip when claimed for it, not available"])

        let noDriver = violations { $0.trips["t-1"]!.driverId = nil }
        #expect(noDriver.map(\.invariant).contains(.acceptedTripHasOneDriver))
        #expect(noDriver.contains { $0.message == "trip t-1 is completed but names no driver" })

        let phantomWinner = violations { $0.wins.append(.init(tripId: "t-2", driverId: "d2")) }
        #expect(phantomWinner.map(\.message) == ["trip t-2 is cancelled with no driver, but the accept of d2 won it"])

        let neverClaimed = violations { $0.assignments.remove(at: 2) }
        #expect(neverClaimed.map(\.message) == ["trip t-3 has driver d2, who was never claimed for it"])
    }

    @Test("completedTripChargedQuotedFare: not charged, charged the wrong amount, captured twice, a cancelled or unknown trip charged")
    func charged() {
        #expect(violations { $0.charges = [:] }.map(\.message) == ["trip t-1 is completed but was never charged (expected its quoted 1250 cents)"])
        #expect(violations { $0.charges["t-1"]!.amountCents = 1_000 }.map(\.message) == ["trip t-1 was charged 1000 cents, not its quoted 1250"])
        #expect(violations { $0.charges["t-1"]!.captures = 2 }.map(\.message) == ["trip t-1's fare was captured 2 times, expected once"])
        #expect(violations { $0.charges["t-3"] = .init(tripId: "t-3", amountCents: 700) }.map(\.message) == ["trip t-3 is cancelled but 700 cents were charged for it"])
        #expect(violations { $0.charges["t-99"] = .init(tripId: "t-99", amountCents: 5) }.map(\.message) == ["5 cents were charged for trip t-99, which does not exist"])
        #expect(violations { $0.charges["t-1"]!.amountCents = 1 }.allSatisfy { $0.invariant == .completedTripChargedQuotedFare })
    }

    @Test("noTripInFlight: a trip left en route, a driver left busy, a charge still owed; none of it counts while the run is live")
    func inFlight() {
        let change: (inout Ledger) -> Void = { ledger in
            ledger.trips["t-5"] = .init(id: "t-5", status: .requested, driverId: nil, quotedFareCents: 600)
            ledger.drivers[1] = .init(id: "d2", status: "enRoute", tripId: "t-6")
            ledger.pendingFollowUps = ["charge for trip t-1"]
        }
        let found = violations(change)
        #expect(found.map(\.invariant) == [.noTripInFlight, .noTripInFlight, .noTripInFlight])
        #expect(found.map(\.message) == [
            "trip t-5 is still requested after the run settled",
            "driver d2 is still enRoute for trip t-6 after the run settled",
            "still owed after the run settled: charge for trip t-1",
        ])
        #expect(violations(change, drained: false).isEmpty)
    }
}
