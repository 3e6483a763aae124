/// Where an exporter sends: an OTLP/HTTP base URL, `http://HOST:PORT` or `https://HOST:PORT`,
/// optionally with a path prefix; the signal paths (`/v1/traces`, …) are added to it.
public struct OTLPEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The base URL without a trailing slash.
    public let base: String

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(Invalid) {
        let accepted = "give the receiver's base URL, e.g. http://127.0.0.1:4318 (the path /v1/traces is added)"
        var rest = Substring(text)
        guard let scheme = ["http://", "https://"].first(where: { rest.lowercased().hasPrefix($0) }) else {
            throw Invalid(description: "--otlp-export \(text.isEmpty ? "(empty)" : text) is not an http:// or https:// URL; \(accepted)")
        }
        rest = rest.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        guard !authority.isEmpty, !authority.contains(where: { $0 == " " || $0 == "@" || $0 == "?" || $0 == "#" }) else {
            throw Invalid(description: "--otlp-export \(text) has no host (or one with spaces, @, ? or #); \(accepted)")
        }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let number = Int(port), (1...65_535).contains(number) else {
                throw Invalid(description: "--otlp-export \(text): port \(port.isEmpty ? "(empty)" : String(port)) is not 1…65535; \(accepted)")
            }
        }
        var path = rest.dropFirst(authority.count)
        for signal in OTLPSignal.allCases where path.hasSuffix(signal.path) {
            throw Invalid(description: "--otlp-export \(text) ends with \(signal.path); give the base URL without it (\(text.dropLast(signal.path.count)))")
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        base = String(text.prefix(scheme.count)).lowercased() + authority + path
    }

    public var description: String { base }
}
