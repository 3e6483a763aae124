import Resilience
import Telemetry

/// Thrown by ``Mesh/perform(_:origin:)`` for a command naming something the mesh does not have.
public struct UnknownTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

extension Mesh {
    /// Carries out a person's (or a script's) command and records it in the event log as a manual
    /// action with its origin (the audit trail), and in the interventions log, which measures
    /// its effect while it lasts (``SystemSnapshot/interventions``).
    ///
    /// The event's message ends with who asked (`…, by cli`), so the Events view shows it; the
    /// origin is also the event's `origin` attribute.
    ///
    /// A policy change (``ControlCommand/setPolicy(edge:change:)``) applies from the edge's next
    /// call; its effect counts the edge's calls that ended while it was in force (one in flight
    /// when it was made included).
    ///
    /// - Parameter origin: who asked (``ActionOrigin/dashboard``, ``ActionOrigin/cli``, …).
    /// - Throws: ``UnknownTargetError`` naming the unknown breaker, service or edge and the known
    ///   ones, or the policy value out of range and the range accepted.
    public func perform(_ command: ControlCommand, origin: ActionOrigin) throws(UnknownTargetError) {
        let message: String
        let source: String
        let now = self.now()
        do {
            switch command {
            case .tripBreaker(let id, let seconds):
                let duration = seconds.map { Duration(saturatingSeconds: $0) }
                let detail = "forced open\(duration.map { " for \($0.compact)" } ?? "")"
                source = id
                message = try setBreaker(id, by: command, origin: origin, at: now, { $0.trip(for: duration) }) { was in
                    ("tripped (\(detail)), was \(was)", detail)
                }
            case .forceBreakerClosed(let id):
                source = id
                message = try setBreaker(id, by: command, origin: origin, at: now, { $0.forceClosed() }) { was in
                    ("forced closed, was \(was)", "forced closed")
                }
            case .resetBreaker(let id):
                source = id
                message = try setBreaker(id, by: command, origin: origin, at: now, { $0.reset() }) { was in
                    ("reset to automatic, was \(was)", "reset to automatic, was \(was)")
                }
            case .disableBreaker(let id):
                source = id
                message = try setBreaker(id, by: command, origin: origin, at: now, { $0.disable() }) { was in
                    ("disabled (lets every call through; its policy runs in the shadow), was \(was)", "disabled")
                }
            case .metricsOnlyBreaker(let id):
                source = id
                message = try setBreaker(id, by: command, origin: origin, at: now, { $0.recordOnly() }) { was in
                    ("set to metrics-only (lets every call through, records, evaluates its policy in the shadow), was \(was)", "metrics-only")
                }
            case .setFault(let target, let fault):
                let key: InProcessTransport.FaultKey
                if serviceNames.contains(target) {
                    key = .service(target)
                } else if instanceIDs.contains(target) {
                    key = .instance(target)
                } else {
                    throw UnknownTargetError(description: "no service or instance '\(target)'; known services: \(serviceNames.joined(separator: ", "))")
                }
                // Read and set together with no request between them would need the transport's
                // lock; a request racing the change is counted to the fault it met.
                let count = transport.faultsInjected(key)
                switch key {
                case .service: transport.setFault(fault, service: target)
                case .instance: transport.setFault(fault, instance: target)
                }
                source = target
                message = fault.summary.map { "fault injected: \($0)" } ?? "fault cleared"
                interventionLog.record(.fault, target: target, origin: origin, detail: fault.summary ?? "fault cleared", at: now,
                                       link: .fault(key, countAtStart: count), endsAtOnce: fault == .none, faultCountNow: count)
            case .setPolicy(let edge, let change):
                let (caller, target) = try knownEdge(edge)
                let detail: String
                switch change {
                case .patch(let patch):
                    if let problem = patch.problem { throw UnknownTargetError(description: problem.message) }
                    controlPlane.overridePolicy(caller: caller, target: target) { $0.patched(patch) }
                    detail = patch.summary
                    message = "policy changed: \(detail)"
                case .restore:
                    controlPlane.setOverride(nil, caller: caller, target: target)
                    detail = "restored to its built policy (\(controlPlane.builtPolicy(caller: caller, target: target).tunedSummary))"
                    message = "policy \(detail)"
                }
                source = edge
                // Read after the change: a call ending in between counts to the new policy.
                let calls = edgeCalls(caller: caller, target: target)
                interventionLog.record(.policy, target: edge, origin: origin, detail: detail, at: now,
                                       link: .edgeCalls(caller: caller, target: target, atStart: calls), endsAtOnce: change == .restore,
                                       edgeCallsNow: calls)
            }
        } catch let error as UnknownResilienceIDError {
            throw UnknownTargetError(description: error.description)
        } catch let error as UnknownTargetError {
            throw error
        } catch {
            throw UnknownTargetError(description: "\(error)")
        }
        telemetry.events.record(source: source, kind: .manualAction, message: "\(message), by \(origin)", attributes: ["origin": origin.rawValue])
    }

    /// The (caller, target) of `edge` (`CALLER->TARGET`): the target a deployed service, the
    /// caller a deployed service or one that has called through the mesh (`client`, `event-bus`).
    private func knownEdge(_ edge: String) throws(UnknownTargetError) -> (caller: String, target: String) {
        let parts = edge.split(separator: "->", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw UnknownTargetError(description: "edge '\(edge)' is not CALLER->TARGET (as order-service->payment-service)")
        }
        let caller = String(parts[0]), target = String(parts[1])
        let services = serviceNames
        guard services.contains(target) else {
            throw UnknownTargetError(description: "unknown edge '\(edge)': no service '\(target)' (known services: \(services.joined(separator: ", ")))")
        }
        let callers = Set(services).union(state.withLock { $0.channels.keys.map(\.caller) }).sorted()
        guard callers.contains(caller) else {
            throw UnknownTargetError(description: "unknown edge '\(edge)': no caller '\(caller)' (known callers: \(callers.joined(separator: ", ")))")
        }
        return (caller, target)
    }

    /// Calls from `caller` to `target` so far and how many of them failed (not answered below
    /// 500), from the sidecar's `client_requests_total`, as the snapshot's edges count them.
    func edgeCalls(caller: String, target: String) -> EdgeCallCount {
        let store = telemetry.metricsStore
        let edge = ["caller": caller, "target": target]
        let calls = Int(store.total(SeriesSelector(label: "client_requests_total", matching: edge)))
        let answered = Int(store.total(SeriesSelector(label: "client_requests_total", matching: edge,
                                                      where: DimensionPredicate(dimension: "outcome", hasPrefix: ["1", "2", "3", "4"]))))
        return EdgeCallCount(calls: calls, failed: calls - answered)
    }

    private func existingBreaker(_ id: String) throws(UnknownTargetError) -> CircuitBreaker {
        guard let breaker = resilience.breaker(id: id) else {
            let known = resilience.allBreakers.map(\.id)
            throw UnknownTargetError(description: "unknown breaker '\(id)' (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        return breaker
    }

    /// Carries out a breaker command with `act`, notes the intervention, and returns the event's
    /// message; `describe` gets the state the breaker left and gives the message and the
    /// intervention's detail.
    private func setBreaker(_ id: String, by command: ControlCommand, origin: ActionOrigin, at now: Duration,
                            _ act: (CircuitBreaker) -> CircuitBreakerTransition,
                            describe: (CircuitBreakerState) -> (message: String, detail: String)) throws(UnknownTargetError) -> String {
        let breaker = try existingBreaker(id)
        let transition = act(breaker)
        let (message, detail) = describe(transition.from)
        noteIntervention(command, on: breaker, transition, detail: detail, origin: origin, at: now)
        return message
    }

    /// Links a breaker action to the manual episode it started (none for a reset); it ended the
    /// action before it when the breaker was in a manual state (`transition.from`).
    private func noteIntervention(_ command: ControlCommand, on breaker: CircuitBreaker, _ transition: CircuitBreakerTransition,
                                  detail: String, origin: ActionOrigin, at now: Duration) {
        let status = breaker.status()
        let episode = status.state.isManual ? status.manualEpisodes.last?.sequence : nil
        let breakerOrigin = self.now() - breaker.now()  // read together: the breaker times its episodes from its own origin
        interventionLog.record(command.action, target: breaker.id, origin: origin, detail: detail, at: now,
                               link: .breaker(breaker, origin: breakerOrigin, episode: episode), endsAtOnce: episode == nil,
                               endsPrevious: transition.from.isManual)
    }

    /// Every manual action kept, oldest first, with its effect measured now.
    public func interventions() -> [InterventionRecord] {
        interventions(statuses: [:])
    }

    func interventions(statuses: [ObjectIdentifier: CircuitBreaker.Status]) -> [InterventionRecord] {
        interventionLog.records(now: now(), faultCount: transport.faultsInjected, edgeCalls: edgeCalls, statuses: statuses)
    }
}
