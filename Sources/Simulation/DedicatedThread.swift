#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts `work` on a new detached POSIX thread of its own.
///
/// For running a simulation from async code without blocking one of the few cooperative threads
/// for the whole run (work that escapes the simulation would then have fewer threads to run on).
func startDedicatedThread(_ work: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(WorkBox(work)).toOpaque()
    #if canImport(Darwin)
    var thread: pthread_t?
    #else
    var thread = pthread_t()
    #endif
    let status = pthread_create(&thread, nil, { argument in
        #if canImport(Darwin)
        let box = Unmanaged<WorkBox>.fromOpaque(argument).takeRetainedValue()
        #else
        let box = Unmanaged<WorkBox>.fromOpaque(argument!).takeRetainedValue()
        #endif
        box.work()
        return nil
    }, box)
    precondition(status == 0, "could not start a thread for the simulation (pthread_create: \(status))")
    #if canImport(Darwin)
    pthread_detach(thread!)
    #else
    pthread_detach(thread)
    #endif
}

private final class WorkBox {
    let work: @Sendable () -> Void
    init(_ work: @escaping @Sendable () -> Void) { self.work = work }
}
