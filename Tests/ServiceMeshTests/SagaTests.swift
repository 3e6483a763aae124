@testable import ServiceMesh
import Synchronization
import Telemetry
import Testing

@Suite("Sagas")
struct SagaTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A three-step saga that records what ran; `failAt` makes that step's action throw,
    /// `stuckAt` makes that step's compensation always throw.
    func saga(_ journal: Journal, failAt: String? = nil, stuckAt: String? = nil) -> SagaDefinition<[String]> {
        SagaDefinition(name: "place-order", steps: ["reserve", "charge", "confirm"].map { name in
            SagaStep(name, action: { context in
                journal.add("do \(name)")
                if name == failAt { throw Failure(description: "\(name) refused") }
                context.append(name)
            }, compensation: name == "confirm" ? nil : { @Sendable _ in
                journal.add("undo \(name)")
                if name == stuckAt { throw Failure(description: "\(name) undo refused") }
            })
        })
    }

    final class Journal: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    @Test("success runs every step in order and the saga completes")
    func success() async {
        let test = TestMesh()
        let journal = Journal()
        let outcome = await SagaOrchestrator(mesh: test.mesh, service: "orders").run(saga(journal), context: [], id: "o-1")
        guard case .completed(let context) = outcome else { Issue.record("\(outcome)"); return }
        #expect(context == ["reserve", "charge", "confirm"])
        #expect(journal.all == ["do reserve", "do charge", "do confirm"])
        #expect(test.mesh.sagas.status("o-1")?.state == .completed)
        #expect(test.mesh.sagas.status("o-1")?.steps.map(\.state) == [.completed, .completed, .completed])
        #expect(test.events.recent(kinds: [.sagaStep]).count == 3)
    }

    @Test("a failure compensates the completed steps in reverse order")
    func compensation() async throws {
        let test = TestMesh()
        let journal = Journal()
        let outcome = await SagaOrchestrator(mesh: test.mesh, service: "orders").run(saga(journal, failAt: "confirm"), context: [], id: "o-2")
        guard case .compensated(_, let failed, let error) = outcome else { Issue.record("\(outcome)"); return }
        #expect(failed == "confirm")
        #expect(error == "confirm refused")
        #expect(journal.all == ["do reserve", "do charge", "do confirm", "undo charge", "undo reserve"])
        let status = try #require(test.mesh.sagas.status("o-2"))
        #expect(status.state == .compensated)
        #expect(status.steps.map(\.state) == [.compensated, .compensated, .failed])
        #expect(test.events.recent(kinds: [.sagaCompensation]).map(\.message) == ["place-order o-2: compensated reserve", "place-order o-2: compensated charge"])
        let traceId = try #require(status.traceId)
        let tree = try #require(test.traces.tree(hex: traceId))
        // Every step and compensation is a child of the saga's span (on a manual clock they all start at once).
        #expect(tree.spans.first?.operation == "saga place-order")
        #expect(Set(tree.spans.dropFirst().map(\.operation)) == ["reserve", "charge", "confirm", "compensate charge", "compensate reserve"])
        #expect(tree.spans.dropFirst().allSatisfy { $0.depth == 1 })
    }

    @Test("a compensation that keeps failing is retried with backoff, then the saga is stuck and reported")
    func stuck() async throws {
        let test = TestMesh()
        let journal = Journal()
        let orchestrator = SagaOrchestrator(mesh: test.mesh, service: "orders", compensationAttempts: 3, compensationDelay: .milliseconds(50))
        let running = Task { await orchestrator.run(saga(journal, failAt: "confirm", stuckAt: "reserve"), context: [], id: "o-3") }
        for delay in [50, 100] {
            await test.clock.waitForSleepers(count: 1)
            test.clock.advance(by: .milliseconds(delay))
        }
        let outcome = await running.value
        guard case .stuck(_, let failed, let compensation, let error) = outcome else { Issue.record("\(outcome)"); return }
        #expect(failed == "confirm")
        #expect(compensation == "reserve")
        #expect(error == "reserve undo refused")
        #expect(journal.all.filter { $0 == "undo reserve" }.count == 3)
        let status = try #require(test.mesh.sagas.status("o-3"))
        #expect(status.state == .stuck)
        #expect(status.steps.map(\.state) == [.compensationFailed, .compensated, .failed])
        #expect(test.events.recent(kinds: [.sagaCompensation]).first?.message == "place-order o-3: STUCK: compensation reserve failed 3 times: reserve undo refused")
        #expect(test.mesh.observe().sagas.first { $0.id == "o-3" }?.state == .stuck)
    }

    @Test("the saga log keeps every stuck saga but only the newest finished ones")
    func bounded() async {
        let log = SagaLog(finishedCapacity: 2)
        for n in 1...4 {
            log.begin(SagaStatus(id: "s\(n)", name: "x", state: .running, steps: [], startedAtSeconds: Double(n), updatedAtSeconds: Double(n)))
            log.setState("s\(n)", n == 1 ? .stuck : .completed, at: Double(n))
        }
        #expect(log.all().map(\.id) == ["s4", "s3", "s1"])
    }
}
