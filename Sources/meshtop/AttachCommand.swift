import ArgumentParser
import MeshtopKit
import RemoteSource
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `meshtop attach URL [--token-file F]`: the dashboard on a system another process serves.
struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Open the dashboard on a system that `meshtop serve` runs elsewhere.",
        discussion: """
            URL is where `meshtop serve` listens: http://HOST:PORT (https too; HOST:PORT alone means http).

            Live data comes from the server's feed; traces and trace trees are fetched as you open them. \
            The control keys (trip, force closed, reset, fault) need the server's token: --token-file FILE, \
            a file holding the token alone. Without it they say that controls are off.

            The first connection must work: if the server refuses it or answers with an error, attach \
            exits at once with status 2 (a mistyped address is found quickly). If it does not answer \
            within 3 s, the dashboard opens and keeps trying. Once attached, a lost connection shows \
            as `reconnecting…` in the header with the age of the data on screen, and attach reconnects \
            by itself (after 0.25 s, doubling to 8 s, with jitter); q quits at any time.

            Exit status: 0 the dashboard was quit; 2 a bad URL, an unreadable token file, no terminal, \
            or a first connection that failed (nothing opened); 3 curses cannot start for this TERM.
            """
    )

    @Argument(help: ArgumentHelp("Where `meshtop serve` listens, e.g. http://127.0.0.1:8080.", valueName: "url"))
    var url: String

    @Option(name: .customLong("token-file"), help: ArgumentHelp("A file holding the server's bearer token: turns the control keys on.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Dashboard redraw interval in milliseconds, 10…10000. (default: 250)", valueName: "ms"))
    var refreshMs: Int = 250

    func validate() throws {
        do {
            _ = try AttachTarget(parsing: url)
        } catch {
            throw ValidationError(error.description)
        }
        guard (10...10_000).contains(refreshMs) else {
            throw ValidationError("--refresh-ms \(refreshMs) is out of range: give 10…10000 milliseconds")
        }
        if let tokenFile {
            do {
                _ = try TokenFile.read(tokenFile)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    func run() async throws {
        let target: AttachTarget
        let token: String?
        do {
            target = try AttachTarget(parsing: url)
            token = try tokenFile.map { path throws(TokenFile.Unusable) in try TokenFile.read(path) }
        } catch {
            throw DemoUsageError(message: String(describing: error))
        }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw DemoUsageError(message: "the dashboard needs a terminal, but standard input or output is not one; "
                + "for data as JSON, ask the server itself: curl \(target.snapshot(window: 10))")
        }
        // The reconnect jitter differs between clients, so a restarted server is not met by all at once.
        let source = RemoteSource(target: target, token: token, seed: UInt64.random(in: .min ... .max))
        do {
            do {
                _ = try await source.firstContact(within: .seconds(3))
            } catch {
                throw DemoUsageError(message: "cannot attach to \(target.base): \(error); is `meshtop serve` running there?")
            }
            try await MeshtopDashboard.run(source: source, alongside: [source], refresh: .milliseconds(refreshMs))
        } catch {
            try? await source.shutdown()
            throw error
        }
        try await source.shutdown()
    }
}
