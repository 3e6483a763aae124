import EventStore
import Foundation
import Synchronization
import Testing

@Suite("Aggregate and AggregateRepository")
struct AggregateTests {
    @Test("commands are decided on the loaded state and appended at the loaded version", arguments: StoreKind.allCases)
    func decideAndEvolve(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let accounts = AggregateRepository(BankAccount.self, store: store, ids: EventIDGenerator(seed: 1))
            #expect(throws: BankAccount.Refused(reason: "account not open")) { try accounts.handle(.deposit(5), on: "account-1") }
            try accounts.handle(.open, on: "account-1")
            try accounts.handle(.deposit(100), on: "account-1", metadata: EventMetadata(correlationID: "salary"))
            let outcome = try accounts.handle(.withdraw(30), on: "account-1")
            #expect(outcome.state == BankAccount.State(isOpen: true, balance: 70))
            #expect(outcome.version == 3 && outcome.attempts == 1)
            #expect(outcome.events.map(\.type) == ["account.withdrew"])
            #expect(throws: BankAccount.Refused(reason: "balance 70 < 71")) { try accounts.handle(.withdraw(71), on: "account-1") }

            // A command that decides nothing appends nothing.
            let reopen = try accounts.handle(.open, on: "account-1")
            #expect(reopen.events.isEmpty && reopen.version == 3)

            let loaded = try accounts.load("account-1")
            #expect(loaded.state == BankAccount.State(isOpen: true, balance: 70) && loaded.version == 3)
            let stored = try store.read(stream: "account-1")
            #expect(stored.map(\.type) == ["account.opened", "account.deposited", "account.withdrew"])
            #expect(stored[1].metadata.correlationID == "salary")
            #expect(try BankAccount.decode(stored[1]) == .deposited(amount: 100))
        }
    }

    @Test("a conflict is retried once on the reloaded state, or surfaced when asked", arguments: StoreKind.allCases)
    func conflicts(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let ids = EventIDGenerator(seed: 2)
            let setup = AggregateRepository(BankAccount.self, store: store, ids: ids)
            try setup.handle(.open, on: "acct")
            try setup.handle(.deposit(50), on: "acct")
            let competingWithdrawal: @Sendable () -> NewEvent = {
                let (type, data) = try! BankAccount.encode(.withdrew(amount: 10))
                return NewEvent(id: ids.next(), type: type, data: data)
            }

            // Retried: the second decision sees the competitor's withdrawal.
            let once = InterferingStore(store, on: "acct", times: 1, competitor: competingWithdrawal)
            let retried = try AggregateRepository(BankAccount.self, store: once, ids: ids).handle(.deposit(5), on: "acct")
            #expect(retried.attempts == 2 && retried.state.balance == 45 && retried.version == 4)

            // The retry decides again, so a command that is no longer valid is refused.
            let again = InterferingStore(store, on: "acct", times: 1, competitor: competingWithdrawal)
            #expect(throws: BankAccount.Refused(reason: "balance 35 < 40")) {
                try AggregateRepository(BankAccount.self, store: again, ids: ids).handle(.withdraw(40), on: "acct")
            }

            let surfacing = InterferingStore(store, on: "acct", times: 1, competitor: competingWithdrawal)
            #expect(throws: VersionConflict.self) {
                try AggregateRepository(BankAccount.self, store: surfacing, ids: ids).handle(.deposit(1), on: "acct", onConflict: .surface)
            }

            let twice = InterferingStore(store, on: "acct", times: 2, competitor: { NewEvent(id: ids.next(), type: "account.deposited", data: Data(#"{"deposited":{"amount":1}}"#.utf8)) })
            let conflict = #expect(throws: VersionConflict.self) {
                try AggregateRepository(BankAccount.self, store: twice, ids: ids).handle(.deposit(1), on: "acct")
            }
            #expect(conflict?.stream == "acct")
        }
    }
}
