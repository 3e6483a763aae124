import EventStore
import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TestSupport

/// Events per stream and how many events the projection was handed (to see none twice).
struct Tally: Sendable, Equatable {
    var perStream: [String: Int] = [:]
    var applied = 0
}

func tallyProjection(name: String = "tally") -> StateProjection<Tally> {
    StateProjection(name: name, initial: Tally()) { tally, event in
        var tally = tally
        tally.perStream[event.stream, default: 0] += 1
        tally.applied += 1
        return tally
    }
}

@Suite("Projections")
struct ProjectionTests {
    @Test("catching up applies each event once and saves the checkpoint; rebuild replays history into a fresh model", arguments: StoreKind.allCases)
    func catchUpAndRebuild(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try store.append(events("a", 3), to: "a", expectedVersion: .noStream)
            try store.append(events("b", 2), to: "b", expectedVersion: .noStream)
            let projection = tallyProjection()
            let runner = ProjectionRunner(store: store, projection: projection, batchSize: 2)
            #expect(try runner.catchUp() == 5)
            #expect(try store.checkpoint(of: "tally") == 5)
            #expect(projection.current == Tally(perStream: ["a": 3, "b": 2], applied: 5))

            try store.append(events("a", 1, from: 4), to: "a", expectedVersion: .exactly(3))
            #expect(try runner.catchUp() == 6)
            #expect(projection.current.applied == 6)

            // A projection started fresh against the same checkpoint sees only what came after it;
            // rebuild gives it the whole history.
            let restarted = tallyProjection()
            let restartedRunner = ProjectionRunner(store: store, projection: restarted)
            #expect(try restartedRunner.catchUp() == 6)
            #expect(restarted.current.applied == 0)
            #expect(try restartedRunner.rebuild() == 6)
            #expect(restarted.current == Tally(perStream: ["a": 4, "b": 2], applied: 6))
            #expect(try restartedRunner.rebuild() == 6)
            #expect(restarted.current.applied == 6)
        }
    }

    @Test("a running projection follows live appends and stops on graceful shutdown with its checkpoint saved", arguments: StoreKind.allCases)
    func runsAsService(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try store.append(events("h", 4), to: "history", expectedVersion: .noStream)
            let projection = tallyProjection()
            let runner = ProjectionRunner(store: store, projection: projection)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await runner.run() }
                    await waitUntil("history applied") { projection.current.applied == 4 }
                    try store.append(events("l", 3), to: "live", expectedVersion: .noStream)
                    await waitUntil("live events applied") { projection.current.applied == 7 }
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            #expect(projection.current == Tally(perStream: ["history": 4, "live": 3], applied: 7))
            #expect(try store.checkpoint(of: "tally") == 7)
        }
    }
}
