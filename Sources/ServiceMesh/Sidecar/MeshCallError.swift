import Resilience

/// A call through the mesh that got no HTTP response from the target: the caller's sidecar
/// refused it or nothing answered. (An HTTP error status is a response, not this error.)
///
/// Handlers catch it for a fallback (`kind == .breakerOpen`: serve from cache, queue the work),
/// or let it escape: the inbound sidecar then answers ``response`` (503, or 504 for a timeout).
public struct MeshCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, Codable {
        /// The circuit breaker to the target is open: the call was not tried.
        case breakerOpen
        /// The caller's rate limit for the target is used up.
        case rateLimited
        /// The caller's bulkhead for the target is full.
        case bulkheadFull
        /// No attempt answered within its timeout.
        case timeout
        /// Every attempt was refused or found no passing instance.
        case unavailable
        /// The caller's task was cancelled.
        case cancelled
    }

    public var caller: String?
    public var target: String
    public var kind: Kind
    public var message: String
    /// When trying again may work (open breaker, rate limit), if known.
    public var retryAfter: Duration?

    public init(caller: String?, target: String, kind: Kind, message: String, retryAfter: Duration? = nil) {
        self.caller = caller
        self.target = target
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(caller ?? "client") -> \(target): \(message)" }

    /// What to answer upstream when this failure is passed on.
    public var response: Response {
        var response = Response.error(kind == .timeout ? 504 : 503, "\(target) unavailable: \(message)")
        if let retryAfter {
            response.headers[MeshHeader.retryAfter] = String(max(1, Int(retryAfter.components.seconds) + (retryAfter.components.attoseconds > 0 ? 1 : 0)))
        }
        return response
    }
}

extension MeshCallError {
    /// What a caller is told when its sidecar's pipeline failed with `error`: the resilience
    /// stages' rejections by kind; anything else (refused, no passing instance) is `unavailable`.
    init(translating error: any Error, caller: String?, target: String) {
        switch error {
        case let error as CircuitBreakerOpenError:
            self.init(caller: caller, target: target, kind: .breakerOpen, message: error.description, retryAfter: error.retryAfter)
        case let error as RateLimitedError:
            self.init(caller: caller, target: target, kind: .rateLimited, message: error.description, retryAfter: error.retryAfter)
        case let error as BulkheadFullError:
            self.init(caller: caller, target: target, kind: .bulkheadFull, message: error.description)
        case let error as TimeoutError:
            self.init(caller: caller, target: target, kind: .timeout, message: error.description)
        case is CancellationError:
            self.init(caller: caller, target: target, kind: .cancelled, message: "the call was cancelled")
        default:
            self.init(caller: caller, target: target, kind: .unavailable, message: "\(error)")
        }
    }
}

/// A handler's way of answering with a status and message (`throw HTTPError(404, "no user 42")`).
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status) \(message)" }
}

/// Inside the pipeline, a 5xx answer is thrown so the breaker counts it and retry sees it; it is
/// turned back into the response afterwards. 502, 503 and 504 are worth a retry; 500 is not.
struct UpstreamStatusError: TransientError {
    let response: Response
    var isTransient: Bool { [502, 503, 504].contains(response.status) }
}

/// No passing instance to send to (none registered, all critical, or discovery failed).
struct NoInstanceError: TransientError, CustomStringConvertible {
    let description: String
    var isTransient: Bool { true }
}
