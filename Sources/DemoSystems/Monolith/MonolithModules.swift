import Randomness
import ServiceMesh
import Synchronization
import Telemetry
import Tracing

/// A module inside the monolith: the storefront's services as parts of one program.
public enum MonolithModule: String, CaseIterable, Sendable {
    case user, product, inventory, payment, order, notification

    /// The name a fault names it by (`payment-module`).
    public var faultTarget: String { "\(rawValue)-module" }

    /// The module a fault target names; nil for anything else.
    public init?(faultTarget: String) {
        guard faultTarget.hasSuffix("-module"), let module = MonolithModule(rawValue: String(faultTarget.dropLast("-module".count))) else { return nil }
        self = module
    }
}

/// Faults injected into the monolith's modules, and the span every module call records.
///
/// A module call is a function call: no network, no sidecar, so no retry, breaker or timeout of
/// its own. An injected fault acts on the call itself:
/// - `errors` — this share of the module's calls throw (drawn from the run's seed);
/// - `latency` — each call takes this much longer;
/// - `hang` — calls never return; the request waits until the gateway gives up on it;
/// - `down` — not enacted per module: one process cannot lose one module, so ``Monolith`` takes
///   the whole process down instead (every route fails, and every module call, the bus's too).
final class ModuleCalls: Sendable {
    private let faults = Mutex([MonolithModule: FaultSpec]())
    private let random: Mutex<SeededRandom>
    private let tracer: TelemetryTracer
    private let sleep: @Sendable (Duration) async throws -> Void
    private let processIsDown: @Sendable () -> Bool

    /// - Parameter processIsDown: true while the whole process is down: then every module call
    ///   fails, the work the event bus hands the process in-process included.
    init<C: Clock>(clock: C, seed: UInt64, tracer: TelemetryTracer, processIsDown: @escaping @Sendable () -> Bool) where C.Duration == Duration {
        random = Mutex(SeededRandom(seed: SeededRandom.derivedSeed(seed, component: "monolith.module-faults")))
        self.tracer = tracer
        sleep = { try await clock.sleep(for: $0) }
        self.processIsDown = processIsDown
    }

    /// Sets (or with `.none` clears) the fault of `module`.
    func setFault(_ fault: FaultSpec, on module: MonolithModule) {
        faults.withLock { $0[module] = fault == .none ? nil : fault }
    }

    func fault(of module: MonolithModule) -> FaultSpec {
        faults.withLock { $0[module] } ?? .none
    }

    /// Runs `body` as `module`'s `operation`, inside an internal span (`payment.charge`) that is
    /// a child of the request's span, after enacting the module's fault.
    func run<T: Sendable>(_ module: MonolithModule, _ operation: String, _ body: () async throws -> T) async throws -> T {
        let span = tracer.startSpan("\(module.rawValue).\(operation)", context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        span.attributes["module"] = module.rawValue
        defer { span.end() }
        do {
            if processIsDown() { throw HTTPError(503, "the process is down: a crash takes every module with it") }
            let fault = fault(of: module)
            if fault != .none {
                span.attributes["fault"] = fault.summary ?? "\(fault)"
                try await enact(fault, module: module)
            }
            return try await ServiceContext.$current.withValue(span.context) { try await body() }
        } catch {
            span.setStatus(SpanStatus(code: .error, message: "\(error)"))
            throw error
        }
    }

    private func enact(_ fault: FaultSpec, module: MonolithModule) async throws {
        switch fault {
        case .none, .down:
            return
        case .errors(let ratio, let status):
            if random.withLock({ $0.nextUnitInterval() }) < ratio {
                throw HTTPError(status, "the \(module.rawValue) module failed (injected fault)")
            }
        case .latency(let milliseconds):
            try await sleep(Duration(saturatingSeconds: milliseconds / 1000))
        case .hang:
            while true { try await sleep(.seconds(3600)) }
        }
    }
}
