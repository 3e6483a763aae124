/// Where `serve` listens: `--listen HOST:PORT`, checked. Pure: tested without a socket.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// An IPv4 or IPv6 literal (without brackets) or a host name.
    public var host: String
    /// 0 binds an ephemeral port.
    public var port: Int

    public static let defaultValue = ListenAddress(host: "127.0.0.1", port: 9464)

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:9464`, `localhost:0`, `[::1]:9464`, `0.0.0.0:9464`.
    ///
    /// - Throws: ``ListenAddressError`` saying what is wrong and the accepted form.
    public init(parsing text: String) throws(ListenAddressError) {
        let form = "expected HOST:PORT, e.g. 127.0.0.1:9464, [::1]:9464 or 127.0.0.1:0 for any free port"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ListenAddressError("'\(text)': an IPv6 address needs brackets and a port; \(form)")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ListenAddressError("'\(text)' has no port; \(form)")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                throw ListenAddressError("'\(text)': put an IPv6 address in brackets; \(form)")
            }
        }
        guard !host.isEmpty else { throw ListenAddressError("'\(text)' has no host; \(form)") }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw ListenAddressError("'\(text)': the port must be a number 0…65535; \(form)")
        }
        self.init(host: String(host), port: port)
    }

    /// True for addresses only this machine reaches: 127.0.0.0/8, `::1`, `localhost`. Anything
    /// else may be reachable from elsewhere, so `serve` asks for a token there.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// `--listen` is not a usable address.
public struct ListenAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ControlToken {
    /// The token in a `--token-file`'s contents: the text without surrounding whitespace (an
    /// editor's final newline is not part of it).
    ///
    /// - Throws: ``ControlTokenError`` when nothing is left, or the token has a space inside.
    public static func fromFile(contents: String, path: String) throws(ControlTokenError) -> ControlToken {
        let token = contents.trimmingWhitespace
        guard !token.isEmpty else {
            throw ControlTokenError("the token file \(path) is empty; put the bearer token in it (one line, e.g. from `openssl rand -hex 32`)")
        }
        guard !token.contains(where: { $0.isWhitespace }) else {
            throw ControlTokenError("the token in \(path) has whitespace inside it; a bearer token is one word (e.g. from `openssl rand -hex 32`)")
        }
        return ControlToken(token)
    }
}

/// A `--token-file` that cannot serve as the control API's token.
public struct ControlTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
