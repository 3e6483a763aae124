import Testing
import Synchronization
import Telemetry
import TerminalUI
@testable import Dashboard

/// A terminal that replays keys and keeps what was drawn, like a real screen would.
final class FakeBackend: TerminalBackend {
    var size: (width: Int, height: Int)
    var colorCapability: ColorCapability = .extended
    var supportsUnicode = true
    var interruptRequested = false
    /// Keys to read, in order; a nil is one read that finds no key (the loop then renders).
    var keys: [Key?]
    var screen: Buffer
    var flushes = 0
    var invalidations = 0
    var drawnRuns = 0

    init(width: Int = 120, height: Int = 30, keys: [Key?]) {
        self.size = (width, height)
        self.keys = keys
        self.screen = Buffer(width: width, height: height)
    }

    func draw(_ runs: [CellRun]) {
        drawnRuns += runs.count
        for run in runs { screen.write(run.text, x: run.x, y: run.y, style: run.style) }
    }

    func flush() { flushes += 1 }

    func readKey(timeout: Duration) -> Key? {
        keys.isEmpty ? nil : keys.removeFirst()
    }

    func invalidate() {
        invalidations += 1
        screen = Buffer(width: size.width, height: size.height)
    }

    func restore() {}
}

/// A system that applies breaker commands to its fixture snapshot.
final class FakeSource: DashboardSource {
    struct State {
        var snapshot = Fixtures.snapshot
        var commands: [ControlCommand] = []
        var snapshotsTaken = 0
    }

    let state = Mutex(State())

    func snapshot() async -> SystemSnapshot? {
        state.withLock { $0.snapshotsTaken += 1; return $0.snapshot }
    }

    func traces(_ query: TraceQuery) async -> TracePage {
        query.page(of: Fixtures.traces)
    }

    func traceTree(id: String) async -> TraceTree? {
        id == Fixtures.tree.traceId ? Fixtures.tree : nil
    }

    struct UnknownBreaker: Error, CustomStringConvertible {
        var id: String
        var description: String { "unknown breaker \"\(id)\"" }
    }

    func perform(_ command: ControlCommand) async throws {
        try state.withLock { state in
            state.commands.append(command)
            if case .tripBreaker(let id, _) = command {
                guard let index = state.snapshot.breakers.firstIndex(where: { $0.id == id }) else { throw UnknownBreaker(id: id) }
                state.snapshot.breakers[index].state = .forcedOpen
                state.snapshot.breakers[index].isManual = true
            }
        }
    }
}

@Suite("Run loop")
struct RunLoopTests {
    @Test func tripsABreakerShowsItAndQuits() async {
        let backend = FakeBackend(keys: [.char("2"), .char("o"), nil, .char("q")])
        let source = FakeSource()
        // Every key is queued before the loop starts and the poll interval is zero: no waiting.
        await DashboardApp.run(source: source, backend: backend, refresh: .seconds(3600), keyPollInterval: .zero)
        let commands = source.state.withLock { $0.commands }
        #expect(commands == [.tripBreaker(id: "order-service->payment-service")])
        let screen = backend.screen.plainText()
        #expect(screen.contains("order-service → payment-service    ■ FORCED OPEN"))
        #expect(screen.contains("tripped order-service->payment-service (forced open)"))
        #expect(backend.flushes >= 2)
        // The command was followed by a fresh snapshot, not left for the next tick.
        #expect(source.state.withLock { $0.snapshotsTaken } == 2)
    }

    @Test func drawsOnlyWhatChanged() async {
        let backend = FakeBackend(keys: [])
        let runtime = DashboardRuntime(source: FakeSource(), backend: backend, keyMap: .standard)
        await runtime.refresh()
        runtime.renderFrame()
        let firstRuns = backend.drawnRuns
        runtime.renderFrame()
        #expect(backend.drawnRuns == firstRuns) // nothing changed, nothing drawn
        backend.keys = [.down]
        #expect(await runtime.drainKeys())
        runtime.renderFrame()
        #expect(backend.drawnRuns > firstRuns)
        #expect(backend.drawnRuns - firstRuns < firstRuns / 3) // two rows' highlight, not the whole screen
        #expect(backend.screen == DashboardRenderer.render(runtime.state, glyphs: .unicode))
    }

    @Test func aResizeRedrawsEverythingAtTheNewSize() async {
        let backend = FakeBackend(keys: [])
        let runtime = DashboardRuntime(source: FakeSource(), backend: backend, keyMap: .standard)
        await runtime.refresh()
        runtime.renderFrame()
        backend.size = (80, 20)
        backend.keys = [.resize]
        _ = await runtime.drainKeys()
        runtime.renderFrame()
        #expect(runtime.state.width == 80 && runtime.state.height == 20)
        #expect(backend.invalidations == 1)
        #expect(backend.screen == DashboardRenderer.render(runtime.state, glyphs: .unicode))
    }

    @Test func aFailedCommandIsShownNotThrown() async {
        let backend = FakeBackend(keys: [])
        let source = FakeSource()
        let runtime = DashboardRuntime(source: source, backend: backend, keyMap: .standard)
        await runtime.refresh()
        source.state.withLock { $0.snapshot.breakers[0].id = "renamed" }
        // The dashboard still shows the old id; the source no longer knows it.
        await runtime.send(.key(.char("2")))
        await runtime.send(.key(.char("o")))
        #expect(runtime.state.notice?.isError == true)
        #expect(runtime.state.notice?.text.contains("unknown breaker") == true)
    }

    @Test func enterOnATraceFetchesAndShowsTheTree() async {
        let backend = FakeBackend(keys: [.char("3"), .enter])
        let runtime = DashboardRuntime(source: FakeSource(), backend: backend, keyMap: .standard)
        await runtime.refresh()
        _ = await runtime.drainKeys()
        runtime.renderFrame()
        #expect(backend.screen.plainText().contains("▾ POST /api/orders"))
    }
}
