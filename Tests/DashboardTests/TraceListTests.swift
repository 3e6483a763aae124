import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// The Traces list over a real trace store: it pages every kept trace, not the snapshot's few.
@Suite("Traces list over the trace store")
struct TraceListTests {
    /// A store holding `count` one-span traces a millisecond apart, lasting 1-100 ms, except the
    /// trace numbered `slowest`, which lasts 5 s.
    static func store(count: Int, slowest: Int) -> TraceStore {
        let time = TimeSource(clock: ManualClock(), originUnixNanoseconds: 1_780_000_000_000_000_000)
        let store = TraceStore(time: time, configuration: .init(maxTraces: count))
        for index in 0..<count {
            let start = Int64(index) * 1_000_000
            let duration: Int64 = index == slowest ? 5_000_000_000 : Int64(1 + index % 100) * 1_000_000
            store.add(FinishedSpan(traceID: id(index), spanID: SpanID(1), parentSpanID: nil, service: "gateway",
                                   operation: "GET /api/\(index)", kind: .server, startNanoseconds: start, endNanoseconds: start + duration,
                                   status: index % 13 == 0 ? .init(code: .error) : nil))
        }
        return store
    }

    static func id(_ index: Int) -> TraceID { TraceID(high: 0xABCD, low: UInt64(index + 1)) }

    /// A snapshot that lists only the 20 newest traces, as `Mesh.observe` does.
    static func snapshot(_ store: TraceStore) -> SystemSnapshot {
        SystemSnapshot(system: "storefront", takenAt: 1_780_000_100, uptimeSeconds: 100, windowSeconds: 10,
                       totals: Totals(storedTraces: store.stats.storedTraces), traces: store.recent(limit: 20))
    }

    /// Applies a message, answering trace fetches from the store as the run loop does from a source.
    @discardableResult
    static func send(_ state: inout DashboardState, _ message: Message, store: TraceStore) -> [Effect] {
        var others: [Effect] = []
        var queue = [message]
        while !queue.isEmpty {
            for effect in update(&state, queue.removeFirst()) {
                if case .fetchTraces(let query) = effect { queue.append(.traces(store.page(query))) } else { others.append(effect) }
            }
        }
        return others
    }

    @Test func slowestFirstShowsTheSlowestTraceOfTheWholeStore() {
        let store = Self.store(count: 10_000, slowest: 1_000) // 9,000 traces behind the newest
        var s = DashboardState(width: 120, height: 40)
        Self.send(&s, .snapshot(Self.snapshot(store)), store: store)
        Self.send(&s, .key(.char("3")), store: store)
        Self.send(&s, .key(.char("s")), store: store)
        #expect(s.sortOrder(.traces) == .slowest)
        #expect(s.traceList?.rows.first?.traceId == Self.id(1_000).description)
        #expect(s.traceList?.matching == 10_000)
        Self.send(&s, .key(.home), store: store)
        #expect(s.list(.traces).selectedID == Self.id(1_000).description)
        // Only the rows on screen are held.
        #expect(s.traceList?.rows.count == DashboardLayout.listRows(height: 40))
        for _ in 0..<8 { Self.send(&s, .tick, store: store) } // the "sort: slowest" notice goes
        let text = DashboardRenderer.render(s, glyphs: .unicode).plainText()
        #expect(text.contains("GET /api/1000 "))
        #expect(text.contains("10,000 stored"))
    }

    @Test func errorsOnlyAndTheFilterSearchTheWholeStore() {
        let store = Self.store(count: 10_000, slowest: 0)
        var s = DashboardState(width: 120, height: 40)
        Self.send(&s, .snapshot(Self.snapshot(store)), store: store)
        Self.send(&s, .key(.char("3")), store: store)
        Self.send(&s, .key(.char("e")), store: store)
        #expect(s.traceList?.matching == (0..<10_000).filter { $0 % 13 == 0 }.count)
        Self.send(&s, .key(.char("e")), store: store)
        Self.send(&s, .key(.char("/")), store: store)
        for character in "api/12" { Self.send(&s, .key(.char(character)), store: store) }
        // 12, 120-129, 1200-1299: the oldest of them long out of the snapshot's 20.
        #expect(s.traceList?.matching == 1 + 10 + 100)
        Self.send(&s, .key(.end), store: store)
        #expect(s.list(.traces).selectedID == Self.id(12).description)
    }

    @Test func theSelectionStaysOnItsTraceAsNewTracesArrive() {
        let store = Self.store(count: 200, slowest: 0)
        var s = DashboardState(width: 120, height: 20)
        Self.send(&s, .snapshot(Self.snapshot(store)), store: store)
        Self.send(&s, .key(.char("3")), store: store)
        Self.send(&s, .key(.down), store: store)
        Self.send(&s, .key(.down), store: store)
        let selected = s.list(.traces).selectedID
        #expect(selected == Self.id(197).description)
        for index in 200..<230 {
            let start = Int64(index) * 1_000_000
            store.add(FinishedSpan(traceID: Self.id(index), spanID: SpanID(1), parentSpanID: nil, service: "gateway", operation: "new",
                                   kind: .server, startNanoseconds: start, endNanoseconds: start + 1_000_000))
        }
        Self.send(&s, .snapshot(Self.snapshot(store)), store: store)
        #expect(s.list(.traces).selectedID == selected)
        #expect(s.list(.traces).selectedIndex == 32)
        #expect(s.traceList?.rows.contains { $0.traceId == selected } == true)
        // At the head, new traces come into view instead.
        Self.send(&s, .key(.home), store: store)
        store.add(FinishedSpan(traceID: Self.id(500), spanID: SpanID(1), parentSpanID: nil, service: "gateway", operation: "newest",
                               kind: .server, startNanoseconds: 500_000_000, endNanoseconds: 501_000_000))
        Self.send(&s, .snapshot(Self.snapshot(store)), store: store)
        #expect(s.list(.traces).selectedID == Self.id(500).description)
    }

    @Test func theBreakerDetailListsFailedTracesBeyondTheSnapshot() {
        let time = TimeSource(clock: ManualClock(), originUnixNanoseconds: 1_780_000_000_000_000_000)
        let store = TraceStore(time: time)
        // One failed order-to-payment trace, then 500 ordinary ones: the snapshot's 20 miss it.
        for index in 0..<501 {
            let start = Int64(index) * 1_000_000
            let failed = index == 0
            store.add(FinishedSpan(traceID: Self.id(index), spanID: SpanID(1), parentSpanID: nil, service: "order-service", operation: "POST /orders",
                                   kind: .server, startNanoseconds: start, endNanoseconds: start + 2_000_000, status: failed ? .init(code: .error) : nil))
            if failed {
                store.add(FinishedSpan(traceID: Self.id(index), spanID: SpanID(2), parentSpanID: SpanID(1), service: "payment-service", operation: "charge",
                                       kind: .client, startNanoseconds: start, endNanoseconds: start + 1_000_000, status: .init(code: .error)))
            }
        }
        var snapshot = Self.snapshot(store)
        snapshot.breakers = [BreakerStatus(id: "order-service->payment-service", state: .open)]
        var s = DashboardState(width: 100, height: 40)
        Self.send(&s, .snapshot(snapshot), store: store)
        Self.send(&s, .key(.char("2")), store: store)
        Self.send(&s, .key(.enter), store: store)
        #expect(s.breakerTraces?.rows.map(\.traceId) == [Self.id(0).description])
        #expect(DashboardRenderer.render(s, glyphs: .unicode).plainText().contains(String(Self.id(0).description.prefix(8))))
    }
}
