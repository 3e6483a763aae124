import Testing
import Telemetry
@testable import Dashboard

/// Self times, the critical path and the comparison of two traces, on planted trees.
@Suite("trace analysis")
struct TraceAnalysisTests {
    static func span(_ id: String, _ parent: String?, depth: Int, service: String = "s", _ name: String, _ start: Double, _ end: Double) -> SpanRecord {
        SpanRecord(spanId: id, parentSpanId: parent, depth: depth, service: service, operation: name, startOffsetMs: start, durationMs: end - start)
    }

    /// R waits on A (with A1 inside), then on B, in which B1 and then B2 run one after the
    /// other; C runs beside A and ends first, B3 runs inside B2's time: neither is waited on.
    static let planted = TraceTree(traceId: "t", startedAt: 0, durationMs: 100, spans: [
        span("R", nil, depth: 0, "R", 0, 100),
        span("A", "R", depth: 1, "A", 0, 40),
        span("A1", "A", depth: 2, "A1", 5, 35),
        span("C", "R", depth: 1, "C", 10, 30),
        span("B", "R", depth: 1, "B", 45, 100),
        span("B1", "B", depth: 2, "B1", 50, 54),
        span("B2", "B", depth: 2, "B2", 55, 98),
        span("B3", "B", depth: 2, "B3", 60, 70),
    ])

    @Test func theCriticalPathOfAPlantedTraceIsTheChainItWaitedOn() {
        let path = TraceAnalysis.criticalPath(Self.planted)
        #expect(path.map { Self.planted.spans[$0].spanId } == ["R", "A", "A1", "B", "B1", "B2"])
    }

    @Test func theCriticalPathOfTheFixtureTraceGoesThroughTheLastAttempt() {
        let path = TraceAnalysis.criticalPath(Fixtures.tree).map { Fixtures.tree.spans[$0].operation }
        // The attempts ran one after the other, and the user lookup ended before the payment
        // started: each was waited on.
        #expect(path == ["POST /api/orders", "POST /orders", "GET /users/42", "process_payment", "attempt 1", "attempt 2"])
    }

    @Test func aSingleSpanIsItsOwnCriticalPathAndAnEmptyTraceHasNone() {
        let one = TraceTree(traceId: "t", startedAt: 0, durationMs: 5, spans: [Self.span("R", nil, depth: 0, "R", 0, 5)])
        #expect(TraceAnalysis.criticalPath(one) == [0])
        #expect(TraceAnalysis.criticalPath(TraceTree(traceId: "t", startedAt: 0, durationMs: 0, spans: [])) == [])
    }

    @Test func selfTimeIsTheDurationLessTheUnionOfTheChildren() {
        let times = TraceAnalysis.selfTimes(Self.planted)
        #expect(times[0] == 5) // 100 - (0…40 ∪ 10…30 ∪ 45…100)
        #expect(times[1] == 10) // 40 - 30
        #expect(times[4] == 8) // 55 - (4 + 43); B3 lies inside B2
        #expect(times[2] == 30) // a leaf is all self
    }

    @Test func spansAreMatchedByServiceAndNameBiggestDifferenceFirst() {
        let base = TraceTree(traceId: "a", startedAt: 0, durationMs: 100, spans: [
            Self.span("1", nil, depth: 0, service: "g", "X", 0, 10),
            Self.span("2", "1", depth: 1, service: "p", "Y", 0, 50),
            Self.span("3", "1", depth: 1, service: "p", "Y", 50, 70),
        ])
        let other = TraceTree(traceId: "b", startedAt: 0, durationMs: 100, spans: [
            Self.span("1", nil, depth: 0, service: "g", "X", 0, 12),
            Self.span("2", "1", depth: 1, service: "p", "Y", 0, 10),
            Self.span("3", "1", depth: 1, service: "q", "Z", 10, 15),
        ])
        let rows = TraceAnalysis.compare(base, other)
        #expect(rows.map { "\($0.service) \($0.operation) #\($0.occurrence)" } == ["p Y #0", "p Y #1", "q Z #0", "g X #0"])
        #expect(rows.map(\.deltaMs) == [-40, -20, 5, 2])
        #expect(rows[1].otherMs == nil)
        #expect(rows[2].baseMs == nil)
    }
}
