import Testing
import Tracing
@testable import Telemetry

@Suite struct TracingPropagationTests {
    @Test func childSpansAcrossAwaitAsyncLetAndTaskGroupsShareTheTraceAndPointAtTheirParent() async throws {
        let f = TracingFixture()
        let order = f.tracer.forService("order-service")
        try await f.tracer.withSpan("POST /api/orders", ofKind: .server) { _ in
            f.clock.advance(by: .milliseconds(1))
            await order.withSpan("after await") { _ in await Task.yield() }
            async let left: Void = order.withSpan("async let") { _ in }
            await left
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<2 { group.addTask { order.withSpan("group child \(index)") { _ in } } }
            }
            try await order.withSpan("nested") { _ in
                try await order.withSpan("grandchild") { _ in try await Task.sleep(for: .zero) }
            }
        }
        let tree = try #require(f.onlyTree())
        #expect(tree.spans.count == 7)
        let root = try #require(tree.spans.first)
        #expect(root.operation == "POST /api/orders" && root.depth == 0 && root.parentSpanId == nil && root.kind == .server)
        let byName = Dictionary(uniqueKeysWithValues: tree.spans.map { ($0.operation, $0) })
        for child in ["after await", "async let", "group child 0", "group child 1", "nested"] {
            #expect(byName[child]?.parentSpanId == root.spanId, "\(child) should be a child of the root")
            #expect(byName[child]?.depth == 1)
            #expect(byName[child]?.service == "order-service")
        }
        #expect(byName["grandchild"]?.parentSpanId == byName["nested"]?.spanId)
        #expect(byName["grandchild"]?.depth == 2)
        #expect(tree.spans.allSatisfy { !$0.isOrphan })
    }

    @Test func aDetachedTaskJoinsTheTraceOnlyWithItsContextPassedExplicitly() async throws {
        let f = TracingFixture()
        await f.tracer.withSpan("root") { span in
            let context = span.context
            await Task.detached { f.tracer.withSpan("explicit", context: context) { _ in } }.value
            await Task.detached { f.tracer.withSpan("implicit") { _ in } }.value
        }
        let traces = f.store.recent(limit: 10)
        #expect(traces.count == 2, "the detached span without a context starts its own trace")
        let rootTrace = try #require(traces.first { $0.rootOperation == "root" })
        let tree = try #require(f.store.tree(hex: rootTrace.traceId))
        #expect(tree.spans.map(\.operation) == ["root", "explicit"])
    }

    @Test func spansRecordKindAttributesEventsStatusLinksAndTimesFromTheInjectedClock() throws {
        let f = TracingFixture()
        let linked = f.tracer.startSpan("elsewhere")
        linked.end()
        f.clock.advance(by: .milliseconds(5))
        let span = f.tracer.startSpan("charge", ofKind: .client)
        span.attributes["payment.amount"] = 129.99
        span.attributes["retry.attempts"] = 2
        f.clock.advance(by: .milliseconds(20))
        span.addEvent(SpanEvent(name: "retry", attributes: ["attempt": 2]))
        span.addLink(SpanLink(context: linked.context, attributes: [:]))
        span.setStatus(SpanStatus(code: .error, message: "503 from payment"))
        f.clock.advance(by: .milliseconds(30))
        span.end()
        span.attributes["after.end"] = "ignored"

        let tree = try #require(f.store.tree(span.traceContext.traceID))
        let record = try #require(tree.spans.first)
        #expect(record.kind == .client)
        #expect(record.durationMs == 50)
        #expect(record.attributes == ["payment.amount": "129.99", "retry.attempts": "2"])
        #expect(record.events == [SpanEventRecord(name: "retry", offsetMs: 20, attributes: ["attempt": "2"])])
        #expect(record.status == SpanStatusRecord(code: .error, message: "503 from payment"))
        #expect(record.links == ["\(linked.traceContext.traceID):\(linked.traceContext.spanID)"])
        #expect(abs(tree.startedAt - 1_700_000_000.005) < 1e-6, "epoch seconds as a Double carry ≈ 0.2 µs of precision")
    }

    @Test func aSpanInProgressIsRecordedWithItsReadingsAttributesAndEvents() throws {
        let f = TracingFixture()
        f.clock.advance(by: .milliseconds(10))
        let span = f.tracer.beginSpan(in: .topLevel, startNanoseconds: f.time.nanosecondsSinceOrigin())
        f.clock.advance(by: .milliseconds(5))
        let ended = f.time.nanosecondsSinceOrigin()
        f.clock.advance(by: .milliseconds(100))
        f.tracer.record(span, operation: "GET payment/charge", kind: .client, endNanoseconds: ended,
                        status: SpanStatus(code: .error, message: "503"),
                        events: [FinishedSpan.Event(name: "dependency failed", at: .milliseconds(12))]) { attributes in
            attributes.set("instance", "svc-1")
            attributes.set("http.status_code", 503)
            attributes.set("instance", "svc-2")
        }
        // Another span's attributes in the same batch stay its own.
        let other = f.tracer.beginSpan(in: .topLevel, startNanoseconds: 0)
        f.tracer.record(other, operation: "other", kind: .internal, endNanoseconds: 1) { $0.set("instance", "elsewhere") }
        // Every kind of value survives the batch's compact form.
        let kinds = f.tracer.beginSpan(in: .topLevel, startNanoseconds: 0)
        f.tracer.record(kinds, operation: "kinds", kind: .internal, endNanoseconds: 1) {
            $0.set("double", .double(0.5))
            $0.set("bool", .bool(true))
            $0.set("int64", .int64(7))
            $0.set("string", .string("s"))
            $0.set("strings", .stringArray(["a", "b"]))
            $0.set("int32", .int32(3))
        }
        #expect(f.store.tree(kinds.traceID)?.spans.first?.attributes
            == ["double": "0.5", "bool": "true", "int64": "7", "string": "s", "strings": #"["a", "b"]"#, "int32": "3"])
        let bare = f.tracer.beginSpan(in: .topLevel, startNanoseconds: 0)
        f.tracer.record(bare, operation: "bare", kind: .internal, endNanoseconds: 1)

        let tree = try #require(f.store.tree(span.traceID))
        let record = try #require(tree.spans.first)
        #expect(record.operation == "GET payment/charge")
        #expect(record.kind == .client)
        #expect(record.durationMs == 5, "the readings given, not the clock when it was recorded")
        #expect(record.attributes == ["instance": "svc-2", "http.status_code": "503"], "a later value of a name wins")
        #expect(record.status == SpanStatusRecord(code: .error, message: "503"))
        #expect(record.events == [SpanEventRecord(name: "dependency failed", offsetMs: 2, attributes: [:])])
        #expect(f.store.tree(other.traceID)?.spans.first?.attributes == ["instance": "elsewhere"])
        #expect(f.store.tree(bare.traceID)?.spans.first?.attributes == [:])
    }

    @Test func aSpanInProgressIsAChildOfTheCurrentSpanAndParentsChildrenThroughItsContext() throws {
        let f = TracingFixture()
        let request = f.tracer.startSpan("request", ofKind: .server)
        let call = f.tracer.beginSpan(in: request.context, startNanoseconds: 0)
        #expect(call.traceID == request.traceID)
        #expect(call.parentSpanID == request.spanID)
        let retry = f.tracer.startSpan("attempt 2", context: call.context)
        #expect(retry.parentSpanID == call.spanID)
        #expect(call.context.traceContext == call.traceContext)
        let root = f.tracer.beginSpan(in: .topLevel, startNanoseconds: 0)
        #expect(root.parentSpanID == nil)
        #expect(root.traceID != request.traceID)
    }

    @Test func recordErrorAddsAnExceptionEvent() throws {
        struct PaymentDeclined: Error {}
        let f = TracingFixture()
        let span = f.tracer.startSpan("charge")
        span.recordError(PaymentDeclined())
        span.end()
        let record = try #require(f.store.tree(span.traceContext.traceID)?.spans.first)
        #expect(record.events.first?.name == "exception")
        #expect(record.events.first?.attributes["exception.type"] == "PaymentDeclined")
    }

    @Test func idsAreW3CSizedAndRepeatWithTheSameSeed() {
        let a = IDGenerator(seed: 9), b = IDGenerator(seed: 9)
        let ids = (0..<100).map { _ in a.traceID() }
        #expect(ids == (0..<100).map { _ in b.traceID() })
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.description.count == 32 && $0.isValid })
        #expect(a.spanID().description.count == 16)
    }
}

@Suite struct TraceContextHeaderTests {
    @Test func injectThenExtractRoundTripsTheContextAndTraceState() throws {
        let f = TracingFixture()
        var headers: [String: String] = [:]
        var parent = ServiceContext.topLevel
        parent.traceContext = TraceContext(traceID: TraceID(high: 0x4bf9_2f35_77b3_4da6, low: 0xa3ce_929d_0e0e_4736),
                                           spanID: SpanID(0x00f0_67aa_0ba9_02b7), flags: 1, traceState: "congo=t61rcWkgMzE")
        let span = f.tracer.startSpan("outbound", context: parent, ofKind: .client)
        f.tracer.inject(span.context, into: &headers, using: DictionaryInjector())
        #expect(headers["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(span.traceContext.spanID)-01")
        #expect(headers["tracestate"] == "congo=t61rcWkgMzE")

        var received = ServiceContext.topLevel
        f.tracer.extract(headers, into: &received, using: DictionaryExtractor())
        let extracted = try #require(received.traceContext)
        #expect(extracted.traceID == span.traceContext.traceID)
        #expect(extracted.spanID == span.traceContext.spanID)
        #expect(extracted.traceState == "congo=t61rcWkgMzE")
        #expect(extracted.isRemote)

        let server = f.tracer.forService("payment-service").startSpan("inbound", context: received, ofKind: .server)
        #expect(server.traceContext.traceID == span.traceContext.traceID)
        #expect(server.parentSpanID == span.traceContext.spanID)
        #expect(server.traceContext.traceState == "congo=t61rcWkgMzE", "a child keeps its trace's tracestate")
        #expect(!server.traceContext.isRemote, "the child of a remote parent is local")
        #expect(server.context.traceContext == server.traceContext)
    }

    @Test func aSpanBegunFromHeadersIsWhatExtractThenStartSpanGive() throws {
        let headers = ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "tracestate": "congo=t61rcWkgMzE"]
        let viaExtract = TracingFixture(), direct = TracingFixture()
        var received = ServiceContext.topLevel
        viaExtract.tracer.extract(headers, into: &received, using: DictionaryExtractor())
        let expected = viaExtract.tracer.startSpan("inbound", context: received, ofKind: .server)
        let span = direct.tracer.beginSpan(traceparent: headers["traceparent"], tracestate: headers["tracestate"], startNanoseconds: 0)
        #expect(span.traceContext == expected.traceContext)
        #expect(span.parentSpanID == SpanID(0x00f0_67aa_0ba9_02b7))
        #expect(span.context.traceContext == span.traceContext, "its context carries its ids, flags and tracestate")
        let child = direct.tracer.startSpan("handler", context: span.context)
        #expect(child.parentSpanID == span.spanID)
        #expect(child.traceContext.flags == 0)
        #expect(child.traceContext.traceState == "congo=t61rcWkgMzE")
        let call = direct.tracer.beginSpan(in: span.context, startNanoseconds: 0)
        #expect(call.traceContext.flags == 0, "a span in progress inherits the trace's flags too")
        #expect(call.traceContext.traceState == "congo=t61rcWkgMzE")
    }

    @Test func aSpanBegunFromNoOrAMalformedHeaderStartsATrace() {
        let f = TracingFixture()
        let fresh = f.tracer.beginSpan(traceparent: nil, tracestate: nil, startNanoseconds: 0)
        #expect(fresh.parentSpanID == nil)
        #expect(f.store.stats.malformedTraceHeaders == 0)
        let malformed = f.tracer.beginSpan(traceparent: "garbage", tracestate: "a=b", startNanoseconds: 0)
        #expect(malformed.parentSpanID == nil)
        #expect(malformed.traceContext.traceState == nil, "a tracestate without a valid traceparent is dropped, as W3C says")
        #expect(f.store.stats.malformedTraceHeaders == 1)
    }

    @Test func childrenInheritTheFlagsOfAnUnsampledRemoteParent() throws {
        let f = TracingFixture()
        var received = ServiceContext.topLevel
        f.tracer.extract(["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"], into: &received,
                         using: DictionaryExtractor())
        let child = f.tracer.startSpan("inbound", context: received, ofKind: .server)
        #expect(child.traceContext.flags == 0)
        var headers: [String: String] = [:]
        f.tracer.inject(child.context, into: &headers, using: DictionaryInjector())
        #expect(headers["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(child.spanID)-00")
        #expect(headers["tracestate"] == nil)
    }

    @Test func settingAPlainContextClearsTheExtrasOfAnEarlierOne() {
        var context = ServiceContext.topLevel
        let trace = TraceID(high: 1, low: 2)
        context.traceContext = TraceContext(traceID: trace, spanID: SpanID(3), flags: 0, traceState: "a=b", isRemote: true)
        context.traceContext = TraceContext(traceID: trace, spanID: SpanID(4))
        #expect(context.traceContext == TraceContext(traceID: trace, spanID: SpanID(4)))
        context.traceContext = nil
        #expect(context.traceContext == nil)
    }

    @Test(arguments: [
        ("", "empty"),
        ("garbage", "not a traceparent"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "no flags"),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "trace id too short"),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "uppercase hex"),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "all-zero trace id"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "all-zero span id"),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version ff"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "version 00 with extra fields"),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01xextra", "future version, bad separator"),
        ("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", "wrong separators"),
        ("0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "non-hex version"),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z", "non-hex flags"),
    ])
    func aMalformedTraceparentIsIgnoredAndCounted(header: String, why: String) {
        let f = TracingFixture()
        var context = ServiceContext.topLevel
        f.tracer.extract(["traceparent": header], into: &context, using: DictionaryExtractor())
        #expect(context.traceContext == nil, "\(why): should be ignored")
        #expect(f.store.stats.malformedTraceHeaders == 1, "\(why): should be counted")
        let span = f.tracer.startSpan("inbound", context: context)
        #expect(span.parentSpanID == nil, "\(why): a new root starts")
    }

    @Test func aFutureVersionWithExtraFieldsIsAccepted() {
        let context = TraceContext(traceparent: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds")
        #expect(context?.spanID == SpanID(0x00f0_67aa_0ba9_02b7))
    }

    @Test func noHeaderIsNotMalformed() {
        let f = TracingFixture()
        var context = ServiceContext.topLevel
        f.tracer.extract([:], into: &context, using: DictionaryExtractor())
        #expect(f.store.stats.malformedTraceHeaders == 0)
    }
}
