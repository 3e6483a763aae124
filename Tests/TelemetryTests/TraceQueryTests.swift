import PropertyBased
import Testing
import Tracing
@testable import Telemetry

/// The store's pages, from its kept orders, agree with filtering and sorting a plain array of
/// every stored trace's summary, whatever spans arrive, in whatever order, with evictions.
@Suite struct TraceQueryTests {
    static let services = ["gateway", "order-service", "payment-service", "user-service"]
    static let texts = ["", "op1", "PAY", "0000000000000001", "zz", "GATE"]
    static let serviceFilters: [[String]] = [[], ["order-service"], ["gateway", "payment-service"]]
    static let spanFilters: [SpanName?] = [nil, nil, SpanName(service: "payment-service", operation: "op2"), SpanName(service: "gateway", operation: "op0")]

    /// The id of the trace numbered `key` (the same key reuses the id, also after an eviction).
    static func traceID(_ key: Int) -> TraceID {
        TraceID(high: UInt64(key + 1), low: UInt64(key) &* 0x9E37_79B9)
    }

    /// A span of trace `key`: its root when `isRoot` (starting at the trace's base time), else a
    /// child starting a little later. Bases are a millisecond apart, so starts never tie.
    static func span(key: Int, value: Int, spanNumber: UInt64) -> FinishedSpan {
        let isRoot = (value / 40) % 4 == 0
        let base = Int64(key) * 1_000_000
        let start = base + (isRoot ? 0 : Int64(1 + value % 500) * 1_000)
        let duration = Int64((value &* 7_919) % 50_000) * 1_000
        return FinishedSpan(traceID: traceID(key), spanID: SpanID(spanNumber), parentSpanID: isRoot ? nil : SpanID(1),
                            service: services[value % services.count], operation: "op\(value % 5)", kind: .server,
                            startNanoseconds: start, endNanoseconds: start + duration,
                            status: value % 17 == 0 ? SpanStatus(code: .error) : nil)
    }

    static func query(_ value: Int) -> TraceQuery {
        TraceQuery(order: value % 2 == 0 ? .newest : .slowest, errorsOnly: (value / 2) % 2 == 1,
                   text: texts[(value / 4) % texts.count], services: serviceFilters[(value / 24) % serviceFilters.count],
                   span: spanFilters[(value / 5) % spanFilters.count],
                   offset: (value / 72) % 12, limit: 1 + value % 9,
                   anchor: (value / 7) % 3 == 0 ? traceID(value % 40).description : nil)
    }

    @Test func pagesAgreeWithAPlainArrayFilteredAndSorted() async {
        // Values below 600 add a span to one of 40 traces (of which 25 fit); the rest ask a query.
        await propertyCheck(count: 300, input: Gen.int(in: 0...999).array(of: 1...400)) { operations in
            let f = TracingFixture(configuration: .init(maxTraces: 25, slowShare: 0.2))
            var spanNumber: UInt64 = 2
            for value in operations {
                if value < 600 {
                    spanNumber += 1
                    f.store.add(Self.span(key: value % 40, value: value, spanNumber: spanNumber))
                    continue
                }
                let query = Self.query(value)
                let stats = f.store.stats
                let expected = query.page(of: f.store.everySummary(), spans: { f.store.tree(hex: $0.traceId)?.spans ?? [] }, droppedTraces: stats.droppedTraces)
                let actual = f.store.page(query)
                #expect(actual == expected, "\(query)")
            }
            let everything = TraceQuery(order: .slowest, limit: 100)
            #expect(f.store.page(everything) == everything.page(of: f.store.everySummary(), droppedTraces: f.store.stats.droppedTraces))
        }
    }

    @Test func theWindowMovesToShowTheAnchorAndFillsTheEnd() {
        #expect(TraceQuery.windowStart(offset: 0, limit: 10, matching: 100, anchorIndex: 42) == 33)
        #expect(TraceQuery.windowStart(offset: 50, limit: 10, matching: 100, anchorIndex: 42) == 42)
        #expect(TraceQuery.windowStart(offset: 95, limit: 10, matching: 100, anchorIndex: nil) == 90)
        #expect(TraceQuery.windowStart(offset: 5, limit: 10, matching: 3, anchorIndex: nil) == 0)
        #expect(TraceQuery.windowStart(offset: 5, limit: 10, matching: 0, anchorIndex: nil) == 0)
    }

    @Test func textMatchesOperationsAndServicesInEitherCaseAndIdsByPrefix() {
        let matcher = TraceQuery.Matcher(TraceQuery(text: "Pay", limit: 1))
        let id = TraceID(hex: "4bf92f3577b34da6a3ce929d0e0e4736")!
        #expect(matcher.matches(id: id, rootService: "gateway", rootOperation: "POST /api/PAYMENTS", services: ["gateway"], hasError: false))
        #expect(matcher.matches(id: id, rootService: "gateway", rootOperation: "GET", services: ["payment-service"], hasError: false))
        #expect(!matcher.matches(id: id, rootService: "gateway", rootOperation: "GET", services: ["gateway"], hasError: false))
        let prefix = TraceQuery.Matcher(TraceQuery(text: "4BF92F35", limit: 1))
        #expect(prefix.matches(id: id, rootService: "gateway", rootOperation: "GET", services: [], hasError: false))
        #expect(!TraceQuery.Matcher(TraceQuery(text: "4bf93", limit: 1)).matches(id: id, rootService: "g", rootOperation: "o", services: [], hasError: false))
    }

    @Test func aSpanFilterWantsOneSpanWithBothTheServiceAndTheOperation() {
        let matcher = TraceQuery.Matcher(TraceQuery(span: SpanName(service: "order-service", operation: "POST /orders"), limit: 1))
        typealias Pair = (service: String, operation: String)
        #expect(matcher.matchesSpan(in: [("gateway", "POST /api/orders"), ("order-service", "POST /orders")] as [Pair]))
        // The service and the operation on different spans is not the route.
        #expect(!matcher.matchesSpan(in: [("order-service", "GET /orders/:id"), ("payment-service", "POST /orders")] as [Pair]))
        #expect(TraceQuery.Matcher(TraceQuery(limit: 1)).matchesSpan(in: [] as [Pair]))
    }

    @Test func theStorePagesARoutesSlowestTraces() {
        let f = TracingFixture(configuration: .init(maxTraces: 25, slowShare: 0.2))
        var spanNumber: UInt64 = 2
        for value in 0..<200 {
            spanNumber += 1
            f.store.add(Self.span(key: value % 20, value: value, spanNumber: spanNumber))
        }
        let route = SpanName(service: "payment-service", operation: "op2")
        let page = f.store.page(TraceQuery(order: .slowest, span: route, limit: 50))
        let expected = f.store.everySummary().filter { summary in
            f.store.tree(hex: summary.traceId)!.spans.contains { $0.service == route.service && $0.operation == route.operation }
        }
        #expect(page.matching == expected.count)
        #expect(page.matching > 0 && page.matching < f.store.everySummary().count)
        #expect(page.rows.map(\.durationMs) == page.rows.map(\.durationMs).sorted(by: >))
    }
}
