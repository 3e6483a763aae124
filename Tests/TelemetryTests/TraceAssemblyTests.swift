import PropertyBased
import Testing
import TestSupport
import Tracing
@testable import Telemetry

/// Finished spans wait in a pending batch; queries, a full buffer or the background assembler
/// move them into traces.
@Suite struct TraceAssemblyTests {
    func endSpans(_ f: TracingFixture, _ count: Int, prefix: String = "span") {
        for index in 0..<count { f.tracer.startSpan("\(prefix) \(index)").end() }
    }

    @Test func aQueryAssemblesWhatIsPendingFirst() {
        let f = TracingFixture(configuration: .init(assemblyBatch: 8, maxPendingSpans: 64))
        endSpans(f, 5)
        #expect(f.store.pendingSpanCount == 5)
        #expect(f.store.recent(limit: 10).map(\.rootOperation) == (0..<5).reversed().map { "span \($0)" })
        #expect(f.store.pendingSpanCount == 0)
    }

    @Test func theCallerThatFillsThePendingBufferAssemblesIt() {
        let f = TracingFixture(configuration: .init(assemblyBatch: 4, maxPendingSpans: 16))
        endSpans(f, 15)
        #expect(f.store.pendingSpanCount == 15, "no assembler runs, so nothing is assembled before the bound")
        endSpans(f, 1, prefix: "last")
        #expect(f.store.pendingSpanCount == 0)
        #expect(f.store.stats.storedTraces == 16)
    }

    @Test func theAssemblerWakesForEachFullBatch() async {
        let f = TracingFixture(configuration: .init(assemblyBatch: 4, maxPendingSpans: 1_000))
        let assembler = Task { await f.store.runAssembler() }
        endSpans(f, 3)
        #expect(f.store.pendingSpanCount == 3)
        endSpans(f, 1, prefix: "fourth")
        // The assembler's wake-up is the event awaited; a yield hands it the executor.
        await waitUntil("every pending span assembled") { f.store.pendingSpanCount == 0 }
        assembler.cancel()
        await assembler.value
        #expect(f.store.stats.storedTraces == 4)
    }

    @Test func aCancelledAssemblerAssemblesWhatIsLeftAndReturns() async {
        let f = TracingFixture(configuration: .init(assemblyBatch: 100, maxPendingSpans: 1_000))
        let assembler = Task { await f.store.runAssembler() }
        endSpans(f, 7)
        assembler.cancel()
        await assembler.value
        #expect(f.store.pendingSpanCount == 0)
        // And it can be run again.
        let again = Task { await f.store.runAssembler() }
        endSpans(f, 100)
        await waitUntil("every pending span assembled") { f.store.pendingSpanCount == 0 }
        again.cancel()
        await again.value
        #expect(f.store.stats.storedTraces == 107)
    }

    @Test func spansEndedConcurrentlyAreAllAssembled() async {
        let f = TracingFixture(configuration: .init(maxTraces: 10_000, assemblyBatch: 16, maxPendingSpans: 64))
        let assembler = Task { await f.store.runAssembler() }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask { endSpans(f, 250, prefix: "task \(task)") }
            }
        }
        assembler.cancel()
        await assembler.value
        #expect(f.store.stats.storedTraces == 2_000)
        #expect(f.store.stats.droppedSpans == 0)
    }

    @Test func aStatusRoundTripsThroughTheLeanStorage() throws {
        let f = TracingFixture()
        let span = f.tracer.startSpan("failing")
        span.setStatus(SpanStatus(code: .error, message: "card declined"))
        span.end()
        let record = try #require(f.store.tree(span.traceID)?.spans.first)
        #expect(record.status == SpanStatusRecord(code: .error, message: "card declined"))
        #expect(f.store.withErrors(limit: 1).first?.rootOperation == "failing")
    }
}

/// The open-addressing index behaves as a dictionary under any sequence of inserts and removes.
@Suite struct TraceIndexTests {
    @Test func agreesWithADictionary() async {
        // Ids from a small range, so removals hit present ids and probe runs wrap and collide.
        await propertyCheck(count: 200, input: Gen.int(in: 0...199).array(of: 1...300)) { operations in
            var index = TraceIndex(capacity: 64)
            var model: [TraceID: Int32] = [:]
            for (step, operation) in operations.enumerated() {
                let id = TraceID(high: UInt64(operation % 50), low: UInt64(operation % 50) &* 7)
                if operation < 100 {
                    if model[id] == nil, model.count < 64 {
                        index.insert(id, slot: Int32(step))
                        model[id] = Int32(step)
                    }
                } else {
                    index.remove(id)
                    model[id] = nil
                }
                #expect(index.count == model.count)
            }
            for key in 0..<50 {
                let id = TraceID(high: UInt64(key), low: UInt64(key) &* 7)
                #expect(index[id] == model[id])
            }
        }
    }
}

/// The word-at-a-time hex decoder agrees with the digit-at-a-time one on any bytes.
@Suite struct HexDecodingTests {
    @Test func sixteenDigitsAtOnceAgreeWithOneAtATime() async {
        // Mostly hex digits, so valid groups are common, with bytes just outside each range,
        // uppercase, and bytes with the top bit set.
        let alphabet: [UInt8] = Array("0123456789abcdef0123456789abcdef/:`gAF".utf8) + [0x00, 0x7F, 0x80, 0xB0, 0xE6, 0xFF]
        await propertyCheck(count: 2_000, input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 16...16)) { picks in
            let bytes = picks.map { alphabet[$0] }
            bytes.withUnsafeBufferPointer { buffer in
                #expect(parseHex16(buffer, at: 0) == parseHex(buffer, 0..<16), "\(bytes)")
            }
        }
    }

    @Test func knownGroups() {
        for (text, value) in [("0000000000000000", 0), ("00f067aa0ba902b7", 0x00f0_67aa_0ba9_02b7),
                              ("ffffffffffffffff", UInt64.max), ("0123456789abcdef", 0x0123_4567_89ab_cdef)] as [(String, UInt64)] {
            Array(text.utf8).withUnsafeBufferPointer { #expect(parseHex16($0, at: 0) == value, "\(text)") }
        }
        for text in ["00f067aa0ba902bG", "00F067aa0ba902b7", "00f067aa0ba902b/", "00f067aa0ba902b:"] {
            Array(text.utf8).withUnsafeBufferPointer { #expect(parseHex16($0, at: 0) == nil, "\(text)") }
        }
    }
}
