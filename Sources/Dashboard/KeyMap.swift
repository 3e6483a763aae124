import TerminalUI

/// What a key does.
public enum Action: Sendable, Hashable {
    case showTab(Tab)
    case moveUp, moveDown, pageUp, pageDown, moveToTop, moveToBottom
    case drillIn, back
    case startFilter, cycleSort, togglePause, toggleHelp, quit
    case cycleFault
    case tripBreaker, forceBreakerClosed, resetBreaker
    case toggleErrorsOnly
    case collapse, expand, nextError
    case disableBreaker, metricsOnlyBreaker
    /// `t` on a breaker: its edge's retries off (one attempt per call), or, while a policy change
    /// is in force on the edge, the edge back to the policy it was built with.
    case toggleRetries
    /// `i`: opens (or closes) the Interventions panel, manual actions and their measured effect;
    /// on the Events list, shows only the manual actions there (or all events again).
    case interventions
    case toggleCriticalPath, markTrace, compareWithMarked
    /// `l` on the Logs list: cycle the least severe level shown.
    case cycleLogLevel
    /// `L` in a trace: its pane shows the selected span's logs, then the whole trace's, then the span again.
    case cycleTraceLogs
    /// Time controls of a simulated run (`meshtop sim --dashboard`).
    case simulationPlayPause, simulationFaster, simulationSlower
    /// While paused: advance the virtual clock this many milliseconds.
    case simulationStep(milliseconds: Int)
    /// Opens the prompt for a virtual time to go to.
    case simulationGoTo
    case simulationFirstViolation
}

/// Where keys are read: each view has its own bindings on top of the global ones.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case global
    case services, serviceDetail
    case breakers, breakerDetail
    case traces, traceDetail
    case routeTraces, comparison
    case events
    case topology
    case logs
    case interventions
    /// The time controls of a simulated run: they apply in every view, and only on a simulation.
    case simulation
    case help

    /// How the help screen heads this context's keys.
    public var title: String {
        switch self {
        case .global: "Everywhere"
        case .services: "Services"
        case .serviceDetail: "Service detail"
        case .breakers: "Breakers"
        case .breakerDetail: "Breaker detail"
        case .traces: "Traces"
        case .traceDetail: "Trace detail"
        case .routeTraces: "A route's slowest traces"
        case .comparison: "Trace comparison"
        case .events: "Events"
        case .topology: "Topology"
        case .logs: "Logs"
        case .interventions: "Interventions"
        case .simulation: "Simulated run (meshtop sim --dashboard)"
        case .help: "Help"
        }
    }
}

/// One row of the key table: the keys, what they do, and how the help screen and hint bar say it.
public struct KeyBinding: Sendable, Hashable {
    public var keys: [Key]
    public var action: Action
    /// The help screen's description.
    public var help: String
    /// The hint bar's short label; nil keeps the binding out of the hint bar.
    public var hint: String?
    public var context: KeyContext

    public init(_ keys: [Key], _ action: Action, help: String, hint: String? = nil, in context: KeyContext) {
        self.keys = keys
        self.action = action
        self.help = help
        self.hint = hint
        self.context = context
    }
}

/// The key table: the one source of truth for dispatch, the hint bar and the `?` help screen.
public struct KeyMap: Sendable {
    public var bindings: [KeyBinding]

    public init(bindings: [KeyBinding]) {
        self.bindings = bindings
    }

    /// The binding a key triggers in a context: the context's own bindings first, then the global
    /// ones, then the time controls (which no other binding shares).
    public func binding(for key: Key, in context: KeyContext) -> KeyBinding? {
        bindings.first { $0.context == context && $0.keys.contains(key) }
            ?? bindings.first { $0.context == .global && $0.keys.contains(key) }
            ?? (context == .help ? nil : bindings.first { $0.context == .simulation && $0.keys.contains(key) })
    }

    /// The hint bar for a context: its own hinted bindings, then the global ones.
    public func hints(for context: KeyContext) -> [KeyHints.Hint] {
        hintBindings(for: context).compactMap { binding in
            guard let hint = binding.hint, let key = binding.keys.first else { return nil }
            return KeyHints.Hint(KeyMap.hintName(key), hint)
        }
    }

    /// The bindings the hint bar shows for a context: its own hinted bindings, then the global ones.
    /// On a simulated run the time controls come first.
    public func hintBindings(for context: KeyContext, simulating: Bool = false) -> [KeyBinding] {
        let own = bindings.filter { $0.context == context && $0.hint != nil }
        let global = context == .help ? [] : bindings.filter { $0.context == .global && $0.hint != nil }
        let time = simulating && context != .help ? bindings.filter { $0.context == .simulation && $0.hint != nil } : []
        return time + own + global
    }

    /// How the hint bar names a key: `enter`, `esc`, `/`, `←`.
    public static func hintName(_ key: Key) -> String {
        switch key {
        case .enter: "enter"
        case .escape: "esc"
        default: key.description
        }
    }

    /// The contexts whose bindings apply together with the global ones.
    public static let viewContexts: [KeyContext] = KeyContext.allCases.filter { $0 != .global }

    /// The dashboard's keys.
    public static let standard: KeyMap = {
        var bindings: [KeyBinding] = [
            KeyBinding([.char("1")], .showTab(.services), help: "Services view", in: .global),
            KeyBinding([.char("2")], .showTab(.breakers), help: "Breakers view", in: .global),
            KeyBinding([.char("3")], .showTab(.traces), help: "Traces view", in: .global),
            KeyBinding([.char("4")], .showTab(.events), help: "Events view", in: .global),
            KeyBinding([.char("6")], .showTab(.topology), help: "Topology view", in: .global),
            KeyBinding([.char("7")], .showTab(.logs), help: "Logs view", in: .global),
            KeyBinding([.up, .char("k")], .moveUp, help: "move up", in: .global),
            KeyBinding([.down, .char("j")], .moveDown, help: "move down", in: .global),
            KeyBinding([.pageUp], .pageUp, help: "page up", in: .global),
            KeyBinding([.pageDown], .pageDown, help: "page down", in: .global),
            KeyBinding([.home, .char("g")], .moveToTop, help: "first row", in: .global),
            KeyBinding([.end, .char("G")], .moveToBottom, help: "last row", in: .global),
            KeyBinding([.escape], .back, help: "back / clear the filter / close help", in: .global),
            KeyBinding([.char("p")], .togglePause, help: "pause / resume the live feed", hint: "pause", in: .global),
            KeyBinding([.char("?")], .toggleHelp, help: "this help", hint: "help", in: .global),
            KeyBinding([.char("q"), .ctrl("c")], .quit, help: "quit", hint: "quit", in: .global),
            KeyBinding([.char("i")], .interventions, help: "interventions: manual actions, who took them and their measured effect", in: .global),
        ]
        func listKeys(_ context: KeyContext, what: String, extra: [KeyBinding]) -> [KeyBinding] {
            [KeyBinding([.enter], .drillIn, help: "details of the selected \(what)", hint: "details", in: context)]
                + extra
                + [
                    KeyBinding([.char("/")], .startFilter, help: "filter rows as you type (enter keeps, esc clears)", hint: "filter", in: context),
                    KeyBinding([.char("s")], .cycleSort, help: "cycle the sort order", hint: "sort", in: context),
                ]
        }
        bindings += listKeys(.services, what: "service", extra: [
            KeyBinding([.char("f")], .cycleFault, help: "cycle the service's fault: none, errors 50%, latency 300ms, down", hint: "fault", in: .services),
        ])
        bindings += [
            KeyBinding([.enter], .drillIn, help: "the selected route's slowest stored traces (↑↓ select a route)", hint: "route's slowest", in: .serviceDetail),
            KeyBinding([.char("f")], .cycleFault, help: "cycle the service's fault: none, errors 50%, latency 300ms, down", hint: "fault", in: .serviceDetail),
            KeyBinding([.escape], .back, help: "back to the list", hint: "back", in: .serviceDetail),
        ]
        let breakerKeys: (KeyContext) -> [KeyBinding] = { context in
            [
                KeyBinding([.char("o")], .tripBreaker, help: "trip the breaker (force open)", hint: "trip", in: context),
                KeyBinding([.char("c")], .forceBreakerClosed, help: "force the breaker closed", hint: "force closed", in: context),
                KeyBinding([.char("r")], .resetBreaker, help: "reset the breaker to automatic", hint: "reset", in: context),
                KeyBinding([.char("d")], .disableBreaker, help: "disable: lets every call through; its policy runs in the shadow", hint: "disable", in: context),
                KeyBinding([.char("m")], .metricsOnlyBreaker, help: "metrics-only: lets calls through, records, evaluates its policy in the shadow", hint: "metrics-only", in: context),
                // Its hint only in the detail: on the list it would push `/ filter` off a 120-column bar.
                KeyBinding([.char("t")], .toggleRetries, help: "retries off on its edge (one attempt per call); again: the edge's policy back",
                           hint: context == .breakerDetail ? "retries" : nil, in: context),
                KeyBinding([.char("i")], .interventions, help: "interventions: manual actions and their measured effect", hint: "interventions", in: context),
            ]
        }
        bindings += listKeys(.breakers, what: "breaker", extra: breakerKeys(.breakers))
        bindings += [KeyBinding([.enter], .drillIn, help: "open the selected failed trace (↑↓ select)", hint: "open trace", in: .breakerDetail)]
        bindings += breakerKeys(.breakerDetail) + [KeyBinding([.escape], .back, help: "back to the list", hint: "back", in: .breakerDetail)]
        bindings += listKeys(.traces, what: "trace", extra: [
            KeyBinding([.char("e")], .toggleErrorsOnly, help: "show only traces with errors", hint: "errors only", in: .traces),
        ])
        bindings += [
            KeyBinding([.enter], .drillIn, help: "the selected span's details: every attribute, event, link (enter or esc closes)", hint: "span", in: .traceDetail),
            KeyBinding([.char("L")], .cycleTraceLogs, help: "logs in the pane: the span's, then the whole trace's, then attributes again", hint: "logs", in: .traceDetail),
            KeyBinding([.char("c")], .toggleCriticalPath, help: "mark the critical path (the spans the trace waited on)", hint: "critical path", in: .traceDetail),
            KeyBinding([.char("M"), .char(" ")], .markTrace, help: "mark this trace to compare another with (again: unmark)", hint: "mark", in: .traceDetail),
            KeyBinding([.char("C")], .compareWithMarked, help: "compare with the marked trace (same operation): span by span", hint: "compare", in: .traceDetail),
            KeyBinding([.left, .char("h")], .collapse, help: "collapse the span (or go to its parent)", hint: "collapse", in: .traceDetail),
            KeyBinding([.right, .char("l")], .expand, help: "expand the span (or go to its first child)", hint: "expand", in: .traceDetail),
            KeyBinding([.char("e")], .nextError, help: "next span with an error", hint: "next error", in: .traceDetail),
            KeyBinding([.escape], .back, help: "back to the traces", hint: "back", in: .traceDetail),
        ]
        bindings += [
            KeyBinding([.enter], .drillIn, help: "open the trace", hint: "open trace", in: .routeTraces),
            KeyBinding([.escape], .back, help: "back to the service", hint: "back", in: .routeTraces),
            KeyBinding([.escape], .back, help: "back to the trace", hint: "back", in: .comparison),
        ]
        bindings += [KeyBinding([.enter], .drillIn, help: "open the trace the event names", hint: "open trace", in: .events)]
            + listKeys(.events, what: "event", extra: [
                KeyBinding([.char("i")], .interventions, help: "show only manual actions (interventions), or every event again", hint: "interventions only", in: .events),
            ]).filter { $0.action != .drillIn }
        bindings += [KeyBinding([.enter], .drillIn, help: "open the trace the record was logged in, at its span", hint: "open trace", in: .logs)]
            + listKeys(.logs, what: "log record", extra: [
                KeyBinding([.char("l")], .cycleLogLevel, help: "cycle the least severe level shown: all, info, warning, error", hint: "level", in: .logs),
            ]).filter { $0.action != .drillIn }
        bindings += [
            KeyBinding([.escape], .back, help: "close the interventions (i too)", hint: "back", in: .interventions),
        ]
        // Laid out by the graph: nothing to filter or sort.
        bindings += [
            KeyBinding([.enter], .drillIn, help: "details of the selected service, or of the selected edge's breaker", hint: "details", in: .topology),
        ]
        bindings += [
            KeyBinding([.char("P")], .simulationPlayPause, help: "pause / play the simulated clock (paused, the views still browse)", hint: "play/pause", in: .simulation),
            KeyBinding([.char("+")], .simulationFaster, help: "faster: 1x, 10x, 100x, as fast as possible", hint: "faster", in: .simulation),
            KeyBinding([.char("-")], .simulationSlower, help: "slower", in: .simulation),
            KeyBinding([.char(".")], .simulationStep(milliseconds: 1000), help: "while paused: step 1 s of virtual time", hint: "step", in: .simulation),
            KeyBinding([.char(",")], .simulationStep(milliseconds: 100), help: "while paused: step 100 ms of virtual time", in: .simulation),
            KeyBinding([.char("T")], .simulationGoTo, help: "go to a virtual time (12m, 90s, 00:12:31): runs there, then pauses", hint: "go to", in: .simulation),
            KeyBinding([.char("v")], .simulationFirstViolation, help: "go to the first invariant violation (runs to the check, then pauses)", hint: "violation", in: .simulation),
        ]
        bindings += [
            KeyBinding([.escape], .back, help: "close the help", hint: "close", in: .help),
        ]
        return KeyMap(bindings: bindings)
    }()
}
