import Foundation
import Telemetry

/// Where `meshtop attach` connects: a `meshtop serve` base URL, checked, and the paths of its API.
public struct AttachTarget: Sendable, Equatable {
    /// `http://host:port` or `https://host:port/prefix`, without a trailing slash.
    public let base: String

    /// A bad URL given to `attach`: says what was wrong and what is accepted.
    public struct InvalidURL: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Accepts `http://HOST[:PORT][/PREFIX]` and `https://…`; a bare `HOST:PORT` is taken as http.
    public init(parsing text: String) throws(InvalidURL) {
        var text = text.trimmingCharacters(in: .whitespaces)
        let accepted = "give the address `meshtop serve` listens on, e.g. http://127.0.0.1:8080"
        guard !text.isEmpty else { throw InvalidURL(description: "the URL is empty; \(accepted)") }
        if !text.contains("://") { text = "http://" + text }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw InvalidURL(description: "\"\(text)\" is not a URL; \(accepted)")
        }
        guard scheme == "http" || scheme == "https" else {
            throw InvalidURL(description: "\"\(scheme)\" is not supported: only http and https; \(accepted)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw InvalidURL(description: "\"\(text)\" names no host; \(accepted)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw InvalidURL(description: "port \(port) is out of range 1…65535; \(accepted)")
        }
        guard components.query == nil, components.fragment == nil else {
            throw InvalidURL(description: "\"\(text)\" has a query or fragment; \(accepted)")
        }
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        base = "\(scheme)://\(hostPart)\(components.port.map { ":\($0)" } ?? "")\(path)"
    }

    public func feed(window: Int, intervalMs: Int) -> String {
        "\(base)/api/v1/feed?window=\(window)&interval=\(intervalMs)"
    }

    public func snapshot(window: Int) -> String {
        "\(base)/api/v1/snapshot?window=\(window)"
    }

    public var control: String { "\(base)/api/v1/control" }

    public func traceTree(id: String) -> String {
        "\(base)/api/v1/traces/\(Self.encode(id))"
    }

    /// Every log record of a trace the server keeps (up to the endpoint's 1,000), newest first.
    public func logs(traceId: String) -> String {
        "\(base)/api/v1/logs?trace=\(Self.encode(traceId))&limit=1000"
    }

    /// The traces endpoint with a ``TraceQuery``'s fields as query parameters (defaults left out).
    public func traces(_ query: TraceQuery) -> String {
        var items = ["order=\(query.order.rawValue)"]
        if query.errorsOnly { items.append("errors=true") }
        if !query.text.isEmpty { items.append("text=\(Self.encode(query.text))") }
        for service in query.services { items.append("service=\(Self.encode(service))") }
        if let span = query.span { items.append("span=\(Self.encode(span.service + ":" + span.operation))") }
        if query.offset != 0 { items.append("offset=\(query.offset)") }
        items.append("limit=\(query.limit)")
        if let anchor = query.anchor { items.append("anchor=\(Self.encode(anchor))") }
        return "\(base)/api/v1/traces?" + items.joined(separator: "&")
    }

    /// Percent-encodes a query value or path segment: only unreserved characters stay.
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
