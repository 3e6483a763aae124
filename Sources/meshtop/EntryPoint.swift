import ArgumentParser
import DemoSystems
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's entry: swift-argument-parser parses, but exit statuses are ours.
///
/// ArgumentParser exits 64 on a bad option; meshtop promises 2 (the usual status for a usage
/// error), so parsing and validation errors are caught here. `--help` still exits 0.
@main
enum EntryPoint {
    static func main() async {
        SimCommand.reexecWithDeterministicHashingIfNeeded()
        var command: any ParsableCommand
        do {
            command = try MeshtopCommand.parseAsRoot()
        } catch {
            if MeshtopCommand.exitCode(for: error) == .success {
                MeshtopCommand.exit(withError: error)
            }
            writeToStandardError(MeshtopCommand.fullMessage(for: error) + "\n")
            exit(HeadlessOutput.exitUsage)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as DemoUsageError {
            writeToStandardError("Error: \(error.message)\n")
            exit(HeadlessOutput.exitUsage)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch {
            if MeshtopCommand.exitCode(for: error) == .success {
                // A command that only prints help (the root `meshtop` alone).
                MeshtopCommand.exit(withError: error)
            }
            writeToStandardError("Error: \(error)\n")
            exit(HeadlessOutput.exitRunFailed)
        }
    }

    private static func writeToStandardError(_ text: String) {
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                write(2, buffer.baseAddress! + written, buffer.count - written)
            }
            if result <= 0 { return }
            written += result
        }
    }
}
