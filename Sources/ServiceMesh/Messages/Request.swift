import Foundation

/// An HTTP method. A struct over the raw string, so any method a real transport carries fits.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue.uppercased() }
    public var description: String { rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")
}

/// Header names the mesh itself reads or writes. Header names are lowercase, as in HTTP/2.
public enum MeshHeader {
    public static let traceparent = "traceparent"
    public static let tracestate = "tracestate"
    /// The calling service, set by the caller's sidecar (the mesh's stand-in for a workload identity).
    public static let caller = "x-mesh-caller"
    public static let requestID = "x-request-id"
    public static let userID = "x-user-id"
    public static let userRoles = "x-user-roles"
    public static let apiKey = "x-api-key"
    public static let authorization = "authorization"
    public static let retryAfter = "retry-after"
    public static let contentType = "content-type"
    public static let idempotencyKey = "idempotency-key"
}

/// A request as it crosses the mesh: what an HTTP/1.1 or HTTP/2 request carries.
///
/// Header names are stored lowercase; the subscript lowercases what it is given, so
/// `request.headers["X-User-ID"]` and `request.headers["x-user-id"]` are the same header.
public struct Request: Sendable, Equatable {
    public var method: HTTPMethod
    /// The path, with an optional `?query`.
    public var path: String
    public var headers: Headers
    public var body: Data

    public init(method: HTTPMethod = .get, path: String, headers: Headers = Headers(), body: Data = Data()) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// A request whose body is `value` as JSON.
    public init<Body: Encodable>(method: HTTPMethod, path: String, headers: Headers = Headers(), json value: Body) throws {
        self.init(method: method, path: path, headers: headers, body: try MeshJSON.encoder.encode(value))
        self.headers[lowercased: MeshHeader.contentType] = "application/json"
    }

    /// The path without its query.
    public var pathWithoutQuery: Substring {
        // Every hop reads this, and a search by Character breaks the path into grapheme clusters:
        // scan the bytes instead while they are ASCII (where bytes and Characters agree), and fall
        // back to the search by Character for anything else.
        let utf8 = path.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte >= 0x80 { break }
            let next = utf8.index(after: index)
            if byte == UInt8(ascii: "?") {
                // A non-ASCII scalar right after could join the "?" into a larger Character.
                if next == utf8.endIndex || utf8[next] < 0x80 { return path[..<index] }
                break
            }
            index = next
        }
        if index == utf8.endIndex { return path[...] }
        return path.firstIndex(of: "?").map { path[..<$0] } ?? path[...]
    }

    /// The query's parameters (`?q=red+shoe&limit=5`), percent-decoded; later duplicates win.
    public var query: [String: String] {
        guard let mark = path.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in path[path.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let decode: (Substring) -> String = { ($0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding) ?? String($0) }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    /// The body decoded from JSON.
    ///
    /// - Throws: ``BadRequestError`` saying what could not be read.
    public func decode<T: Decodable>(_ type: T.Type) throws(BadRequestError) -> T {
        do {
            return try MeshJSON.decoder.decode(type, from: body)
        } catch {
            throw BadRequestError(message: "the body is not a valid \(T.self): \(MeshJSON.describe(error))")
        }
    }
}

/// Headers with case-insensitive names (stored lowercase), in the order they were first set.
///
/// Stored as a list, as HTTP/2 and swift-http-types do: a request carries a handful of headers,
/// and scanning a few short names is cheaper than hashing them. Two header sets are equal when
/// they hold the same names with the same values, in any order.
public struct Headers: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (name: String, value: String)

    private var fields = NameValueList()

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        fields.reserveCapacity(elements.count)
        for (name, value) in elements { self[name] = value }
    }

    /// The value of `name` (any case), or nil. Setting nil removes the header.
    public subscript(name: String) -> String? {
        get {
            // Names are stored lowercase, so a name found as given needs no case check: the
            // mesh's own look-ups (every hop makes three) skip it.
            if let value = fields[name] { return value }
            return Self.hasUppercase(name) ? fields[name.lowercased()] : nil
        }
        set {
            // A name already lowercase is used as it is, without a copy of it.
            if Self.hasUppercase(name) { fields[name.lowercased()] = newValue } else { fields[name] = newValue }
        }
    }

    /// Headers with only a `content-type`, as most responses have.
    init(contentType: String) {
        self[lowercased: MeshHeader.contentType] = contentType
    }

    /// A header whose name is known to be lowercase (one of ``MeshHeader``'s), without checking
    /// its case: the sidecars read three and write two on every hop.
    subscript(lowercased name: String) -> String? {
        get {
            assert(!Self.hasUppercase(name), "\(name) is not lowercase")
            return fields[name]
        }
        set {
            assert(!Self.hasUppercase(name), "\(name) is not lowercase")
            fields[name] = newValue
        }
    }

    private static func hasUppercase(_ name: String) -> Bool {
        name.containsUTF8Byte { $0 &- UInt8(ascii: "A") < 26 }
    }

    public func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

    public var count: Int { fields.count }

    /// Makes room for `minimumCapacity` headers, so adding several grows the storage once.
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        fields.reserveCapacity(minimumCapacity)
    }
}

/// Names with values, in the order first set, a name at most once: what ``Headers`` and
/// ``PathParameters`` keep. Found by scanning — they hold a handful, and comparing short names
/// costs less than hashing them. Equal when the same names have the same values, in any order.
struct NameValueList: Sendable, Equatable, Sequence {
    private var entries: [(name: String, value: String)] = []

    /// The value of `name`, or nil. Setting a name again replaces its value; setting nil removes it.
    subscript(name: String) -> String? {
        get {
            for entry in entries where entry.name == name { return entry.value }
            return nil
        }
        set {
            let index = entries.firstIndex { $0.name == name }
            switch (index, newValue) {
            case (let index?, let value?): entries[index].value = value
            case (let index?, nil): entries.remove(at: index)
            case (nil, let value?): entries.append((name, value))
            case (nil, nil): break
            }
        }
    }

    var count: Int { entries.count }

    mutating func reserveCapacity(_ minimumCapacity: Int) { entries.reserveCapacity(minimumCapacity) }

    func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { entries.makeIterator() }

    static func == (lhs: NameValueList, rhs: NameValueList) -> Bool {
        lhs.count == rhs.count && lhs.entries.allSatisfy { rhs[$0.name] == $0.value }
    }
}

/// A response: status, headers, body.
public struct Response: Sendable, Equatable {
    public var status: Int
    public var headers: Headers
    public var body: Data

    public init(status: Int = 200, headers: Headers = Headers(), body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `value` as JSON.
    public static func json<Body: Encodable>(_ value: Body, status: Int = 200) -> Response {
        do {
            return Response(status: status, headers: Headers(contentType: "application/json"), body: try MeshJSON.encoder.encode(value))
        } catch {
            return .error(500, "could not encode the response: \(error)")
        }
    }

    /// An error response with a JSON body `{"error": message}`.
    public static func error(_ status: Int, _ message: String) -> Response {
        .json(ErrorBody(error: message), status: status)
    }

    public static func text(_ text: String, status: Int = 200) -> Response {
        // Copied from the UTF-8 buffer: `Data(text.utf8)` first looks for contiguous storage with a dynamic cast.
        var text = text
        return Response(status: status, headers: Headers(contentType: "text/plain; charset=utf-8"), body: text.withUTF8 { Data(buffer: $0) })
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
    /// 5xx: the server failed (these count against breakers and outlier detection).
    public var isServerError: Bool { status >= 500 }

    /// The body decoded from JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try MeshJSON.decoder.decode(type, from: body)
    }

    /// The `error` message of an error body, if there is one.
    public var errorMessage: String? {
        (try? MeshJSON.decoder.decode(ErrorBody.self, from: body))?.error
    }

    public struct ErrorBody: Codable, Sendable, Equatable {
        public var error: String
    }
}

/// A handler's way of saying the request was malformed: the router answers 400 with the message.
public struct BadRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Shared JSON coders (sorted keys, so bodies are stable in tests and logs).
public enum MeshJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public static let decoder = JSONDecoder()

    /// A coding path as a field reference: `items[0].quantity` (empty for the top level).
    public static func fieldPath(_ keys: [any CodingKey]) -> String {
        keys.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    /// A decoding error in one line, naming the field (`items[0].quantity`) and what was wrong.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let path = fieldPath
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return "missing field '\(field)'"
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' should be \(type)"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' should be \(type), found null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension String {
    /// Whether one of the string's UTF-8 bytes satisfies `predicate`, scanned in place. (Iterating
    /// `utf8` decodes a small string's bytes one call at a time, and `withUTF8` needs a mutable
    /// copy; a header name given by a caller is checked on every look-up.)
    func containsUTF8Byte(where predicate: (UInt8) -> Bool) -> Bool {
        utf8.withContiguousStorageIfAvailable { $0.contains(where: predicate) } ?? utf8.contains(where: predicate)
    }
}
