import Resilience
import Synchronization
import Logging
import Telemetry
import Tracing

/// One step of a saga: an action, and the compensation that undoes it if a later step fails.
public struct SagaStep<Context: Sendable>: Sendable {
    public var name: String
    /// Does the step's work; may update the context for later steps (a reservation id, say).
    public var action: @Sendable (inout Context) async throws -> Void
    /// Undoes the action; nil for a step with nothing to undo (a validation, a read).
    public var compensation: (@Sendable (Context) async throws -> Void)?

    public init(_ name: String, action: @escaping @Sendable (inout Context) async throws -> Void,
                compensation: (@Sendable (Context) async throws -> Void)? = nil) {
        self.name = name
        self.action = action
        self.compensation = compensation
    }
}

/// A saga's steps, in order.
public struct SagaDefinition<Context: Sendable>: Sendable {
    public var name: String
    public var steps: [SagaStep<Context>]

    public init(name: String, steps: [SagaStep<Context>]) {
        self.name = name
        self.steps = steps
    }
}

/// How a saga ended.
public enum SagaOutcome<Context: Sendable>: Sendable {
    case completed(Context)
    /// A step failed and every completed step was compensated, in reverse order.
    case compensated(Context, failedStep: String, error: String)
    /// A compensation kept failing after its retries: the saga needs a person. It stays in the
    /// ``SagaLog`` as `stuck` and an event says so; it is never dropped silently.
    case stuck(Context, failedStep: String, compensation: String, error: String)

    public var context: Context {
        switch self {
        case .completed(let context), .compensated(let context, _, _), .stuck(let context, _, _, _): context
        }
    }
}

/// Runs sagas: steps in order; on a failure, the completed steps' compensations in reverse order,
/// each retried with exponential backoff, and a saga whose compensation keeps failing is `stuck`.
///
/// Each saga gets a span, each step and compensation a child span; state is kept in the
/// ``SagaLog`` for the dashboard; the event log gets every compensation and every failure that
/// needs one (and every step, including failures with nothing to undo, when `logEveryStep` is on).
public struct SagaOrchestrator: Sendable {
    public var service: String
    public var compensationAttempts: Int
    public var compensationDelay: Duration
    public var logEveryStep: Bool
    let telemetry: MeshTelemetry
    let log: SagaLog
    let clock: MeshClock

    /// - Parameters:
    ///   - service: the service running the sagas (spans and events are its).
    ///   - compensationAttempts: tries per compensation before the saga is stuck.
    public init(mesh: Mesh, service: String, compensationAttempts: Int = 5, compensationDelay: Duration = .milliseconds(100), logEveryStep: Bool = true) {
        self.service = service
        self.compensationAttempts = max(1, compensationAttempts)
        self.compensationDelay = compensationDelay
        self.logEveryStep = logEveryStep
        telemetry = mesh.telemetry
        log = mesh.sagas
        clock = mesh.clock
    }

    public func run<Context: Sendable>(_ saga: SagaDefinition<Context>, context initial: Context, id: String) async -> SagaOutcome<Context> {
        let tracer = telemetry.tracer(for: service)
        let root = tracer.startSpan("saga \(saga.name)", context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        root.attributes["saga.id"] = id
        defer { root.end() }
        let traceId = root.traceContext.traceID.description
        let now = { telemetry.time.now().seconds }
        log.begin(SagaStatus(id: id, name: saga.name, state: .running, steps: saga.steps.map { .init(name: $0.name, state: .pending) },
                             startedAtSeconds: now(), updatedAtSeconds: now(), traceId: traceId))
        var context = initial
        var completed: [Int] = []
        for (index, step) in saga.steps.enumerated() {
            log.update(id, step: index, .running, at: now())
            let span = tracer.startSpan(step.name, context: root.context, ofKind: .internal)
            do {
                try await ServiceContext.withValue(span.context) { try await step.action(&context) }
                span.end()
                completed.append(index)
                log.update(id, step: index, .completed, at: now())
                if logEveryStep { event(.sagaStep, saga, id, "\(step.name) completed", traceId) }
            } catch {
                let message = Self.describe(error)
                span.setStatus(SpanStatus(code: .error, message: message))
                span.end()
                root.setStatus(SpanStatus(code: .error, message: "\(step.name) failed: \(message)"))
                log.update(id, step: index, .failed, message: message, at: now())
                log.setState(id, .compensating, at: now())
                // A failure with nothing to undo (a validation refusing a request) is routine: logged
                // only when every step is.
                if logEveryStep || completed.contains(where: { saga.steps[$0].compensation != nil }) {
                    event(.sagaStep, saga, id, "\(step.name) failed: \(message); compensating \(completed.count) step(s)", traceId)
                    logSaga(.warning, saga, id, "\(step.name) failed: \(message); compensating \(completed.count) step(s)", in: root)
                }
                for done in completed.reversed() {
                    let stepToUndo = saga.steps[done]
                    guard let compensation = stepToUndo.compensation else {
                        log.update(id, step: done, .compensated, message: "nothing to undo", at: now())
                        continue
                    }
                    log.update(id, step: done, .compensating, at: now())
                    if let failure = await compensate(stepToUndo.name, compensation, context, tracer: tracer, parent: root) {
                        log.update(id, step: done, .compensationFailed, message: failure, at: now())
                        log.setState(id, .stuck, at: now())
                        event(.sagaCompensation, saga, id, "STUCK: compensation \(stepToUndo.name) failed \(compensationAttempts) times: \(failure)", traceId)
                        logSaga(.critical, saga, id, "stuck: compensation \(stepToUndo.name) failed \(compensationAttempts) times: \(failure)", in: root)
                        return .stuck(context, failedStep: step.name, compensation: stepToUndo.name, error: failure)
                    }
                    log.update(id, step: done, .compensated, at: now())
                    event(.sagaCompensation, saga, id, "compensated \(stepToUndo.name)", traceId)
                    logSaga(.notice, saga, id, "compensated \(stepToUndo.name)", in: root)
                }
                log.setState(id, .compensated, at: now())
                return .compensated(context, failedStep: step.name, error: message)
            }
        }
        log.setState(id, .completed, at: now())
        return .completed(context)
    }

    /// Runs a compensation with retries; nil when it succeeded, else the last error.
    private func compensate<Context: Sendable>(_ name: String, _ compensation: @Sendable (Context) async throws -> Void, _ context: Context,
                                                tracer: TelemetryTracer, parent: TelemetrySpan) async -> String? {
        var delay = compensationDelay
        var lastError = ""
        for attempt in 1...compensationAttempts {
            let span = tracer.startSpan("compensate \(name)", context: parent.context, ofKind: .internal)
            span.attributes["attempt"] = attempt
            do {
                try await ServiceContext.withValue(span.context) { try await compensation(context) }
                span.end()
                return nil
            } catch {
                lastError = Self.describe(error)
                span.setStatus(SpanStatus(code: .error, message: lastError))
                span.end()
                if attempt < compensationAttempts {
                    do { try await clock.sleep(for: delay) } catch { return "cancelled while retrying: \(lastError)" }
                    delay = delay * 2
                }
            }
        }
        return lastError
    }

    /// Logs a saga's failure or compensation in its root span's context. (A step that completes
    /// is not logged: an event records it when `logEveryStep` asks.)
    private func logSaga<C>(_ level: Logger.Level, _ saga: SagaDefinition<C>, _ id: String, _ message: String, in root: TelemetrySpan) {
        ServiceContext.withValue(root.context) {
            telemetry.logger(for: service).log(level: level, "\(saga.name) \(id): \(message)", metadata: ["saga": .string(id)])
        }
    }

    private func event<C>(_ kind: EventKind, _ saga: SagaDefinition<C>, _ id: String, _ message: String, _ traceId: String) {
        telemetry.events.record(source: service, kind: kind, message: "\(saga.name) \(id): \(message)", attributes: ["saga": id], traceId: traceId)
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPError { return error.message }
        return "\(error)"
    }
}

/// Every saga's state, for the dashboard: all running, compensating and stuck sagas, and the
/// newest finished ones (bounded).
public final class SagaLog: Sendable {
    private struct State {
        var sagas: [String: SagaStatus] = [:]
        var finishedOrder: [String] = []
    }

    public let finishedCapacity: Int
    private let state = Mutex(State())

    public init(finishedCapacity: Int = 200) {
        self.finishedCapacity = finishedCapacity
    }

    func begin(_ status: SagaStatus) {
        state.withLock { $0.sagas[status.id] = status }
    }

    func update(_ id: String, step: Int, _ stepState: SagaStatus.Step.State, message: String? = nil, at seconds: Double) {
        state.withLock { state in
            guard state.sagas[id] != nil else { return }
            state.sagas[id]!.steps[step].state = stepState
            state.sagas[id]!.steps[step].message = message
            state.sagas[id]!.updatedAtSeconds = seconds
        }
    }

    func setState(_ id: String, _ sagaState: SagaStatus.State, at seconds: Double) {
        state.withLock { state in
            guard state.sagas[id] != nil else { return }
            state.sagas[id]!.state = sagaState
            state.sagas[id]!.updatedAtSeconds = seconds
            if sagaState == .completed || sagaState == .compensated {
                state.finishedOrder.append(id)
                if state.finishedOrder.count > finishedCapacity {
                    state.sagas[state.finishedOrder.removeFirst()] = nil
                }
            }
        }
    }

    public func status(_ id: String) -> SagaStatus? { state.withLock { $0.sagas[id] } }

    /// The sagas kept, newest update first.
    public func all() -> [SagaStatus] {
        state.withLock { Array($0.sagas.values) }.sorted { ($0.updatedAtSeconds, $0.id) > ($1.updatedAtSeconds, $1.id) }
    }

    public func count(in sagaState: SagaStatus.State) -> Int {
        state.withLock { $0.sagas.values.filter { $0.state == sagaState }.count }
    }
}
