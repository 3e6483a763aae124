/// Checks the rides system's invariants on a ``RidesLedger``:
///
/// 1. ``Invariant/noDriverDoubleBooked``: no driver is ever claimed for a trip while still
///    committed to another (each claim is released before the next one), and no driver holds two
///    trips now.
/// 2. ``Invariant/acceptedTripHasOneDriver``: every trip that was accepted has exactly one
///    winning accept, by the driver it names, who was available when claimed; a trip never
///    accepted has no winner.
/// 3. ``Invariant/completedTripChargedQuotedFare``: every completed trip was charged exactly its
///    quoted fare (surge included), captured once; no other trip was charged.
/// 4. ``Invariant/noTripInFlight``: once settled, every trip is completed or cancelled, every
///    driver is available and no side effect is still owed.
///
/// Pure and deterministic: violations come sorted by trip and driver id.
public enum RidesInvariantChecker {
    /// Every violation in `ledger`; empty when all invariants hold.
    ///
    /// - Parameter drained: true at the end of a run (trips in flight are violations); false to
    ///   check a running system.
    public static func check(_ ledger: RidesLedger, drained: Bool = true) -> [Violation] {
        var violations: [Violation] = []
        let tripIds = ledger.trips.keys.sorted(by: idOrder)

        // 1. No driver on two trips at once.
        var byDriver: [String: [RidesLedger.Assignment]] = [:]
        for assignment in ledger.assignments { byDriver[assignment.driverId, default: []].append(assignment) }
        for driver in byDriver.keys.sorted(by: idOrder) {
            let claims = byDriver[driver]!.sorted { $0.claimedAt < $1.claimedAt }
            for (earlier, later) in zip(claims, claims.dropFirst()) {
                if earlier.releasedAt.map({ $0 > later.claimedAt }) ?? true {
                    violations.append(Violation(invariant: .noDriverDoubleBooked, subject: "driver \(driver)",
                                                message: "driver \(driver) was claimed for trip \(later.tripId) while still committed to trip \(earlier.tripId)"))
                }
            }
        }
        var holding: [String: [String]] = [:]
        for id in tripIds {
            let trip = ledger.trips[id]!
            if trip.status.holdsDriver, let driver = trip.driverId { holding[driver, default: []].append(id) }
        }
        for driver in holding.keys.sorted(by: idOrder) where holding[driver]!.count > 1 {
            violations.append(Violation(invariant: .noDriverDoubleBooked, subject: "driver \(driver)",
                                        message: "driver \(driver) holds \(holding[driver]!.count) active trips: \(holding[driver]!.joined(separator: ", "))"))
        }

        // 2. One driver per accepted trip, available when claimed.
        var wins: [String: [String]] = [:]
        for win in ledger.wins { wins[win.tripId, default: []].append(win.driverId) }
        for id in tripIds {
            let trip = ledger.trips[id]!
            let winners = wins[id] ?? []
            let subject = "trip \(id)"
            let wasAccepted = (trip.status != .requested && trip.status != .cancelled) || trip.driverId != nil
            guard wasAccepted else {
                if !winners.isEmpty {
                    violations.append(Violation(invariant: .acceptedTripHasOneDriver, subject: subject,
                                                message: "trip \(id) is \(trip.status.rawValue) with no driver, but the accept of \(winners.joined(separator: ", ")) won it"))
                }
                continue
            }
            guard let driver = trip.driverId else {
                violations.append(Violation(invariant: .acceptedTripHasOneDriver, subject: subject, message: "trip \(id) is \(trip.status.rawValue) but names no driver"))
                continue
            }
            if winners != [driver] {
                let found = winners.isEmpty ? "none" : winners.joined(separator: ", ")
                violations.append(Violation(invariant: .acceptedTripHasOneDriver, subject: subject,
                                            message: "trip \(id) has driver \(driver) but its winning accepts were by: \(found); expected exactly one, by \(driver)"))
            }
            let claims = (byDriver[driver] ?? []).filter { $0.tripId == id }
            if claims.isEmpty {
                violations.append(Violation(invariant: .acceptedTripHasOneDriver, subject: subject, message: "trip \(id) has driver \(driver), who was never claimed for it"))
            }
            for claim in claims where claim.statusBefore != "available" {
                violations.append(Violation(invariant: .acceptedTripHasOneDriver, subject: subject,
                                            message: "trip \(id)'s driver \(driver) was \(claim.statusBefore) when claimed for it, not available"))
            }
        }

        // 3. Completed trips charged their quoted fare, once; nothing else charged.
        for id in tripIds {
            let trip = ledger.trips[id]!
            let subject = "trip \(id)"
            let charge = ledger.charges[id]
            if trip.status == .completed {
                guard let charge else {
                    violations.append(Violation(invariant: .completedTripChargedQuotedFare, subject: subject,
                                                message: "trip \(id) is completed but was never charged (expected its quoted \(trip.quotedFareCents) cents)"))
                    continue
                }
                if charge.amountCents != trip.quotedFareCents {
                    violations.append(Violation(invariant: .completedTripChargedQuotedFare, subject: subject,
                                                message: "trip \(id) was charged \(charge.amountCents) cents, not its quoted \(trip.quotedFareCents)"))
                }
                if charge.captures != 1 {
                    violations.append(Violation(invariant: .completedTripChargedQuotedFare, subject: subject,
                                                message: "trip \(id)'s fare was captured \(charge.captures) times, expected once"))
                }
            } else if let charge, drained || trip.status.isFinal {
                violations.append(Violation(invariant: .completedTripChargedQuotedFare, subject: subject,
                                            message: "trip \(id) is \(trip.status.rawValue) but \(charge.amountCents) cents were charged for it"))
            }
        }
        for id in ledger.charges.keys.sorted(by: idOrder) where ledger.trips[id] == nil {
            violations.append(Violation(invariant: .completedTripChargedQuotedFare, subject: "trip \(id)",
                                        message: "\(ledger.charges[id]!.amountCents) cents were charged for trip \(id), which does not exist"))
        }

        // 4. Nothing left in flight.
        if drained {
            for id in tripIds where !ledger.trips[id]!.status.isFinal {
                violations.append(Violation(invariant: .noTripInFlight, subject: "trip \(id)", message: "trip \(id) is still \(ledger.trips[id]!.status.rawValue) after the run settled"))
            }
            for driver in ledger.drivers.sorted(by: { idOrder($0.id, $1.id) }) where driver.status != "available" {
                violations.append(Violation(invariant: .noTripInFlight, subject: "driver \(driver.id)",
                                            message: "driver \(driver.id) is still \(driver.status)\(driver.tripId.map { " for trip \($0)" } ?? "") after the run settled"))
            }
            for followUp in ledger.pendingFollowUps {
                violations.append(Violation(invariant: .noTripInFlight, subject: "follow-ups", message: "still owed after the run settled: \(followUp)"))
            }
        }
        return violations
    }

    /// `t-9` before `t-10`: by length, then by text.
    static func idOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.count != rhs.count ? lhs.count < rhs.count : lhs < rhs
    }
}

extension Invariant {
    public static let noDriverDoubleBooked = Invariant("noDriverDoubleBooked")
    public static let acceptedTripHasOneDriver = Invariant("acceptedTripHasOneDriver")
    public static let completedTripChargedQuotedFare = Invariant("completedTripChargedQuotedFare")
    public static let noTripInFlight = Invariant("noTripInFlight")

    /// The rides system's invariants, in the order ``RidesInvariantChecker`` documents them.
    public static let rides: [Invariant] = [.noDriverDoubleBooked, .acceptedTripHasOneDriver, .completedTripChargedQuotedFare, .noTripInFlight]
}
