import Hummingbird
import Telemetry
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request the API refuses, as the client reads it: a status and the contract's error body
/// `{"error": "<what was wrong and what is accepted>", "field": "<name>"}` (`field` omitted when
/// no one field is to blame).
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var field: String?
    /// Extra response headers (`WWW-Authenticate` on a 401, `Allow` on a 405).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }

    public var description: String {
        "\(status.code) \(message)" + (field.map { " (field \($0))" } ?? "")
    }

    /// The JSON body, exactly as sent.
    public var body: ErrorBody { ErrorBody(error: message, field: field) }

    /// A bad value of a query parameter or body field: `400`.
    static func badRequest(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, message, field: field)
    }

    func response() -> Response {
        var response = JSONBody.response(body, status: status)
        for field in headers { response.headers.append(field) }
        return response
    }
}

/// The error body every refusal carries.
public struct ErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public var field: String?

    public init(error: String, field: String? = nil) {
        self.error = error
        self.field = field
    }
}

/// JSON responses, encoded with Foundation's `JSONEncoder` and its default strategies, as the
/// contract says (the same bytes `meshtop snapshot --json` would print, without pretty-printing).
enum JSONBody {
    static let contentType = "application/json; charset=utf-8"

    /// A JSON response; a value that cannot be encoded (a non-finite number) is the server's fault: `500`.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        do {
            let data = try JSONEncoder().encode(value)
            return response(bytes: data, status: status)
        } catch {
            let fallback = #"{"error":"the server could not encode its answer as JSON"}"#
            return response(bytes: Data(fallback.utf8), status: .internalServerError)
        }
    }

    static func response(bytes: Data, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
