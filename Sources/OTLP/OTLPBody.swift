import OTLPProto
import SwiftProtobuf
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How an OTLP/HTTP body is encoded, from its `Content-Type`.
public enum OTLPEncoding: String, Sendable {
    /// `application/x-protobuf`: binary protobuf.
    case protobuf = "application/x-protobuf"
    /// `application/json`: protobuf's JSON mapping with OTLP's changes (hex ids, integer enums).
    case json = "application/json"

    /// The encoding a `Content-Type` names (parameters such as `; charset=utf-8` are ignored,
    /// case is not significant); nil for any other type.
    public init?(contentType: String?) {
        guard let contentType else { return nil }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(trimmedLowercase) ?? ""
        switch mediaType {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }

    /// The `Content-Type` of an answer in this encoding: the same as the request's, as OTLP asks.
    public var contentType: String { rawValue }
}

/// Why a body was refused, with the status OTLP/HTTP specifies for it.
public struct OTLPRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Status: Int, Sendable {
        /// The data cannot be decoded or is invalid: the client must not retry.
        case badRequest = 400
        /// Over the size limit, before or after inflating.
        case contentTooLarge = 413
        /// Neither protobuf nor JSON, or an encoding other than gzip.
        case unsupportedMediaType = 415
        /// The receiver is saturated: retry after `retryAfterSeconds`.
        case tooManyRequests = 429
        case serviceUnavailable = 503
    }

    public var status: Status
    /// For the sender's developer: what was wrong and what is accepted.
    public var message: String
    /// Seconds the client should wait before retrying (429 and 503 only).
    public var retryAfterSeconds: Int?

    public init(_ status: Status, _ message: String, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status.rawValue): \(message)" }

    /// The answer's body: a `google.rpc.Status` in the request's encoding (protobuf when the
    /// request's own encoding was not understood).
    public func body(encoding: OTLPEncoding?) -> [UInt8] {
        var status = Google_Rpc_Status()
        status.code = Int32(grpcCode)
        status.message = message
        switch encoding {
        case .json:
            return (try? status.jsonUTF8Bytes()) ?? Array("{\"message\":\"\(message)\"}".utf8)
        case .protobuf, nil:
            return (try? status.serializedBytes()) ?? []
        }
    }

    /// The gRPC code closest to the HTTP status, for `Status.code` (OTLP says clients may log it).
    private var grpcCode: Int {
        switch status {
        case .badRequest, .unsupportedMediaType: 3  // INVALID_ARGUMENT
        case .contentTooLarge, .tooManyRequests: 8  // RESOURCE_EXHAUSTED
        case .serviceUnavailable: 14  // UNAVAILABLE
        }
    }
}

/// Turns an OTLP/HTTP request body into its message: checks the content type and encoding,
/// inflates gzip within the size limit, decodes protobuf or OTLP's JSON.
public struct OTLPBodyDecoder: Sendable {
    /// OTLP's recommended default: 64 MiB, before and after inflating.
    public static let defaultSizeLimit = 64 * 1024 * 1024

    public var sizeLimit: Int

    public init(sizeLimit: Int = OTLPBodyDecoder.defaultSizeLimit) {
        self.sizeLimit = sizeLimit
    }

    /// The encoding of a request, or the 415 that names what is accepted.
    public func encoding(contentType: String?) throws(OTLPRejection) -> OTLPEncoding {
        guard let encoding = OTLPEncoding(contentType: contentType) else {
            let given = contentType.map { "Content-Type \($0)" } ?? "no Content-Type"
            throw OTLPRejection(.unsupportedMediaType, "\(given) is not an OTLP encoding; send application/x-protobuf or application/json")
        }
        return encoding
    }

    /// The body's bytes after `Content-Encoding` (none, `identity` or `gzip`), within the limit.
    public func inflate(_ body: [UInt8], contentEncoding: String?) throws(OTLPRejection) -> [UInt8] {
        guard body.count <= sizeLimit else { throw tooLarge("the body is \(body.count) bytes") }
        let coding = contentEncoding.map { trimmedLowercase($0[...]) } ?? ""
        switch coding {
        case "", "identity":
            return body
        case "gzip", "x-gzip":
            do throws(Gzip.Failure) {
                return try Gzip.inflate(body, limit: sizeLimit)
            } catch {
                switch error {
                case .tooLarge:
                    throw tooLarge("the body inflates to more than that")
                case .corrupt(let reason):
                    throw OTLPRejection(.badRequest, "the body is not valid gzip (\(reason)); compress it whole with gzip, or send it uncompressed")
                }
            }
        default:
            throw OTLPRejection(.unsupportedMediaType, "Content-Encoding \(contentEncoding ?? "") is not supported; send gzip or no Content-Encoding")
        }
    }

    /// The message in `body`, decoded as `encoding` says.
    ///
    /// Unknown fields are ignored, as OTLP asks of receivers in both encodings.
    public func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from body: [UInt8], encoding: OTLPEncoding) throws(OTLPRejection) -> M {
        switch encoding {
        case .protobuf:
            do {
                return try M(serializedBytes: body)
            } catch {
                throw OTLPRejection(.badRequest, "the body is not a protobuf \(M.protoMessageName) (\(Self.describe(error)))")
            }
        case .json:
            let rewritten: [UInt8]
            do {
                rewritten = try OTLPJSON.hexIDsToBase64(body)
            } catch {
                throw OTLPRejection(.badRequest, "the body is not OTLP JSON: \(error.description)")
            }
            do {
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true
                return try M(jsonUTF8Bytes: rewritten, options: options)
            } catch {
                throw OTLPRejection(.badRequest, "the body is not OTLP JSON for \(M.protoMessageName) (\(Self.describe(error)))")
            }
        }
    }

    /// Content type, encoding and body in one: what a receiver's route calls.
    public func decode<M: SwiftProtobuf.Message>(_ type: M.Type, body: [UInt8], contentType: String?, contentEncoding: String?) throws(OTLPRejection) -> (M, OTLPEncoding) {
        let encoding = try encoding(contentType: contentType)
        let bytes = try inflate(body, contentEncoding: contentEncoding)
        return (try decode(type, from: bytes, encoding: encoding), encoding)
    }

    private func tooLarge(_ what: String) -> OTLPRejection {
        OTLPRejection(.contentTooLarge, "\(what), over the limit of \(sizeLimit) bytes; send smaller batches")
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as BinaryDecodingError: "\(error)"
        case let error as JSONDecodingError: "\(error)"
        default: "\(error)"
        }
    }
}

extension SwiftProtobuf.Message {
    /// This message in `encoding`, for an answer's body.
    public func encoded(as encoding: OTLPEncoding) -> [UInt8] {
        switch encoding {
        case .protobuf: (try? serializedBytes()) ?? []
        case .json: (try? jsonUTF8Bytes()) ?? Array("{}".utf8)
        }
    }
}

/// `text` without surrounding spaces and tabs, lowercased: a header value's token.
func trimmedLowercase(_ text: Substring) -> String {
    var slice = text
    while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
    while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
    return slice.lowercased()
}
