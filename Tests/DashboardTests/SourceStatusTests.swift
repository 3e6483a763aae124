import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// What a source says about itself: whether it can send commands, and how it is connected.
@Suite("Source status")
struct SourceStatusTests {
    static let reason = "controls are off: attach with --token-file FILE"

    func breakersWithControlsOff() -> DashboardState {
        var state = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        state.controlsOffReason = Self.reason
        _ = Fixtures.send(&state, .key(.char("2")))
        return state
    }

    @Test(arguments: ["o", "c", "r"] as [Character])
    func breakerKeysSayWhyControlsAreOffAndSendNothing(key: Character) {
        var state = breakersWithControlsOff()
        #expect(state.selectedBreakerID != nil)
        let effects = Fixtures.send(&state, .key(.char(key)))
        #expect(effects.isEmpty)
        #expect(state.notice?.text == Self.reason)
    }

    @Test func theFaultKeySaysWhyControlsAreOff() {
        var state = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        state.controlsOffReason = Self.reason
        #expect(state.selectedService != nil)
        let effects = Fixtures.send(&state, .key(.char("f")))
        #expect(effects.isEmpty)
        #expect(state.notice?.text == Self.reason)
        #expect(state.disabledReason(.cycleFault) == Self.reason)
    }

    @Test func otherKeysStillWorkWithControlsOff() {
        var state = breakersWithControlsOff()
        #expect(state.disabledReason(.drillIn) == nil)
        _ = Fixtures.send(&state, .key(.enter))
        #expect(state.detail == .breaker(id: state.list(.breakers).selectedID ?? ""))
    }

    @Test func withControlsOnTheKeysSendCommands() {
        var state = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = Fixtures.send(&state, .key(.char("2")))
        let effects = Fixtures.send(&state, .key(.char("o")))
        #expect(effects == [.control(.tripBreaker(id: state.selectedBreakerID ?? ""))])
    }

    @Test func theHintBarDimsControlKeysWhenControlsAreOff() {
        let on = DashboardRenderer.render({ var s = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot); _ = Fixtures.send(&s, .key(.char("2"))); return s }(), glyphs: .unicode)
        let off = DashboardRenderer.render(breakersWithControlsOff(), glyphs: .unicode)
        // The same text, drawn differently: the keys that cannot act are dimmed.
        #expect(on.plainText() == off.plainText())
        #expect(on != off)
    }

    @Test func statusTexts() {
        #expect(ConnectionStatus.live.headerText() == "live")
        #expect(ConnectionStatus.connecting.headerText() == "connecting…")
        #expect(ConnectionStatus.connecting.headerText(ellipsis: "...") == "connecting...")
        #expect(ConnectionStatus.reconnecting(staleSeconds: 12, retryInSeconds: nil).headerText() == "reconnecting… stale 12s")
        #expect(ConnectionStatus.reconnecting(staleSeconds: 125, retryInSeconds: 3).headerText() == "reconnecting… in 3s stale 2m05s")
        #expect(ConnectionStatus.reconnecting(staleSeconds: nil, retryInSeconds: 1).headerText() == "reconnecting… in 1s")
    }

    @Test func theHeaderShowsAConnectionThatIsNotLiveAndKeepsTheData() {
        var state = DashboardState(width: 120, height: 40, snapshot: Fixtures.snapshot)
        _ = Fixtures.send(&state, .connection(.reconnecting(staleSeconds: 12, retryInSeconds: 2)))
        #expect(state.connection == .reconnecting(staleSeconds: 12, retryInSeconds: 2))
        let header = DashboardRenderer.render(state, glyphs: .unicode).plainText().split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasSuffix("reconnecting… in 2s stale 12s"))
        #expect(!header.contains("live"))
        #expect(header.contains(Fixtures.snapshot.system))
        let ascii = DashboardRenderer.render(state, glyphs: .ascii).plainText().split(separator: "\n").first.map(String.init) ?? ""
        #expect(ascii.hasSuffix("reconnecting... in 2s stale 12s"))
        _ = Fixtures.send(&state, .connection(.live))
        let live = DashboardRenderer.render(state, glyphs: .unicode).plainText().split(separator: "\n").first.map(String.init) ?? ""
        #expect(live.hasSuffix("● live"))
    }

    @Test func anInProcessSourceIsLiveWithControlsOn() async {
        let source = FakeSource()
        #expect(source.connectionStatus == .live)
        #expect(source.controlUnavailableReason == nil)
    }

    @Test func theRunLoopTakesTheSourcesStatusAndSendsNoCommandWhenControlsAreOff() async {
        let backend = FakeBackend(keys: [.char("2"), .char("o"), nil, .char("q")])
        let source = ReadOnlySource()
        await DashboardApp.run(source: source, backend: backend, refresh: .seconds(3600), keyPollInterval: .zero)
        #expect(source.inner.state.withLock { $0.commands }.isEmpty)
        let screen = backend.screen.plainText()
        #expect(screen.contains(Self.reason))
        #expect(screen.contains("connecting…"))
    }

    @Test func aSourceWithNothingYetShowsWaiting() async {
        let backend = FakeBackend(keys: [nil, .char("q")])
        await DashboardApp.run(source: EmptySource(), backend: backend, refresh: .seconds(3600), keyPollInterval: .zero)
        #expect(backend.screen.plainText().contains("waiting for the first snapshot"))
    }
}

/// A remote-like source: no token, still connecting.
final class ReadOnlySource: DashboardSource {
    let inner = FakeSource()
    func snapshot() async -> SystemSnapshot? { await inner.snapshot() }
    func traces(_ query: TraceQuery) async -> TracePage { await inner.traces(query) }
    func traceTree(id: String) async -> TraceTree? { await inner.traceTree(id: id) }
    func perform(_ command: ControlCommand) async throws { try await inner.perform(command) }
    var connectionStatus: ConnectionStatus { .connecting }
    var controlUnavailableReason: String? { SourceStatusTests.reason }
}

/// A source that has received nothing yet.
struct EmptySource: DashboardSource {
    func snapshot() async -> SystemSnapshot? { nil }
    func traces(_ query: TraceQuery) async -> TracePage { TracePage(query: query) }
    func traceTree(id: String) async -> TraceTree? { nil }
    func perform(_ command: ControlCommand) async throws {}
    var connectionStatus: ConnectionStatus { .connecting }
}
