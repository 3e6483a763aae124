/// What a terminal can show in colour.
public enum ColorCapability: Sendable, Hashable {
    /// No colour: roles are shown with attributes (bold, underline, dim).
    case monochrome
    /// The 8 ANSI colours.
    case basic
    /// 256 colours.
    case extended
}

/// The terminal a dashboard draws on: the one place that does terminal I/O.
///
/// Contract for every implementation:
/// - It is used from one task at a time (terminals are not thread-safe); it need not be `Sendable`.
/// - ``draw(_:)`` draws exactly the given runs at their positions and touches no other cell;
///   nothing shows until ``flush()``. Runs come from ``Buffer/diff(from:to:)`` against the
///   frame last flushed; after ``invalidate()`` the next frame must be drawn in full.
/// - ``readKey(timeout:)`` returns a pending key, or waits at most `timeout` for one (`.zero`
///   never waits), and returns nil when none came. A resize is reported as ``Key/resize`` and
///   ``size`` reflects it from then on.
/// - ``restore()`` puts the terminal back as it found it; calling it twice is harmless.
///   Implementations also restore on deinit and on SIGINT/SIGTERM, so a quitting program
///   never leaves a raw terminal behind.
public protocol TerminalBackend: AnyObject {
    /// Columns and rows, as of the last key read or resize.
    var size: (width: Int, height: Int) { get }
    var colorCapability: ColorCapability { get }
    /// True when the terminal's locale is UTF-8; callers pick ``Glyphs/ascii`` when false.
    var supportsUnicode: Bool { get }
    /// True once the process was asked to stop (SIGINT, SIGTERM): the caller should quit.
    var interruptRequested: Bool { get }
    func draw(_ runs: [CellRun])
    func flush()
    func readKey(timeout: Duration) -> Key?
    /// Forgets what is on screen: the next frame is drawn in full (after a resize, or Ctrl-L).
    func invalidate()
    func restore()
}
