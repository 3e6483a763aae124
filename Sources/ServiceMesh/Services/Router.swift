import Logging

/// The values a route's pattern captured, by name: `/users/:id` matched by `/users/42` gives
/// `["id": "42"]`. A short list, as a route captures one or two (a name captured twice keeps the
/// later value); equal when the same names have the same values.
public struct PathParameters: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Element = (name: String, value: String)

    private var values = NameValueList()

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    public subscript(name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.count == 0 }

    mutating func reserveCapacity(_ minimumCapacity: Int) { values.reserveCapacity(minimumCapacity) }

    public func makeIterator() -> IndexingIterator<[Element]> { values.makeIterator() }

    public var description: String {
        isEmpty ? "[:]" : "[" + map { "\"\($0.name)\": \"\($0.value)\"" }.joined(separator: ", ") + "]"
    }
}

/// What a handler gets besides the request: the path's parameters, who called, and a client to
/// call other services through this instance's sidecar.
public struct RequestContext: Sendable {
    /// Parameters from the route's pattern: `/users/:id` matched by `/users/42` gives `["id": "42"]`.
    public var parameters: PathParameters
    /// The calling service's name (from the caller's sidecar), or nil for a call from outside.
    public var caller: String?
    /// The instance handling the request.
    public var instance: InstanceID
    /// Calls to other services, through this instance's sidecar.
    public var client: MeshClient
    /// The route's pattern as metrics label it (`GET /users/:id`).
    public var route: String

    /// A logger for the handler: records go to the mesh's log store, attributed to this service,
    /// with the request's trace and span (the server span is current while the handler runs).
    /// Made on each read: keep it in a local when logging more than once.
    public var logger: Logger { client.mesh.telemetry.logger(for: instance.service) }

    /// A path parameter, or a ``BadRequestError`` naming it.
    public func parameter(_ name: String) throws(BadRequestError) -> String {
        guard let value = parameters[name] else { throw BadRequestError(message: "missing path parameter '\(name)'") }
        return value
    }
}

extension RequestContext {
    // Through the compiler's memberwise initializer (which exists because this one is in an
    // extension, and differs from it in the order of the last two): assigning each property
    // here built the context twice and copied one into the other, a retain and release apiece.
    public init(parameters: PathParameters, caller: String?, instance: InstanceID, route: String, client: MeshClient) {
        self.init(parameters: parameters, caller: caller, instance: instance, client: client, route: route)
    }
}

public typealias Handler = @Sendable (Request, RequestContext) async throws -> Response

/// Routes by method and path pattern. Patterns are literal segments, `:name` parameters, and a
/// final `*name` that takes the rest of the path (`/api/*rest`).
///
/// ```swift
/// var router = Router()
/// router.get("/users/:id") { request, context in .json(try users.find(context.parameter("id"))) }
/// ```
///
/// Literal segments win over parameters when both match (`/users/me` before `/users/:id`).
public struct Router: Sendable {
    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: String
        /// `GET /users/:id`: the metrics' route label, made once.
        let label: String
        let segments: [Segment]
        /// How many values a match captures (parameters and a rest).
        let captures: Int
        /// Whether the pattern has a `*rest` capture.
        let catchAll: Bool
        let handler: Handler
    }

    enum Segment: Sendable, Equatable {
        /// A literal segment's UTF-8 bytes: paths are matched byte for byte, as RFC 3986 compares them.
        case literal([UInt8])
        case parameter(String)
        case rest(String)
    }

    private(set) var routes: [Route] = []

    public init() {}

    /// Adds a route. A later route with the same method and pattern replaces the earlier one.
    public mutating func on(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            if part.hasPrefix("*") { return .rest(String(part.dropFirst())) }
            return .literal(Array(part.utf8))
        }
        routes.removeAll { $0.method == method && $0.pattern == pattern }
        let captures = segments.filter { if case .literal = $0 { false } else { true } }.count
        let catchAll = segments.contains { if case .rest = $0 { true } else { false } }
        routes.append(Route(method: method, pattern: pattern, label: "\(method) \(pattern)", segments: segments, captures: captures,
                            catchAll: catchAll, handler: handler))
        // Most specific first: more literal segments, then fewer rest-captures.
        routes.sort { lhs, rhs in
            let l = lhs.segments.filter { if case .literal = $0 { true } else { false } }.count
            let r = rhs.segments.filter { if case .literal = $0 { true } else { false } }.count
            return l != r ? l > r : lhs.segments.count > rhs.segments.count
        }
    }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { on(.get, pattern, handler) }
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { on(.post, pattern, handler) }
    public mutating func put(_ pattern: String, _ handler: @escaping Handler) { on(.put, pattern, handler) }
    public mutating func delete(_ pattern: String, _ handler: @escaping Handler) { on(.delete, pattern, handler) }

    /// The outcome of matching a request.
    public enum Match: Sendable {
        case found(route: String, parameters: PathParameters, handler: Handler)
        /// The path exists but not for this method (405).
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    /// Finds the route for a method and path (the query is ignored).
    public func match(_ method: HTTPMethod, _ path: Substring) -> Match {
        matchRoute(method, path).match
    }

    /// ``match(_:_:)``, also saying whether the route found ends in a `*rest` capture (the
    /// inbound sidecar names such spans by path rather than by route).
    func matchRoute(_ method: HTTPMethod, _ path: Substring) -> (match: Match, catchAll: Bool) {
        // Runs on every request: the path is walked in place as bytes (no array of segments, no
        // Substring indices), routes are read where they are, and parameters are captured only
        // for the route found.
        var path = path
        return path.withUTF8 { path in
            for index in routes.indices where routes[index].method == method && Self.matches(routes[index].segments, path) {
                // Read in place: a copy of the route would retain each of its parts.
                let parameters = routes[index].captures == 0
                    ? PathParameters() : Self.parameters(routes[index].segments, path, capacity: routes[index].captures)
                return (.found(route: routes[index].label, parameters: parameters, handler: routes[index].handler), routes[index].catchAll)
            }
            var allowed: [HTTPMethod] = []
            for route in routes where route.method != method && Self.matches(route.segments, path) {
                allowed.append(route.method)
            }
            return (allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed), false)
        }
    }

    /// Whether `path`'s segments (empty ones skipped) fit the pattern.
    private static func matches(_ segments: [Segment], _ path: UnsafeBufferPointer<UInt8>) -> Bool {
        var parts = PathSegments(path)
        for segment in segments {
            switch segment {
            case .rest:
                return true
            case .literal(let literal):
                guard let part = parts.next(), part.elementsEqual(literal) else { return false }
            case .parameter:
                guard parts.next() != nil else { return false }
            }
        }
        return parts.next() == nil
    }

    /// The parameters of a path that ``matches(_:_:)`` the pattern.
    private static func parameters(_ segments: [Segment], _ path: UnsafeBufferPointer<UInt8>, capacity: Int) -> PathParameters {
        var parameters = PathParameters()
        parameters.reserveCapacity(capacity)
        var parts = PathSegments(path)
        for segment in segments {
            switch segment {
            case .rest(let name):
                var rest = ""
                while let part = parts.next() {
                    if !rest.isEmpty { rest.append("/") }
                    rest.append(String(decoding: part, as: UTF8.self))
                }
                parameters[name] = rest
                return parameters
            case .literal:
                _ = parts.next()
            case .parameter(let name):
                guard let part = parts.next() else { return parameters }
                let value = String(decoding: part, as: UTF8.self)
                parameters[name] = part.contains(UInt8(ascii: "%")) ? (value.removingPercentEncoding ?? value) : value
            }
        }
        return parameters
    }
}

/// The non-empty `/`-separated segments of a path's bytes, found in place.
private struct PathSegments: IteratorProtocol {
    let path: UnsafeBufferPointer<UInt8>
    var position = 0

    init(_ path: UnsafeBufferPointer<UInt8>) {
        self.path = path
    }

    mutating func next() -> Slice<UnsafeBufferPointer<UInt8>>? {
        let slash = UInt8(ascii: "/")
        while position < path.count, path[position] == slash { position += 1 }
        guard position < path.count else { return nil }
        let start = position
        while position < path.count, path[position] != slash { position += 1 }
        return path[start..<position]
    }
}

/// The routes' patterns, for documentation and the dashboard.
extension Router {
    public var patterns: [String] { routes.map { "\($0.method) \($0.pattern)" } }
}
