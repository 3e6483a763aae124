import CNcurses
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Set by the SIGINT/SIGTERM handler; polled by the dashboard's loop, which then quits cleanly.
let interruptRequestedFlag = Atomic<Bool>(false)

/// True while curses owns the terminal; whoever flips it to false calls `endwin`, exactly once.
let terminalActive = Atomic<Bool>(false)

/// The dispositions the fatal-signal handler chains to (the Swift runtime's backtracer, or the
/// default), indexed by signal number.
///
/// `nonisolated(unsafe)` is safe here: written once by `installSignalHandlers` before curses
/// starts (on one task, before any fatal handler can run), only read afterwards, by signal handlers.
#if canImport(Glibc)
private typealias SignalAction = sigaction
nonisolated(unsafe) private var previousFatalActions = [SignalAction](repeating: SignalAction(), count: 65)
#endif

/// Ends curses if it is still active. Called on every exit path: restore(), deinit, atexit,
/// and fatal signals.
func endCursesIfActive() {
    if terminalActive.exchange(false, ordering: .acquiringAndReleasing) {
        endwin()
    }
}

/// Installs the process-wide handlers, once. Must run before `newterm`: ncurses only installs
/// its own SIGINT/SIGTERM handlers when the disposition is still the default, and ours must win.
///
/// - SIGINT, SIGTERM: set ``interruptRequestedFlag`` (async-signal-safe: one atomic store).
/// - SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT (and SIGTRAP on arm64, where Swift traps are `brk`):
///   restore the terminal, then reinstate the previous disposition and return, so the fault
///   recurs and the runtime's backtrace (or the default action) runs on a usable terminal.
///   `endwin` is not async-signal-safe; for a process that is crashing anyway, a readable terminal
///   is worth that risk.
/// - atexit: restore the terminal if the program exits without calling `restore()`.
func installSignalHandlers() {
    let installed = signalHandlersInstalled.withLock { done -> Bool in
        defer { done = true }
        return done
    }
    if installed { return }

    signal(SIGINT) { _ in interruptRequestedFlag.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in interruptRequestedFlag.store(true, ordering: .relaxed) }
    atexit { endCursesIfActive() }

    #if canImport(Glibc)
    var fatal: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT]
    #if arch(arm64)
    fatal.append(SIGTRAP)
    #endif
    for number in fatal {
        var action = SignalAction()
        action.__sigaction_handler.sa_handler = { number in
            endCursesIfActive()
            var previous = previousFatalActions[Int(number)]
            sigaction(number, &previous, nil)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var previous = SignalAction()
        sigaction(number, nil, &previous)
        previousFatalActions[Int(number)] = previous
        sigaction(number, &action, nil)
    }
    #endif
}

private let signalHandlersInstalled = Mutex(false)
