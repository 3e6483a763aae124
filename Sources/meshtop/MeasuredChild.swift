import DemoSystems
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one side of a comparison in a child process of this binary and measures it.
///
/// Why a child: CPU time and peak RSS are per process. Two sides run in one process would share
/// one peak (the second side's can never be told apart from the first's, `ru_maxrss` only grows)
/// and the first side's leftovers (caches, allocator arenas) would be billed to the second. A
/// child per side, reaped with `wait4`, gets the kernel's own figures for that process alone:
/// user + system CPU seconds from exec to exit, and its maximum resident set.
enum MeasuredChild {
    /// Runs `meshtop compare-side --plan JSON`, reads its result from its standard output (its
    /// standard error passes through), and adds what `wait4` measured.
    ///
    /// - Throws: ``RunFailure`` when the child cannot start, fails, or prints no result.
    static func runSide(_ plan: CompareSidePlan) throws -> CompareSideResult {
        let arguments = [CommandLine.arguments.first ?? "meshtop", "compare-side", "--plan", try plan.jsonString()]
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw RunFailure(message: "cannot make a pipe for the \(plan.system) side: \(errorText())") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executablePath, &actions, nil, argv, environ)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw RunFailure(message: "cannot start \(executablePath) for the \(plan.system) side: \(String(cString: strerror(spawned)))")
        }

        // A blocking read: the parent has nothing else to do while the side runs.
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 {
                output += buffer[0..<count]
            } else if count < 0, errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(readEnd)

        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw RunFailure(message: "cannot wait for the \(plan.system) side: \(errorText())") }
        }
        let exited = status & 0x7f == 0
        let exitStatus = (status >> 8) & 0xff
        // 1 is a run whose invariants broke: its result is still printed and compared.
        guard exited, exitStatus == 0 || exitStatus == 1 else {
            let how = exited ? "exited with status \(exitStatus)" : "was killed by signal \(status & 0x7f)"
            throw RunFailure(message: "the \(plan.system) side \(how)")
        }
        var result: CompareSideResult
        do {
            result = try CompareSideResult.decode(output)
        } catch {
            throw RunFailure(message: "the \(plan.system) side printed no result: \(error)")
        }
        let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime)
        // Linux reports the maximum resident set in kilobytes (macOS in bytes).
        #if os(Linux)
        let peak = Int(usage.ru_maxrss) * 1024
        #else
        let peak = Int(usage.ru_maxrss)
        #endif
        result.resources = CompareSideResult.Resources(cpuSeconds: cpu, peakRSSBytes: peak)
        return result
    }

    /// This very binary: the child is the same program, whatever the working directory.
    private static var executablePath: String {
        #if os(Linux)
        "/proc/self/exe"
        #else
        CommandLine.arguments[0]
        #endif
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
