import Synchronization

/// Calls to other services, through the caller's sidecar. Handlers get one in ``RequestContext``.
public struct MeshClient: Sendable {
    let mesh: Mesh
    /// The calling service, or nil for a client outside the mesh.
    public let caller: String?
    /// The channels this client has used (a deployed service's clients share its own).
    let channels: CallerChannels

    init(mesh: Mesh, caller: String?, channels: CallerChannels? = nil) {
        self.mesh = mesh
        self.caller = caller
        self.channels = channels ?? CallerChannels(caller: caller ?? "client")
    }

    /// Sends `request` to a passing instance of `service` through the caller's policies.
    ///
    /// - Returns: the target's response, whatever its status (a 5xx after retries too).
    /// - Throws: ``MeshCallError`` when no response came: breaker open, limit reached, timeout,
    ///   nothing reachable, or cancelled.
    public func call(_ service: String, _ request: Request) async throws(MeshCallError) -> Response {
        try await channels.channel(to: service, in: mesh).call(request, caller: caller)
    }

    /// A GET through ``call(_:_:)``; inlinable, so the caller's own frame builds the request and
    /// a call costs one async frame fewer.
    @inlinable
    public func get(_ service: String, _ path: String, headers: Headers = Headers()) async throws(MeshCallError) -> Response {
        try await call(service, Request(method: .get, path: path, headers: headers))
    }

    public func post<Body: Encodable>(_ service: String, _ path: String, json body: Body, headers: Headers = Headers()) async throws(MeshCallError) -> Response {
        let request: Request
        do {
            request = try Request(method: .post, path: path, headers: headers, json: body)
        } catch {
            throw MeshCallError(caller: caller, target: service, kind: .unavailable, message: "could not encode the request: \(error)")
        }
        return try await call(service, request)
    }
}

/// The outbound channels one caller has used, found by the target's name without the mesh's
/// lock or hashing: a caller talks to a handful of services, and comparing short names is cheap.
final class CallerChannels: Sendable {
    let caller: String
    private let known = Mutex<[(target: String, channel: OutboundChannel)]>([])

    init(caller: String) {
        self.caller = caller
    }

    func channel(to target: String, in mesh: Mesh) -> OutboundChannel {
        if let channel = known.withLock({ known in known.first { $0.target == target }?.channel }) { return channel }
        let channel = mesh.channel(caller: caller, target: target)
        known.withLock { known in
            if !known.contains(where: { $0.target == target }) { known.append((target, channel)) }
        }
        return channel
    }
}
