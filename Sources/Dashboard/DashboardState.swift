import Telemetry
import TerminalUI

/// The list views, in tab order; the raw value is the key that shows it.
public enum Tab: Int, CaseIterable, Sendable, Hashable {
    case services = 1
    case breakers
    case traces
    case events
    /// Services in layers from the gateway, with the edges between them.
    case topology = 6
    /// What the services logged, newest first, with the trace each record was logged in.
    case logs

    public var title: String {
        switch self {
        case .services: "Services"
        case .breakers: "Breakers"
        case .traces: "Traces"
        case .events: "Events"
        case .topology: "Topology"
        case .logs: "Logs"
        }
    }

    /// The orders `s` cycles through, first is the default.
    public var sortOrders: [SortOrder] {
        switch self {
        case .services: [.reported, .rps, .errors, .p99, .name]
        case .breakers: [.reported, .state, .failures, .rejected]
        case .traces: [.newest, .slowest]
        case .events: [.newest, .oldest]
        // Laid out by the graph, not sorted.
        case .topology: [.reported]
        case .logs: [.newest, .oldest]
        }
    }
}

/// How a list's rows are ordered.
public enum SortOrder: String, Sendable, Hashable {
    /// As the snapshot lists them.
    case reported
    case rps, errors, p99, name
    /// Open breakers first.
    case state
    case failures, rejected
    case newest, slowest, oldest

    public var label: String {
        switch self {
        case .reported: "as reported"
        case .rps: "req/s"
        case .errors: "errors"
        case .p99: "p99"
        case .name: "name"
        case .state: "state"
        case .failures: "failure rate"
        case .rejected: "rejected"
        case .newest: "newest"
        case .slowest: "slowest"
        case .oldest: "oldest"
        }
    }
}

/// What is drilled into from a list (`Enter`); `Esc` goes back.
public enum Detail: Sendable, Equatable {
    case service(name: String)
    case breaker(id: String)
    /// A trace and how far its tree has come: the tree and its view state exist only once loaded.
    case trace(id: String, tree: TraceLoad)
    /// `i`: manual actions with their origin and measured effect, newest first.
    case interventions
    /// The slowest stored traces through one route of a service (its server spans).
    case routeTraces(service: String, route: String)
    /// Two traces of the same operation span by span: the marked one and another.
    case comparison(marked: TraceTree, other: TraceTree)
}

/// Which logs the trace detail's pane shows (`L` cycles: none, the selected span's, the whole trace's).
public enum TraceLogScope: Sendable, Equatable {
    case span, trace
}

/// A trace's log records, oldest first, as the source answered them.
public struct TraceLogRecords: Sendable, Equatable {
    public var traceId: String
    public var records: [LogRecord]
}

/// A detail passed through on the way to the one shown, with where its selection and scroll
/// were: `Esc` goes back to it as it was.
public struct TrailStep: Sendable, Equatable {
    public var detail: Detail
    public var selection: Int
    public var offset: Int
}

/// The tree of the trace being shown: asked for, answered, or gone from the store.
public enum TraceLoad: Sendable, Equatable {
    case loading
    /// The source no longer holds the trace (evicted from the trace store).
    case notStored
    case loaded(LoadedTrace)
}

/// One list's selection, scroll position, filter and sort. The selection is kept by id, so it
/// stays on the same item when rows re-sort or refresh; the index is remembered only to land
/// nearby when the item disappears.
public struct ListState: Sendable, Equatable {
    public var selectedID: String?
    public var selectedIndex: Int = 0
    /// First row shown (in the Topology view, the first line: headings and edges count).
    public var offset: Int = 0
    public var filter: String = ""
    /// True while `/` is typing into the filter.
    public var isEditingFilter: Bool = false
    /// Index into the tab's ``Tab/sortOrders``.
    public var sortIndex: Int = 0

    public init() {}
}

/// A loaded trace detail: the tree, which spans are collapsed, the selected span, the scroll position.
public struct LoadedTrace: Sendable, Equatable {
    public var tree: TraceTree
    public var collapsed: Set<String> = []
    public var selectedSpanID: String?
    public var offset: Int = 0
    /// `Enter`: the selected span's details fill the body (scrolled by the state's `detailOffset`).
    public var showsSpanDetails: Bool = false

    public init(tree: TraceTree) {
        self.tree = tree
        self.selectedSpanID = tree.spans.first?.spanId
    }
}

/// A short message on the tab line (an action's result, an error), shown for a few ticks.
public struct Notice: Sendable, Equatable {
    public var text: String
    public var isError: Bool
    /// Refresh ticks left before it disappears.
    public var ticksLeft: Int

    public init(_ text: String, isError: Bool = false, ticksLeft: Int = 16) {
        self.text = text
        self.isError = isError
        self.ticksLeft = ticksLeft
    }
}

/// Everything the dashboard shows, as a value: views are pure functions of it, and ``update(_:_:)``
/// is the only thing that changes it.
public struct DashboardState: Sendable, Equatable {
    /// The terminal's size in cells.
    public var width: Int
    public var height: Int
    public var tab: Tab = .services
    /// The detail drilled into, or nil for the tab's list.
    public var detail: Detail?
    /// The details passed through to reach ``detail`` from the list, oldest first (the breadcrumb).
    public var trail: [TrailStep] = []
    /// The selected row of a detail that lists things to open: a service's routes, a breaker's
    /// failed traces, a route's slowest traces (counted in the whole list there).
    public var detailSelection: Int = 0
    /// The page of the route's slowest traces in a ``Detail/routeTraces(service:route:)``.
    public var routeTraces: TracePage?
    var routeTracesRequest: TraceQuery?
    /// The trace `M` marked, to compare another of the same operation with (`C`).
    public var markedTrace: TraceTree?
    /// `c` in a trace: its critical path is marked.
    public var showsCriticalPath: Bool = false
    public var showHelp: Bool = false
    /// The snapshot on screen; nil until the first arrives.
    public var snapshot: SystemSnapshot?
    /// True while `p` has frozen the feed: snapshots are ignored.
    public var isPaused: Bool = false
    public var lists: [Tab: ListState]
    /// `e` on the Traces list: show only traces with an error.
    public var tracesErrorsOnly: Bool = false
    /// `i` on the Events list: show only manual actions.
    public var eventsInterventionsOnly: Bool = false
    /// `l` on the Logs list: the least severe level shown (`.trace` shows every record).
    public var logsMinimumLevel: LogLevel = .trace
    /// `L` in a trace: its pane shows the logs of the selected span or of the whole trace
    /// instead of the span's attributes; nil for the attributes.
    public var traceLogScope: TraceLogScope?
    /// The log records of the trace on screen as the source answered them (all it keeps), while
    /// its pane shows logs; nil before the answer, or when the source keeps none beyond the snapshot's.
    public var traceLogRecords: TraceLogRecords?
    var traceLogsRequest: String?
    /// The span to select once the trace being loaded arrives (`Enter` on a log record opens
    /// its trace at the span it was logged in).
    var pendingSpanID: String?
    /// The rows of the Traces list on screen, a page of the source's trace store: the list never
    /// holds more than it shows. Its `selectedIndex` and `offset` count in the whole store's order.
    public var traceList: TracePage?
    /// The recent failed traces through the breaker in the breaker detail.
    public var breakerTraces: TracePage?
    /// The queries last asked for, so a page is asked for again only when the view needs another
    /// (or a new snapshot says the store moved on).
    var traceListRequest: TraceQuery?
    var breakerTracesRequest: TraceQuery?
    /// Scroll position of the service and breaker detail and of the help screen.
    public var detailOffset: Int = 0
    public var notice: Notice?
    /// How the source is connected: the header shows anything but `.live`.
    public var connection: ConnectionStatus = .live
    /// Why the control keys cannot act through this source (a remote one without a token), or
    /// nil when they can: the keys show it instead of sending a command.
    public var controlsOffReason: String?
    /// Set when `q` was pressed; the loop exits.
    public var isQuitting: Bool = false
    /// A simulated run's clock, read from the source every refresh; nil for a live system.
    public var simulation: SimulationStatus?
    /// The virtual time being typed after `t` (go to a time); nil when the prompt is closed.
    public var timePrompt: String?

    /// What a time-control key says on a live system.
    public static let notSimulatedReason = "time controls work on a simulated run: meshtop sim --dashboard"

    public init(width: Int = 120, height: Int = 40, snapshot: SystemSnapshot? = nil) {
        self.width = width
        self.height = height
        self.snapshot = snapshot
        self.lists = Dictionary(uniqueKeysWithValues: Tab.allCases.map { ($0, ListState()) })
        if snapshot != nil {
            for tab in Tab.allCases { reconcileSelection(tab) }
        }
    }

    /// The open trace detail's loaded tree and view state, nil unless a loaded trace is shown.
    /// Setting it changes only a loaded trace detail.
    public var loadedTrace: LoadedTrace? {
        get {
            if case .trace(_, .loaded(let loaded)) = detail { return loaded }
            return nil
        }
        set {
            guard let newValue, case .trace(let id, .loaded) = detail else { return }
            detail = .trace(id: id, tree: .loaded(newValue))
        }
    }

    /// The list state of a tab.
    public func list(_ tab: Tab) -> ListState { lists[tab] ?? ListState() }

    /// The current sort order of a tab.
    public func sortOrder(_ tab: Tab) -> SortOrder {
        let orders = tab.sortOrders
        return orders[min(max(0, list(tab).sortIndex), orders.count - 1)]
    }

    /// What the keys act on now.
    public var keyContext: KeyContext {
        if showHelp { return .help }
        switch detail {
        case .service: return .serviceDetail
        case .breaker: return .breakerDetail
        case .trace: return .traceDetail
        case .interventions: return .interventions
        case .routeTraces: return .routeTraces
        case .comparison: return .comparison
        case nil:
            switch tab {
            case .services: return .services
            case .breakers: return .breakers
            case .traces: return .traces
            case .events: return .events
            case .topology: return .topology
            case .logs: return .logs
            }
        }
    }

    /// The page of traces the Traces list needs now; nil when the list is not on screen.
    ///
    /// The anchor keeps the selection on its trace as rows arrive, except at the head of the
    /// newest-first list, which follows new traces as `tail -f` does.
    public var traceListQuery: TraceQuery? {
        guard snapshot != nil, detail == nil, !showHelp, tab == .traces, !isTooSmall else { return nil }
        let list = list(.traces)
        let order: TraceQuery.Order = sortOrder(.traces) == .slowest ? .slowest : .newest
        let followsHead = order == .newest && list.selectedIndex == 0
        return TraceQuery(order: order, errorsOnly: tracesErrorsOnly, text: list.filter, offset: list.offset,
                          limit: DashboardLayout.listRows(height: height), anchor: followsHead ? nil : list.selectedID)
    }

    /// How many failed traces the breaker detail lists.
    static let breakerTraceRows = 8

    /// The failed traces the breaker detail needs: newest first, with spans of both ends.
    public var breakerTracesQuery: TraceQuery? {
        guard snapshot != nil, !showHelp, case .breaker(let id) = detail, let ends = id.breakerEnds else { return nil }
        return TraceQuery(order: .newest, errorsOnly: true, services: [ends.caller, ends.target], limit: Self.breakerTraceRows)
    }

    /// Rows of a route's slowest traces visible (the body less its heading and the table header).
    static func routeTraceRows(height: Int) -> Int { max(1, DashboardLayout.listRows(height: height) - 1) }

    /// The page of a route's slowest traces the route detail needs now.
    public var routeTracesQuery: TraceQuery? {
        guard snapshot != nil, !showHelp, case .routeTraces(let service, let route) = detail else { return nil }
        return TraceQuery(order: .slowest, span: SpanName(service: service, operation: route), offset: detailOffset,
                          limit: Self.routeTraceRows(height: height))
    }

    /// The levels `l` steps through on the Logs list.
    static let logLevelSteps: [LogLevel] = [.trace, .info, .warning, .error]

    /// The trace whose logs the trace detail's pane needs now; nil when it shows none.
    public var traceLogsQuery: String? {
        guard snapshot != nil, !showHelp, traceLogScope != nil, case .trace(let id, .loaded) = detail else { return nil }
        return id
    }

    /// True when the terminal is below the 60×15 the layout needs.
    public var isTooSmall: Bool { width < DashboardLayout.minimumWidth || height < DashboardLayout.minimumHeight }
}
