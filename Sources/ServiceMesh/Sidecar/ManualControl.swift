import Resilience
import Telemetry

/// Thrown by ``Mesh/perform(_:origin:)`` for a command naming something the mesh does not have.
public struct UnknownTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

extension Mesh {
    /// Carries out a person's (or a script's) command and records it in the event log as a manual
    /// action with its origin: the audit trail.
    ///
    /// The event's message ends with who asked (`…, by cli`), so the Events view shows it; the
    /// origin is also the event's `origin` attribute.
    ///
    /// - Parameter origin: who asked (``ActionOrigin/dashboard``, ``ActionOrigin/cli``, …).
    /// - Throws: ``UnknownTargetError`` naming the unknown breaker or service and the known ones.
    public func perform(_ command: ControlCommand, origin: ActionOrigin) throws(UnknownTargetError) {
        let message: String
        let source: String
        do {
            switch command {
            case .tripBreaker(let id, let seconds):
                let duration = seconds.map { Duration(saturatingSeconds: $0) }
                let transition = try resilience.trip(id: id, for: duration)
                source = id
                message = "tripped (forced open\(duration.map { " for \($0.compact)" } ?? "")), was \(transition.from)"
            case .forceBreakerClosed(let id):
                let transition = try resilience.forceClosed(id: id)
                source = id
                message = "forced closed, was \(transition.from)"
            case .resetBreaker(let id):
                let transition = try resilience.reset(id: id)
                source = id
                message = "reset to automatic, was \(transition.from)"
            case .setFault(let target, let fault):
                if serviceNames.contains(target) {
                    transport.setFault(fault, service: target)
                } else if instanceIDs.contains(target) {
                    transport.setFault(fault, instance: target)
                } else {
                    throw UnknownTargetError(description: "no service or instance '\(target)'; known services: \(serviceNames.joined(separator: ", "))")
                }
                source = target
                message = fault.summary.map { "fault injected: \($0)" } ?? "fault cleared"
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
}
