import Foundation

/// An answer from `meshtop serve` other than success, with the server's own words: its error
/// bodies are `{"error": "<what was wrong and what is accepted>", "field": "<name>"}`.
public struct ServerError: Error, CustomStringConvertible, Equatable {
    public var status: Int
    /// The server's `error`, or what the body was when it was not meshtop's JSON.
    public var message: String
    /// The field the server named, if any.
    public var field: String?

    public init(status: Int, message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }

    /// Reads an error body; a body that is not meshtop's error JSON is summarised, not dropped.
    public init(status: Int, body: [UInt8]) {
        struct Body: Decodable {
            var error: String
            var field: String?
        }
        self.status = status
        if let decoded = try? JSONDecoder().decode(Body.self, from: Data(body)) {
            message = decoded.error
            field = decoded.field
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            message = text.isEmpty ? "no explanation in the answer" : "answer: \(text)"
            field = nil
        }
    }

    /// `unknown breaker "x"; known: a->b (HTTP 404)`; for 401 and 403, what to do about the token.
    public var description: String {
        var text = message
        if let field, !message.contains(field) { text += " (field \(field))" }
        switch status {
        case 401: text += " (HTTP 401: the token was refused; check --token-file)"
        case 403: text += " (HTTP 403)"
        default: text += " (HTTP \(status))"
        }
        return text
    }
}

/// A request that got no answer: the connection failed or timed out.
public struct ConnectionError: Error, CustomStringConvertible {
    public var url: String
    public var reason: String
    /// True when the server did not answer in time (as opposed to refusing or failing).
    public var isTimeout: Bool
    public var description: String { "no answer from \(url): \(reason)" }
}
