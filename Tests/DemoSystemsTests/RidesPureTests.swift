import DemoSystems
import Testing

@Suite("Rides: the trip state machine")
struct RidesTripStateMachineTests {
    static let allowed: [TripStatus: [TripEvent: TripStatus]] = [
        .requested: [.accept: .accepted, .cancel: .cancelled],
        .accepted: [.depart: .enRoute, .cancel: .cancelled],
        .enRoute: [.pickUp: .inProgress, .cancel: .cancelled],
        .inProgress: [.dropOff: .completed],
        .completed: [:],
        .cancelled: [:],
    ]

    @Test("exactly the listed transitions are allowed; every other event is refused, naming where it is allowed from",
          arguments: TripStatus.allCases)
    func transitions(from status: TripStatus) throws {
        for event in TripEvent.allCases {
            if let expected = Self.allowed[status]![event] {
                #expect(try TripStateMachine.next(status, on: event) == expected)
            } else {
                let error = try #require(throws: TripTransitionError.self) { try TripStateMachine.next(status, on: event) }
                #expect(error.status == status && error.event == event)
            }
        }
    }

    @Test func refusalsSayWhatIsAllowed() throws {
        let error = try #require(throws: TripTransitionError.self) { try TripStateMachine.next(.inProgress, on: .cancel) }
        #expect(error.description == "cannot cancel a trip that is inProgress (allowed from: requested, accepted, enRoute)")
        #expect(TripStateMachine.transitions.count == 7)
    }

    @Test func finalAndDriverHoldingStatuses() {
        #expect(TripStatus.allCases.filter(\.isFinal) == [.completed, .cancelled])
        #expect(TripStatus.allCases.filter(\.holdsDriver) == [.accepted, .enRoute, .inProgress])
    }
}

@Suite("Rides: pricing and surge")
struct RidesPricingTests {
    let policy = FarePolicy()

    @Test("surge is 1 up to one request per free driver, then rises 0.5 per unit of ratio in whole tenths, capped at 3",
          arguments: [(0, 0, 1.0), (5, 0, 3.0), (1, 1, 1.0), (10, 10, 1.0), (12, 10, 1.1), (15, 10, 1.2), (30, 10, 2.0), (31, 10, 2.0), (100, 10, 3.0), (3, 0, 2.0)])
    func surge(demand: Int, supply: Int, expected: Double) {
        #expect(policy.surge(demand: demand, supply: supply) == expected)
    }

    @Test("a fare is max(minimum, base + km × rate) × tier × surge, in cents")
    func fare() {
        // 10 km: 250 + 10 × 120 = 1,450 cents.
        #expect(policy.fareCents(roadMeters: 10_000, tier: .standard, surge: 1) == 1_450)
        #expect(policy.fareCents(roadMeters: 10_050, tier: .comfort, surge: 1) == 1_966) // (250 + 1,206) × 1.35 = 1,965.6
        #expect(policy.fareCents(roadMeters: 10_000, tier: .premium, surge: 1.5) == 4_350)
        // 1 km is under the 600-cent minimum.
        #expect(policy.fareCents(roadMeters: 1_000, tier: .standard, surge: 1) == 600)
        #expect(policy.fareCents(roadMeters: 1_000, tier: .standard, surge: 2) == 1_200)
    }

    @Test func tiersAndVehicles() {
        #expect(RideTier.standard.isServed(by: .premium))
        #expect(RideTier.comfort.isServed(by: .comfort))
        #expect(!RideTier.premium.isServed(by: .comfort))
        #expect(!RideTier.comfort.isServed(by: .standard))
    }

    @Test func etas() {
        let model = EtaModel()
        let from = City.standard.center
        #expect(model.seconds(from: from, to: from) == 30)
        // 1 km straight is 1.3 km of road at 30 km/h: 156 s, plus 30 s.
        #expect(model.seconds(from: from, to: from.offset(northMeters: 1_000, eastMeters: 0)) == 186)
    }
}

@Suite("Rides: fraud rules")
struct RidesFraudRulesTests {
    let rules = FraudRules()
    let home = City.standard.center

    func attempt(at seconds: Int64, from pickup: GeoPoint? = nil, to dropoff: GeoPoint? = nil) -> FraudRules.Attempt {
        let pickup = pickup ?? home
        return FraudRules.Attempt(at: .seconds(seconds), pickup: pickup, dropoff: dropoff ?? pickup.offset(northMeters: 2_000, eastMeters: 0))
    }

    @Test("a 300 km ride is an impossible distance")
    func impossibleDistance() throws {
        let verdict = try #require(rules.evaluate(attempt(at: 0, to: home.offset(northMeters: 300_000, eastMeters: 0)), history: []))
        #expect(verdict.reason == .impossibleDistance)
        #expect(verdict.message == "a 300 km ride is longer than the 100 km allowed")
    }

    @Test("a pickup 400 km from the previous one a minute later is impossible travel; a day later it is not")
    func impossibleTravel() throws {
        let far = home.offset(northMeters: 400_000, eastMeters: 0)
        let verdict = try #require(rules.evaluate(attempt(at: 60, from: far), history: [attempt(at: 0)]))
        #expect(verdict.reason == .impossibleTravel)
        #expect(rules.evaluate(attempt(at: 86_400, from: far), history: [attempt(at: 0)]) == nil)
        // A jump across town, however quick, is not travel fraud.
        #expect(rules.evaluate(attempt(at: 1, from: home.offset(northMeters: 9_000, eastMeters: 0)), history: [attempt(at: 0)]) == nil)
    }

    @Test("a fourth request within 10 s is too many; after the window it passes")
    func tooManyRequests() throws {
        let history = [attempt(at: 0), attempt(at: 2), attempt(at: 4)]
        let verdict = try #require(rules.evaluate(attempt(at: 6), history: history))
        #expect(verdict.reason == .tooManyRequests)
        #expect(verdict.message == "4 ride requests within 10 s (at most 3)")
        #expect(rules.evaluate(attempt(at: 10), history: history) == nil, "the request at 0 s has left the window")
        #expect(rules.evaluate(attempt(at: 4), history: Array(history.prefix(2))) == nil)
    }
}
