/// The bearer token that guards `POST /api/v1/control`, and the check of a request's
/// `Authorization` header against it.
///
/// Without a token the control API is off (403, saying how to turn it on); a missing or wrong
/// token is 401. The comparison takes the same time whatever the token's bytes are, so a client
/// cannot find it a byte at a time by timing refusals.
public struct ControlToken: Sendable {
    private let secret: [UInt8]

    /// - Precondition: `token` is not empty (serve refuses an empty token file before this).
    public init(_ token: String) {
        precondition(!token.isEmpty, "a control token cannot be empty")
        secret = Array(token.utf8)
    }

    /// Checks an `Authorization` header value (`Bearer TOKEN`; the scheme in any case).
    ///
    /// - Throws: ``APIError`` 401 when the header is missing, not a bearer token, or the wrong token.
    public func check(authorization: String?) throws(APIError) {
        guard let authorization else {
            throw Self.unauthorized("missing Authorization header; send Authorization: Bearer TOKEN with the token of serve's --token-file")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Self.unauthorized("the Authorization header is not a bearer token; send Authorization: Bearer TOKEN")
        }
        let given = Array(parts[1].trimmingSpaces.utf8)
        guard Self.constantTimeEqual(given, secret) else {
            throw Self.unauthorized("wrong bearer token")
        }
    }

    /// The 403 when serve runs without a token: the control API is off.
    public static let notConfigured = APIError(
        .forbidden,
        "the control API is off: this server has no token; start it with --token-file FILE (a file holding the bearer token) to turn it on")

    /// Equal when both have the same bytes; the time depends only on the lengths, never on where
    /// the first difference is.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt64(given.count ^ expected.count)
        for index in 0..<expected.count {
            // Past the end of `given`, compare against 0: the loop runs the expected length either way.
            let byte = index < given.count ? given[index] : 0
            difference |= UInt64(byte ^ expected[index])
        }
        return difference == 0
    }

    private static func unauthorized(_ message: String) -> APIError {
        var error = APIError(.unauthorized, message, field: "Authorization")
        error.headers = [.wwwAuthenticate: #"Bearer realm="meshtop""#]
        return error
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
