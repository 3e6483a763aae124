import Telemetry
import TerminalUI

/// The dashboard's run loop: the only impure part. It owns the terminal on the task that calls
/// ``run(source:backend:refresh:keyPollInterval:)``; everything else is handed values.
public enum DashboardApp {
    /// Runs the dashboard until `q`, Ctrl-C, SIGTERM (through `backend.interruptRequested`) or the
    /// task's cancellation. Does not restore the terminal: whoever created the backend does
    /// (`defer { terminal.restore() }`).
    ///
    /// Every `refresh` it takes a snapshot from the source, renders, diffs against the last frame
    /// and draws only the changes. Between refreshes it polls keys every `keyPollInterval`
    /// (sleeping, not blocking a thread); each key goes through ``update(_:_:keyMap:)`` and its
    /// effects to the source at once. A control command is followed by an immediate refresh so
    /// its result shows without waiting, and so is new data a source was sent (its
    /// ``DashboardSource/dataRevision`` changed).
    public static func run(
        source: some DashboardSource,
        backend: some TerminalBackend,
        refresh: Duration = .milliseconds(250),
        keyPollInterval: Duration = .milliseconds(10),
        keyMap: KeyMap = .standard
    ) async {
        let runtime = DashboardRuntime(source: source, backend: backend, keyMap: keyMap)
        await runtime.refresh()
        runtime.renderFrame()
        let clock = ContinuousClock()
        var nextTick = clock.now.advanced(by: refresh)
        var drawnRevision = source.dataRevision
        while !runtime.state.isQuitting && !backend.interruptRequested && !Task.isCancelled {
            var dirty = await runtime.drainKeys()
            if runtime.state.isQuitting { break }
            let revision = source.dataRevision
            if clock.now >= nextTick || revision != drawnRevision {
                drawnRevision = revision
                await runtime.refresh()
                dirty = true
                nextTick = clock.now.advanced(by: refresh)
            }
            if dirty { runtime.renderFrame() }
            do {
                try await Task.sleep(for: keyPollInterval)
            } catch {
                break
            }
        }
    }
}

/// The loop's state and steps, separate from the timing so tests can drive it directly.
final class DashboardRuntime<Source: DashboardSource, Backend: TerminalBackend> {
    let source: Source
    let backend: Backend
    let keyMap: KeyMap
    let glyphs: Glyphs
    private(set) var state: DashboardState
    private var lastFrame: Buffer?

    init(source: Source, backend: Backend, keyMap: KeyMap) {
        self.source = source
        self.backend = backend
        self.keyMap = keyMap
        self.glyphs = Glyphs.forTerminal(utf8: backend.supportsUnicode)
        let size = backend.size
        self.state = DashboardState(width: size.width, height: size.height)
        self.state.controlsOffReason = source.controlUnavailableReason
        self.state.connection = source.connectionStatus
        self.state.simulation = source.simulationStatus
    }

    /// Applies a message and carries out its effects (which may produce more messages).
    func send(_ message: Message) async {
        var queue = [message]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            for effect in update(&state, next, keyMap: keyMap) {
                switch effect {
                case .quit:
                    return
                case .fetchTrace(let id):
                    queue.append(.traceTree(await source.traceTree(id: id)))
                case .fetchTraces(let query):
                    queue.append(.traces(await source.traces(query)))
                case .fetchTraceLogs(let id):
                    queue.append(.traceLogs(traceId: id, records: await source.logs(traceId: id)))
                case .simulate(let control):
                    let reply = await source.simulate(control)
                    queue.append(.simulated(control, reply: reply))
                    queue.append(.simulation(source.simulationStatus))
                    if !state.isPaused, let snapshot = await source.snapshot() { queue.append(.snapshot(snapshot)) }
                case .control(let command):
                    do {
                        try await source.perform(command)
                        queue.append(.performed(command, failure: nil))
                        if let snapshot = await source.snapshot() { queue.append(.snapshot(snapshot)) }
                    } catch {
                        queue.append(.performed(command, failure: String(describing: error)))
                    }
                }
            }
        }
    }

    /// Reads every pending key; returns true when anything was read (the frame must be redrawn).
    func drainKeys() async -> Bool {
        var any = false
        while !state.isQuitting, let key = backend.readKey(timeout: .zero) {
            any = true
            if key == .resize {
                let size = backend.size
                await send(.resize(width: size.width, height: size.height))
                backend.invalidate()
                lastFrame = nil
            } else {
                await send(.key(key))
            }
        }
        return any
    }

    /// One refresh period: a new snapshot (ignored by `update` while paused) and a tick.
    func refresh() async {
        await send(.connection(source.connectionStatus))
        if let simulation = source.simulationStatus { await send(.simulation(simulation)) }
        if !state.isPaused, let snapshot = await source.snapshot() {
            await send(.snapshot(snapshot))
        }
        await send(.tick)
    }

    /// Renders the state, draws what changed since the last frame, flushes.
    func renderFrame() {
        let size = backend.size
        if size.width != state.width || size.height != state.height {
            _ = update(&state, .resize(width: size.width, height: size.height), keyMap: keyMap)
            backend.invalidate()
            lastFrame = nil
        }
        let frame = DashboardRenderer.render(state, glyphs: glyphs, keyMap: keyMap)
        let runs = Buffer.diff(from: lastFrame, to: frame)
        if !runs.isEmpty {
            backend.draw(runs)
            backend.flush()
        }
        lastFrame = frame
    }
}
