import MetricsTestKit
import Synchronization
import Testing
import TestSupport
@testable import Resilience

/// A door operations wait at until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }
}

/// The most calls seen running at once.
final class PeakMeter: Sendable {
    private let state = Mutex<(now: Int, max: Int)>((0, 0))
    func enter() { state.withLock { $0.now += 1; $0.max = max($0.max, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var peak: Int { state.withLock { $0.max } }
}

/// Yields until `condition` holds (another task reaching a state we caused); fails instead of hanging.
@Suite struct BulkheadTests {
    let metrics = TestMetrics()

    @Test func runsUpToTheLimitQueuesTheNextAndRejectsTheRest() async throws {
        let bulkhead = Bulkhead(name: "payment", maxConcurrent: 2, maxQueued: 1, metrics: metrics)
        let gate = Gate()
        let running = (0..<3).map { index in
            Task { try await bulkhead.execute { await gate.wait(); return index } }
        }
        await waitUntil { bulkhead.usage == (2, 1) }
        await #expect(throws: BulkheadFullError(bulkhead: "payment", maxConcurrent: 2, maxQueued: 1)) {
            try await bulkhead.execute { 99 }
        }
        #expect(try metrics.expectCounter("bulkhead_rejected_total", [("bulkhead", "payment")]).totalValue == 1)
        #expect(try metrics.expectMeter("bulkhead_queued", [("bulkhead", "payment")]).lastValue == 1)

        gate.open()
        var results: [Int] = []
        for task in running { results.append(try await task.value) }
        #expect(results.sorted() == [0, 1, 2])
        #expect(bulkhead.usage == (0, 0))
        #expect(try metrics.expectMeter("bulkhead_in_use", [("bulkhead", "payment")]).lastValue == 0)
    }

    @Test func aQueuedCallerThatIsCancelledLeavesTheQueue() async throws {
        let bulkhead = Bulkhead(name: "payment", maxConcurrent: 1, maxQueued: 1, metrics: metrics)
        let gate = Gate()
        let first = Task { try await bulkhead.execute { await gate.wait() } }
        await waitUntil { bulkhead.usage == (1, 0) }
        let queued = Task { try await bulkhead.execute { } }
        await waitUntil { bulkhead.usage == (1, 1) }
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(bulkhead.usage == (1, 0))
        gate.open()
        try await first.value
        #expect(bulkhead.usage == (0, 0))
    }

    @Test func aSlotIsFreedWhenTheOperationThrows() async {
        let bulkhead = Bulkhead(name: "payment", maxConcurrent: 1, metrics: metrics)
        await #expect(throws: Boom.self) { try await bulkhead.execute { throw Boom() } }
        #expect(bulkhead.usage == (0, 0))
    }

    @Test func manyConcurrentCallersNeverExceedTheLimit() async {
        let bulkhead = Bulkhead(name: "payment", maxConcurrent: 3, maxQueued: 1_000, metrics: metrics)
        let meter = PeakMeter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    _ = try? await bulkhead.execute {
                        meter.enter()
                        await Task.yield()
                        meter.leave()
                    }
                }
            }
        }
        #expect(meter.peak <= 3)
        #expect(bulkhead.usage == (0, 0))
    }
}
