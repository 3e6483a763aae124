import Telemetry

/// A fault for one service, or one instance of it, as typed after `--fault`: `SERVICE=KIND[:VALUE]`
/// or `SERVICE-N=KIND[:VALUE]` (`content-service-1=latency:300ms` slows one of its instances).
///
/// Kinds (the same grammar as a scenario's `"fault"` field):
/// - `errors:RATIO[:STATUS]` — this share of requests fail; RATIO is `0…1` (`0.6`) or a percentage
///   (`60%`); STATUS is an HTTP status 400…599, 503 when left out.
/// - `latency:DURATION` — every request takes this much longer (`300ms`, `1.5s`).
/// - `down` — connections are refused.
/// - `hang` — requests never answer; callers wait until their timeout.
/// - `none` — clears the service's fault.
public struct FaultArgument: Sendable, Equatable {
    public var service: String
    public var fault: FaultSpec

    public init(service: String, fault: FaultSpec) {
        self.service = service
        self.fault = fault
    }

    /// What every error message lists as accepted, for the whole argument.
    public static let acceptedForms = "SERVICE=KIND[:VALUE] with KIND one of \(acceptedKinds)"

    /// What every error message lists as accepted, for the kind part.
    public static let acceptedKinds =
        "errors:RATIO[:STATUS] (RATIO 0…1 or 0%…100%, STATUS 400…599, default 503), latency:DURATION (e.g. 300ms), down, hang, none"

    /// Parses `SERVICE=KIND[:VALUE]`, for example `payment-service=errors:0.6`.
    ///
    /// - Parameter knownServices: when given, a service not in it is an error that lists them.
    public static func parse(_ text: String, knownServices: [String]? = nil) throws(FaultParseError) -> FaultArgument {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw FaultParseError(text: text, problem: "there is no '=' between the service and the fault", accepted: acceptedForms)
        }
        let service = String(parts[0]).trimmingSpaces
        guard !service.isEmpty else {
            throw FaultParseError(text: text, problem: "the service name is empty", accepted: acceptedForms)
        }
        if let knownServices, !knownServices.contains(service) {
            throw FaultParseError(text: text, problem: "unknown service \"\(service)\"", accepted: describeTargets(knownServices))
        }
        do {
            return FaultArgument(service: service, fault: try parseFault(String(parts[1])))
        } catch {
            throw FaultParseError(text: text, problem: error.problem, accepted: error.accepted)
        }
    }

    /// "one of gateway, user-service, …" for a list of fault targets, its instances (`user-service-1`)
    /// summarised as one example rather than listed.
    public static func describeTargets(_ targets: [String]) -> String {
        let known = Set(targets)
        func isInstance(_ name: String) -> Bool {
            guard let dash = name.lastIndex(of: "-"), name[name.index(after: dash)...].allSatisfy(\.isASCIIDigit),
                  name.index(after: dash) < name.endIndex else { return false }
            return known.contains(String(name[..<dash]))
        }
        let services = targets.filter { !isInstance($0) }
        var text = "one of \(services.joined(separator: ", "))"
        if let instance = targets.first(where: isInstance) {
            text += ", or one instance as SERVICE-N (e.g. \(instance))"
        }
        return text
    }

    /// Parses the `KIND[:VALUE]` part alone (`errors:0.6`, `latency:300ms`, `down`, `none`).
    public static func parseFault(_ text: String) throws(FaultParseError) -> FaultSpec {
        let parts = text.trimmingSpaces.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        let kind = parts[0]
        let values = parts.dropFirst()
        func fail(_ problem: String) -> FaultParseError {
            FaultParseError(text: text, problem: problem, accepted: acceptedKinds)
        }
        switch kind {
        case "errors":
            guard let ratioText = values.first, !ratioText.isEmpty else { throw fail("errors needs a ratio, as in errors:0.6 or errors:60%") }
            guard values.count <= 2 else { throw fail("errors takes at most a ratio and a status") }
            guard let ratio = parseRatio(ratioText) else { throw fail("\"\(ratioText)\" is not a ratio between 0 and 1 or a percentage between 0% and 100%") }
            var status = 503
            if values.count == 2 {
                let statusText = values[values.startIndex + 1]
                guard let parsed = Int(statusText), (400...599).contains(parsed) else {
                    throw fail("\"\(statusText)\" is not an HTTP error status between 400 and 599")
                }
                status = parsed
            }
            return .errors(ratio: ratio, status: status)
        case "latency":
            guard values.count == 1, let durationText = values.first, !durationText.isEmpty else {
                throw fail("latency needs one duration, as in latency:300ms")
            }
            do {
                return .latency(milliseconds: try DurationParser.parse(durationText).milliseconds)
            } catch {
                throw fail("\"\(durationText)\" is not a duration (\(DurationParser.acceptedForms))")
            }
        case "down", "hang", "none":
            guard values.isEmpty else { throw fail("\(kind) takes no value") }
            return kind == "down" ? .down : kind == "hang" ? .hang : FaultSpec.none
        case "":
            throw fail("the fault is empty")
        default:
            throw fail("unknown fault kind \"\(kind)\"")
        }
    }

    /// The text ``parseFault(_:)`` reads back as `fault` (`errors:0.6`, `errors:0.6:500`, `latency:300ms`).
    public static func format(_ fault: FaultSpec) -> String {
        switch fault {
        case .none: "none"
        case .errors(let ratio, let status): status == 503 ? "errors:\(ratio)" : "errors:\(ratio):\(status)"
        case .latency(let milliseconds): "latency:\(DurationParser.format(Duration(saturatingSeconds: milliseconds / 1000)))"
        case .down: "down"
        case .hang: "hang"
        }
    }

    /// `0.6` or `60%` to 0.6; nil unless a plain decimal within 0…1 (0%…100%).
    private static func parseRatio(_ text: String) -> Double? {
        let isPercent = text.hasSuffix("%")
        let number = isPercent ? String(text.dropLast()) : text
        guard !number.isEmpty, number.allSatisfy({ $0.isASCIIDigit || $0 == "." }),
              number.filter({ $0 == "." }).count <= 1, number != ".",
              let value = Double(number)
        else { return nil }
        let ratio = isPercent ? value / 100 : value
        return (0...1).contains(ratio) ? ratio : nil
    }
}

/// A fault argument that could not be read; its description names the text, the problem and what is accepted.
public struct FaultParseError: Error, Equatable, CustomStringConvertible {
    public var text: String
    public var problem: String
    public var accepted: String

    public init(text: String, problem: String, accepted: String) {
        self.text = text
        self.problem = problem
        self.accepted = accepted
    }

    public var description: String {
        "invalid fault \"\(text)\": \(problem); expected \(accepted)"
    }
}
