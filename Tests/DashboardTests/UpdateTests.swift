import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

@Suite("update")
struct UpdateTests {
    func state(width: Int = 120, height: Int = 40) -> DashboardState {
        DashboardState(width: width, height: height, snapshot: Fixtures.snapshot)
    }

    /// Presses the keys, answering the trace-page fetches as a source would; the other effects.
    func press(_ state: inout DashboardState, _ keys: Key...) -> [Effect] {
        keys.flatMap { Fixtures.send(&state, .key($0)) }
    }

    func type(_ state: inout DashboardState, _ text: String) {
        for character in text { _ = Fixtures.send(&state, .key(.char(character))) }
    }

    @Test func numberKeysSwitchViews() {
        var s = state()
        #expect(s.tab == .services)
        _ = press(&s, .char("3"))
        #expect(s.tab == .traces)
        _ = press(&s, .char("4"), .char("2"))
        #expect(s.tab == .breakers)
        #expect(s.keyContext == .breakers)
    }

    @Test func arrowsAndVimKeysMoveTheSelectionWithinBounds() {
        var s = state()
        #expect(s.list(.services).selectedID == "gateway")
        _ = press(&s, .down, .char("j"))
        #expect(s.list(.services).selectedID == "payment-service")
        _ = press(&s, .down, .down, .down)
        #expect(s.list(.services).selectedID == "notification")
        _ = press(&s, .char("k"))
        #expect(s.list(.services).selectedID == "payment-service")
        _ = press(&s, .home)
        #expect(s.list(.services).selectedID == "gateway")
        _ = press(&s, .end)
        #expect(s.list(.services).selectedID == "notification")
        _ = press(&s, .pageUp)
        #expect(s.list(.services).selectedID == "gateway")
    }

    @Test func selectionStaysOnTheSameServiceWhenRowsReorder() {
        var s = state()
        _ = press(&s, .down) // order-service
        var reordered = Fixtures.snapshot
        reordered.services.reverse()
        _ = Fixtures.send(&s, .snapshot(reordered))
        #expect(s.list(.services).selectedID == "order-service")
        #expect(s.list(.services).selectedIndex == 2)
    }

    @Test func whenTheSelectedRowDisappearsTheSelectionStaysNearby() {
        var s = state()
        _ = press(&s, .down) // order-service, index 1
        var smaller = Fixtures.snapshot
        smaller.services.removeAll { $0.name == "order-service" }
        _ = Fixtures.send(&s, .snapshot(smaller))
        #expect(s.list(.services).selectedID == "payment-service")
    }

    @Test func atTheHeadOfANewestFirstListNewRowsComeIntoView() {
        var s = state()
        #expect(s.list(.events).selectedID == "4")
        _ = press(&s, .char("3")) // the Traces list pages the store only while it is on screen
        #expect(s.list(.traces).selectedID == "4bf92f3577b34da6a3ce929d0e0e4736")
        var newer = Fixtures.snapshot
        newer.events.insert(EventRecord(id: 5, at: Fixtures.takenAt, uptimeSeconds: 192, source: "dashboard", kind: .manualAction, message: "tripped by hand"), at: 0)
        newer.traces.insert(TraceSummary(traceId: "11111111111111111111111111111111", rootService: "gateway", rootOperation: "GET /api/products", startedAt: Fixtures.takenAt, durationMs: 3, spanCount: 2, hasError: false, services: ["gateway"]), at: 0)
        _ = Fixtures.send(&s, .snapshot(newer))
        #expect(s.list(.events).selectedID == "5")
        #expect(s.list(.events).selectedIndex == 0)
        #expect(s.list(.traces).selectedID == "11111111111111111111111111111111")
    }

    @Test func belowTheHeadTheSelectionStaysOnItsItemAsNewRowsArrive() {
        var s = state()
        _ = press(&s, .char("4"), .down) // event 3
        var newer = Fixtures.snapshot
        newer.events.insert(EventRecord(id: 5, at: Fixtures.takenAt, uptimeSeconds: 192, source: "dashboard", kind: .manualAction, message: "tripped by hand"), at: 0)
        _ = Fixtures.send(&s, .snapshot(newer))
        #expect(s.list(.events).selectedID == "3")
        #expect(s.list(.events).selectedIndex == 2)
    }

    @Test func theHeadIsOnlyFollowedInNewestFirstOrder() {
        var s = state()
        _ = press(&s, .char("3"), .char("s")) // slowest first: 4bf92f35 (184 ms) on top
        #expect(s.sortOrder(.traces) == .slowest)
        #expect(s.list(.traces).selectedID == "4bf92f3577b34da6a3ce929d0e0e4736")
        var slower = Fixtures.snapshot
        slower.traces.insert(TraceSummary(traceId: "22222222222222222222222222222222", rootService: "gateway", rootOperation: "POST /api/orders", startedAt: Fixtures.takenAt, durationMs: 900, spanCount: 7, hasError: false, services: ["gateway"]), at: 0)
        _ = Fixtures.send(&s, .snapshot(slower))
        #expect(s.list(.traces).selectedID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(s.list(.traces).selectedIndex == 1)
    }

    @Test func sortingKeepsTheSelectedID() {
        var s = state()
        _ = press(&s, .char("3"), .down) // the second newest trace: 0af76519
        _ = press(&s, .char("s"))
        #expect(s.sortOrder(.traces) == .slowest)
        #expect(s.list(.traces).selectedID == "0af7651916cd43dd8448eb211c80319c")
        #expect(s.list(.traces).selectedIndex == 2) // fastest of three
        #expect(Rows.ids(.traces, s).first == "4bf92f3577b34da6a3ce929d0e0e4736")
        _ = press(&s, .char("s"))
        #expect(s.sortOrder(.traces) == .newest)
    }

    @Test func filterNarrowsRowsAsYouTypeEnterKeepsEscClears() {
        var s = state()
        _ = press(&s, .char("/"))
        #expect(s.list(.services).isEditingFilter)
        type(&s, "payq")
        // While typing, q is text, not quit.
        #expect(!s.isQuitting)
        _ = press(&s, .backspace)
        #expect(s.list(.services).filter == "pay")
        #expect(Rows.ids(.services, s) == ["payment-service"])
        #expect(s.list(.services).selectedID == "payment-service")
        _ = press(&s, .enter)
        #expect(!s.list(.services).isEditingFilter)
        #expect(s.list(.services).filter == "pay")
        _ = press(&s, .escape)
        #expect(s.list(.services).filter == "")
        #expect(Rows.ids(.services, s).count == 4)
        #expect(s.list(.services).selectedID == "payment-service")
    }

    @Test func escWhileTypingClearsTheFilter() {
        var s = state()
        _ = press(&s, .char("2"), .char("/"))
        type(&s, "inventory")
        #expect(Rows.ids(.breakers, s) == ["order-service->inventory-service"])
        _ = press(&s, .escape)
        #expect(s.list(.breakers).filter.isEmpty)
        #expect(!s.list(.breakers).isEditingFilter)
    }

    @Test func pauseFreezesTheFeed() {
        var s = state()
        _ = press(&s, .char("p"))
        #expect(s.isPaused)
        var newer = Fixtures.snapshot
        newer.uptimeSeconds = 999
        _ = Fixtures.send(&s, .snapshot(newer))
        #expect(s.snapshot?.uptimeSeconds == 192)
        _ = press(&s, .char("p"))
        _ = Fixtures.send(&s, .snapshot(newer))
        #expect(s.snapshot?.uptimeSeconds == 999)
    }

    @Test func faultKeyCyclesNoneErrorsLatencyDownNone() {
        var s = state()
        #expect(press(&s, .char("f")) == [.control(.setFault(service: "gateway", fault: .errors(ratio: 0.5)))])
        _ = press(&s, .down, .down) // payment-service reports errors 40%
        #expect(press(&s, .char("f")) == [.control(.setFault(service: "payment-service", fault: .latency(milliseconds: 300)))])
        #expect(FaultSpec.next(after: .latency(milliseconds: 300)) == .down)
        #expect(FaultSpec.next(after: .down) == FaultSpec.none)
        #expect(FaultSpec.next(after: .hang) == FaultSpec.none)
        #expect(FaultSpec.next(after: .none) == .errors(ratio: 0.5))
        #expect(FaultSpec.next(after: .errors(ratio: 1, status: 500)) == .latency(milliseconds: 300))
    }

    @Test func breakerKeysActOnTheSelectedBreaker() {
        var s = state()
        _ = press(&s, .char("2"), .down, .down)
        let id = "gateway->product-service"
        #expect(press(&s, .char("o")) == [.control(.tripBreaker(id: id))])
        #expect(press(&s, .char("c")) == [.control(.forceBreakerClosed(id: id))])
        #expect(press(&s, .char("r")) == [.control(.resetBreaker(id: id))])
        // The same keys in the breaker detail.
        _ = press(&s, .home, .enter)
        #expect(s.detail == .breaker(id: "order-service->payment-service"))
        #expect(press(&s, .char("o")) == [.control(.tripBreaker(id: "order-service->payment-service"))])
        // Breaker keys do nothing on other views.
        _ = press(&s, .char("1"))
        #expect(press(&s, .char("o")).isEmpty)
    }

    @Test func commandResultsShowAsNoticesThatExpire() {
        var s = state()
        _ = update(&s, .performed(.tripBreaker(id: "a->b"), failure: nil))
        #expect(s.notice?.text == "tripped a->b (forced open)")
        _ = update(&s, .performed(.resetBreaker(id: "x"), failure: "unknown breaker \"x\""))
        #expect(s.notice == Notice("reset x to automatic failed: unknown breaker \"x\"", isError: true))
        for _ in 0..<16 { _ = update(&s, .tick) }
        #expect(s.notice == nil)
    }

    @Test func enterOnATraceFetchesItsTreeAndEscGoesBack() {
        var s = state()
        _ = press(&s, .char("3"))
        #expect(press(&s, .enter) == [.fetchTrace(id: Fixtures.tree.traceId)])
        #expect(s.detail == .trace(id: Fixtures.tree.traceId, tree: .loading))
        _ = update(&s, .traceTree(Fixtures.tree))
        #expect(s.detail == .trace(id: Fixtures.tree.traceId, tree: .loaded(LoadedTrace(tree: Fixtures.tree))))
        #expect(s.loadedTrace?.selectedSpanID == "a000000000000001")
        _ = press(&s, .escape)
        #expect(s.detail == nil)
        #expect(s.loadedTrace == nil)
        #expect(s.tab == .traces)
    }

    @Test func aTreeForAnotherTraceIsIgnoredAndAMissingOneIsReported() {
        var s = state()
        _ = press(&s, .char("3"), .down, .enter)
        var other = Fixtures.tree
        other.traceId = "ffff"
        _ = update(&s, .traceTree(other))
        #expect(s.detail == .trace(id: "0af7651916cd43dd8448eb211c80319c", tree: .loading))
        _ = update(&s, .traceTree(nil))
        #expect(s.detail == .trace(id: "0af7651916cd43dd8448eb211c80319c", tree: .notStored))
        let text = DashboardRenderer.render(s, glyphs: .unicode).plainText()
        #expect(text.contains("is no longer stored"))
    }

    func traceState() -> DashboardState {
        var s = state()
        _ = press(&s, .char("3"), .enter)
        _ = update(&s, .traceTree(Fixtures.tree))
        return s
    }

    @Test func leftCollapsesRightExpandsAndMovesBetweenParentAndChild() {
        var s = traceState()
        _ = press(&s, .down) // create_order
        _ = press(&s, .left)
        #expect(s.loadedTrace?.collapsed == ["a000000000000002"])
        _ = press(&s, .down) // nothing below the collapsed subtree
        #expect(s.loadedTrace?.selectedSpanID == "a000000000000002")
        _ = press(&s, .left) // already collapsed: go to the parent
        #expect(s.loadedTrace?.selectedSpanID == "a000000000000001")
        _ = press(&s, .down, .right) // expand create_order
        #expect(s.loadedTrace?.collapsed == [])
        _ = press(&s, .right) // already expanded: first child
        #expect(s.loadedTrace?.selectedSpanID == "a000000000000003")
    }

    @Test func nextErrorWrapsAndExpandsCollapsedAncestors() {
        var s = traceState()
        _ = press(&s, .down, .left) // collapse create_order
        _ = press(&s, .char("e"))
        #expect(s.loadedTrace?.selectedSpanID == "a000000000000004")
        #expect(s.loadedTrace?.collapsed.isEmpty == true)
        _ = press(&s, .char("e"), .char("e"))
        #expect(s.loadedTrace?.selectedSpanID == "a000000000000006")
        _ = press(&s, .char("e"))
        #expect(s.loadedTrace?.selectedSpanID == "a000000000000001") // wrapped to the erroring root
    }

    @Test func errorsOnlyTogglesOnTheTracesList() {
        var s = state()
        _ = press(&s, .char("3"), .char("e"))
        #expect(Rows.ids(.traces, s) == ["4bf92f3577b34da6a3ce929d0e0e4736"])
        _ = press(&s, .escape)
        #expect(Rows.ids(.traces, s).count == 3)
    }

    @Test func helpOpensAndClosesWithEscOrQuestionMark() {
        var s = state()
        _ = press(&s, .char("?"))
        #expect(s.showHelp && s.keyContext == .help)
        _ = press(&s, .escape)
        #expect(!s.showHelp)
        _ = press(&s, .char("?"), .char("?"))
        #expect(!s.showHelp)
    }

    @Test func quitAndCtrlCQuit() {
        var s = state()
        #expect(press(&s, .char("q")) == [.quit])
        #expect(s.isQuitting)
        var t = state()
        _ = press(&t, .char("/"))
        #expect(press(&t, .ctrl("c")) == [.quit])
    }

    @Test func resizeBelowTheMinimumShowsTheMessageAndBackRestores() {
        var s = state()
        _ = Fixtures.send(&s, .resize(width: 59, height: 30))
        #expect(s.isTooSmall)
        #expect(DashboardRenderer.render(s, glyphs: .unicode).plainText().contains("terminal too small (need 60×15)"))
        _ = Fixtures.send(&s, .resize(width: 60, height: 15))
        #expect(!s.isTooSmall)
        #expect(DashboardRenderer.render(s, glyphs: .unicode).plainText().contains("payment-service"))
    }

    @Test func scrollingKeepsTheSelectionOnScreen() {
        var many = Fixtures.snapshot
        many.services = (0..<50).map { ServiceStatus(name: "svc-\($0)", health: .up, rps: Double($0)) }
        var s = DashboardState(width: 100, height: 15, snapshot: many)
        _ = press(&s, .end)
        #expect(s.list(.services).selectedID == "svc-49")
        #expect(s.list(.services).offset == 50 - DashboardLayout.listRows(height: 15))
        let text = DashboardRenderer.render(s, glyphs: .unicode).plainText()
        #expect(text.contains("svc-49"))
        #expect(!text.contains("svc-0 "))
        _ = press(&s, .pageUp)
        #expect(s.list(.services).selectedIndex == 49 - DashboardLayout.listRows(height: 15))
    }
}

@Suite("keys that cannot act say why")
struct DisabledKeyTests {
    /// Presses the keys, answering the trace-page fetches as a source would; the other effects.
    func press(_ state: inout DashboardState, _ keys: Key...) -> [Effect] {
        keys.flatMap { Fixtures.send(&state, .key($0)) }
    }

    /// A list filtered down to nothing: `/`, the text, `enter`.
    func filter(_ state: inout DashboardState, _ text: String) {
        _ = press(&state, .char("/"))
        for character in text { _ = Fixtures.send(&state, .key(.char(character))) }
        _ = press(&state, .enter)
    }

    @Test(arguments: ["o", "c", "r"])
    func breakerKeysWithNoBreakerSelected(key: Character) {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = press(&s, .char("2"))
        filter(&s, "nothing-like-this")
        #expect(press(&s, .char(key)).isEmpty)
        #expect(s.notice?.text == "no breaker selected: no breakers match the filter \"nothing-like-this\"")
        #expect(s.disabledReason(.tripBreaker) != nil)
    }

    @Test func faultKeyWithNoServiceSelected() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        filter(&s, "zzz")
        #expect(press(&s, .char("f")).isEmpty)
        #expect(s.notice?.text == "no service selected: no services match the filter \"zzz\"")
    }

    @Test func faultKeyInTheDetailOfAServiceNoLongerReported() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = press(&s, .enter)
        var without = Fixtures.snapshot
        without.services.removeFirst()
        _ = Fixtures.send(&s, .snapshot(without))
        #expect(press(&s, .char("f")).isEmpty)
        #expect(s.notice?.text == "service gateway is no longer reported")
    }

    @Test func faultKeyBeforeTheFirstSnapshot() {
        var s = DashboardState(width: 120, height: 40)
        #expect(press(&s, .char("f")).isEmpty)
        #expect(s.notice?.text == "no service selected: waiting for the first snapshot")
    }

    @Test func enterOnAnEmptyList() {
        var s = DashboardState(width: 120, height: 40, snapshot: SystemSnapshot(system: "empty", takenAt: 0, uptimeSeconds: 0, windowSeconds: 10))
        #expect(press(&s, .enter).isEmpty)
        #expect(s.detail == nil)
        #expect(s.notice?.text == "nothing to open: the list is empty")
    }

    @Test func nextErrorInATraceWithNoErrorSpan() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        var healthy = Fixtures.tree
        for index in healthy.spans.indices { healthy.spans[index].status = SpanStatusRecord(code: .ok) }
        s.detail = .trace(id: healthy.traceId, tree: .loading)
        #expect(press(&s, .char("e")).isEmpty)
        #expect(s.notice?.text == "no span to go to: the trace is not loaded")
        _ = update(&s, .traceTree(healthy))
        let before = s.loadedTrace?.selectedSpanID
        #expect(press(&s, .char("e")).isEmpty)
        #expect(s.notice?.text == "no span with an error in this trace")
        #expect(s.loadedTrace?.selectedSpanID == before)
    }

    @Test func theHintBarDimsKeysThatCannotAct() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = press(&s, .char("2"))
        let enabled = DashboardRenderer.render(s, glyphs: .unicode)
        filter(&s, "zzz")
        let disabled = DashboardRenderer.render(s, glyphs: .unicode)
        let row = s.height - 1
        let hintLine = enabled.plainText().split(separator: "\n", omittingEmptySubsequences: false)[row]
        let x = hintLine.firstRange(of: "<o>").map { hintLine.distance(from: hintLine.startIndex, to: $0.lowerBound) }
        #expect(x != nil)
        if let x {
            #expect(!enabled[x, row].style.modifiers.contains(.dim))
            #expect(disabled[x, row].style.modifiers.contains(.dim))
        }
    }
}

@Suite("update: the Logs view")
struct LogsUpdateTests {
    func state(width: Int = 120, height: Int = 40) -> DashboardState {
        var s = DashboardState(width: width, height: height, snapshot: Fixtures.snapshot)
        _ = Fixtures.send(&s, .key(.char("7")))
        return s
    }

    @Test func sevenShowsTheLogsNewestFirst() {
        let s = state()
        #expect(s.tab == .logs)
        #expect(s.keyContext == .logs)
        #expect(Rows.logs(s).map(\.id) == Fixtures.logs.map(\.id))
        #expect(s.list(.logs).selectedID == "1212")
    }

    @Test func lCyclesTheLeastSevereLevelShownAndEscShowsAllAgain() {
        var s = state()
        _ = Fixtures.send(&s, .key(.char("l")))
        #expect(s.logsMinimumLevel == .info)
        #expect(!Rows.logs(s).contains { $0.level == .debug })
        _ = Fixtures.send(&s, .key(.char("l")))
        #expect(s.logsMinimumLevel == .warning)
        #expect(Rows.logs(s).map(\.level).allSatisfy { $0 >= .warning })
        #expect(s.notice?.text == "level: warning and above")
        // The selection moved off the info record the filter hid.
        #expect(s.list(.logs).selectedID == "1211")
        _ = Fixtures.send(&s, .key(.char("l")))
        #expect(Rows.logs(s).map(\.level) == [.error, .error, .critical])
        _ = Fixtures.send(&s, .key(.char("l")))
        #expect(s.logsMinimumLevel == .trace)
        _ = Fixtures.send(&s, .key(.char("l")))
        _ = Fixtures.send(&s, .key(.escape))
        #expect(s.logsMinimumLevel == .trace)
        #expect(Rows.logs(s).count == Fixtures.logs.count)
    }

    @Test func slashFiltersByTextAcrossMessageServiceMetadataAndTrace() {
        var s = state()
        _ = Fixtures.send(&s, .key(.char("/")))
        for character in "o-17" { _ = Fixtures.send(&s, .key(.char(character))) }
        _ = Fixtures.send(&s, .key(.enter))
        #expect(Rows.logs(s).map(\.id) == [1_205])
        _ = Fixtures.send(&s, .key(.escape))
        _ = Fixtures.send(&s, .key(.char("/")))
        for character in "4bf92f35" { _ = Fixtures.send(&s, .key(.char(character))) }
        #expect(Rows.logs(s).count == 4, "a trace id's start finds the trace's records")
    }

    @Test func sCyclesToOldestFirst() {
        var s = state()
        _ = Fixtures.send(&s, .key(.char("s")))
        #expect(s.sortOrder(.logs) == .oldest)
        #expect(Rows.logs(s).first?.id == 1_204)
    }

    @Test func enterOpensTheTraceAtTheSpanTheRecordWasLoggedIn() throws {
        var s = state()
        _ = Fixtures.send(&s, .key(.down))
        _ = Fixtures.send(&s, .key(.down))
        _ = Fixtures.send(&s, .key(.down))   // 1209, order-service, in span a…02
        let effects = Fixtures.drive(&s, .key(.enter))
        #expect(effects.contains(.fetchTrace(id: "4bf92f3577b34da6a3ce929d0e0e4736")))
        let trace = try #require(s.loadedTrace)
        #expect(trace.selectedSpanID == "a000000000000002")
        #expect(s.traceLogScope == .span)
        _ = Fixtures.send(&s, .key(.escape))
        #expect(s.detail == nil)
        #expect(s.tab == .logs)
    }

    @Test func enterOnARecordOutsideAnyTraceSaysSoAndStays() {
        var s = state()
        let effects = Fixtures.send(&s, .key(.enter))   // 1212: no trace
        #expect(effects.isEmpty)
        #expect(s.detail == nil)
        #expect(s.notice?.text == "this record was logged outside any trace")
        #expect(s.disabledReason(.drillIn) == "this record was logged outside any trace")
    }

    @Test func levelFilterThatHidesEverythingSaysWhy() {
        var snapshot = Fixtures.snapshot
        snapshot.logs = snapshot.logs.filter { $0.level < .error }
        var s = DashboardState(width: 120, height: 40, snapshot: snapshot)
        _ = Fixtures.send(&s, .key(.char("7")))
        for _ in 0..<3 { _ = Fixtures.send(&s, .key(.char("l"))) }
        #expect(s.logsMinimumLevel == .error)
        #expect(s.disabledReason(.drillIn) == "nothing to open: no records at error or above")
    }

    @Test func capitalLInATraceCyclesItsPaneThroughSpanLogsTraceLogsAndBack() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = Fixtures.drive(&s, .key(.char("3")))
        _ = Fixtures.drive(&s, .key(.enter))
        #expect(s.loadedTrace != nil)
        #expect(s.traceLogScope == nil)
        _ = Fixtures.send(&s, .key(.char("L")))
        #expect(s.traceLogScope == .span)
        _ = Fixtures.send(&s, .key(.char("L")))
        #expect(s.traceLogScope == .trace)
        _ = Fixtures.send(&s, .key(.char("L")))
        #expect(s.traceLogScope == nil)
    }

    @Test func capitalLWhileTheTraceLoadsSaysSo() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = Fixtures.send(&s, .key(.char("3")))
        _ = Fixtures.send(&s, .key(.enter))   // asked for, not answered
        _ = Fixtures.send(&s, .key(.char("L")))
        #expect(s.traceLogScope == nil)
        #expect(s.notice?.text == "the trace is not loaded")
    }

    @Test func thePaneAsksTheSourceForEveryRecordOfTheTraceAndPrefersItsAnswer() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = Fixtures.drive(&s, .key(.char("3")))
        _ = Fixtures.drive(&s, .key(.enter))
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        #expect(Fixtures.send(&s, .key(.char("L"))) == [.fetchTraceLogs(traceId: trace)])
        // An older record the snapshot's recent ones no longer hold, in the root span.
        let older = LogRecord(id: 7, at: 189.7, level: .info, service: "gateway", message: "accepted order", traceId: trace, spanId: "a000000000000001")
        _ = update(&s, .traceLogs(traceId: trace, records: [older]))
        #expect(Rows.traceLogs(s, traceId: trace, spanId: nil) == [older])
        #expect(Rows.traceLogs(s, traceId: trace, spanId: "a000000000000001") == [older])
        // Asked again with each snapshot while the pane shows logs; not once it shows attributes.
        #expect(Fixtures.send(&s, .snapshot(Fixtures.snapshot)) == [.fetchTraceLogs(traceId: trace)])
        _ = Fixtures.send(&s, .key(.char("L")))
        _ = Fixtures.send(&s, .key(.char("L")))
        #expect(s.traceLogScope == nil)
        #expect(s.traceLogRecords == nil)
        #expect(Fixtures.send(&s, .snapshot(Fixtures.snapshot)).isEmpty)
    }

    @Test func aSourceThatKeepsNoLogsLeavesTheSnapshotsRecords() {
        var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = Fixtures.drive(&s, .key(.char("3")))
        _ = Fixtures.drive(&s, .key(.enter))
        _ = Fixtures.send(&s, .key(.char("L")))
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        _ = update(&s, .traceLogs(traceId: trace, records: nil))
        #expect(Rows.traceLogs(s, traceId: trace, spanId: nil).map(\.id) == [1_207, 1_208, 1_209, 1_210])
        // An answer for a trace no longer asked for is ignored.
        _ = update(&s, .traceLogs(traceId: "0af7651916cd43dd8448eb211c80319c", records: []))
        #expect(s.traceLogRecords == nil)
    }

    @Test func theTraceLogsAreTheSnapshotsRecordsOfThatTraceOldestFirst() {
        let s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        #expect(Rows.traceLogs(s, traceId: trace, spanId: nil).map(\.id) == [1_207, 1_208, 1_209, 1_210])
        #expect(Rows.traceLogs(s, traceId: trace, spanId: "a000000000000004").map(\.id) == [1_208])
    }
}
