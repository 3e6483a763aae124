import Hummingbird
import OTLP
import OTLPProto
import Synchronization
import SwiftProtobuf

/// OTLP/HTTP's routes over a ``WatchedSystem``: `POST /v1/traces`, `/v1/metrics` and `/v1/logs`, with
/// protobuf or JSON bodies, gzip or not, answered as the OTLP specification says:
///
/// - 200 with the signal's response message in the request's encoding, its `partial_success`
///   set only when some items were refused (with how many and why);
/// - 400 for a body that does not decode, 413 over the size limit (before or after inflating),
///   415 for another content type or encoding, 404 and 405 for other paths and methods;
/// - 503 with `Retry-After` while ``maxConcurrentRequests`` requests are being decoded already.
///
/// Every refusal carries a `google.rpc.Status` whose message says what was wrong.
public struct OTLPReceiverRoutes: Sendable {
    public let system: WatchedSystem
    public let decoder: OTLPBodyDecoder
    /// Requests decoded at once; more are refused with 503 and `Retry-After`, so a flood costs
    /// the senders a retry rather than the receiver its memory.
    public let maxConcurrentRequests: Int
    /// The seconds a saturated receiver asks senders to wait.
    public static let retryAfterSeconds = 1
    private let gate: AdmissionGate

    public init(system: WatchedSystem, sizeLimit: Int = OTLPBodyDecoder.defaultSizeLimit, maxConcurrentRequests: Int = 8) {
        self.system = system
        self.decoder = OTLPBodyDecoder(sizeLimit: sizeLimit)
        self.maxConcurrentRequests = maxConcurrentRequests
        self.gate = AdmissionGate(limit: maxConcurrentRequests)
    }

    public func router() -> Router<OTLPRequestContext> {
        let router = Router(context: OTLPRequestContext.self)
        router.add(middleware: OTLPErrorMiddleware())
        router.post(RouterPath(OTLPSignal.traces.path)) { request, _ in
            await handle(request, as: OTLPTraceRequest.self) { OTLPTraceResponse(system.ingest($0)) }
        }
        router.post(RouterPath(OTLPSignal.metrics.path)) { request, _ in
            await handle(request, as: OTLPMetricsRequest.self) { OTLPMetricsResponse(system.ingest($0)) }
        }
        router.post(RouterPath(OTLPSignal.logs.path)) { request, _ in
            await handle(request, as: OTLPLogsRequest.self) { OTLPLogsResponse(system.ingest($0)) }
        }
        return router
    }

    /// The paths this receiver answers, for the 404's message.
    static let paths = OTLPSignal.allCases.map(\.path)

    private func handle<Body: SwiftProtobuf.Message, Answer: SwiftProtobuf.Message>(
        _ request: Request, as type: Body.Type, ingest: (Body) -> Answer
    ) async -> Response {
        let declared = OTLPEncoding(contentType: request.headers[.contentType])
        guard gate.enter() else {
            return Self.refusal(OTLPRejection(.serviceUnavailable, "the receiver is decoding \(maxConcurrentRequests) requests already; retry after \(Self.retryAfterSeconds) s",
                                              retryAfterSeconds: Self.retryAfterSeconds), encoding: declared)
        }
        defer { gate.leave() }
        do throws(OTLPRejection) {
            let encoding = try decoder.encoding(contentType: request.headers[.contentType])
            var request = request
            let body = try await collect(&request)
            let (message, _) = try decoder.decode(type, body: body, contentType: request.headers[.contentType],
                                                  contentEncoding: request.headers[.contentEncoding])
            let answer = ingest(message)
            return Response(status: .ok, headers: [.contentType: encoding.contentType],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.encoded(as: encoding))))
        } catch {
            return Self.refusal(error, encoding: declared)
        }
    }

    private func collect(_ request: inout Request) async throws(OTLPRejection) -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > decoder.sizeLimit {
            throw OTLPRejection(.contentTooLarge, "the body is \(declared) bytes, over the limit of \(decoder.sizeLimit) bytes; send smaller batches")
        }
        do {
            let buffer = try await request.collectBody(upTo: decoder.sizeLimit)
            return Array(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw OTLPRejection(.contentTooLarge, "the body is over the limit of \(decoder.sizeLimit) bytes; send smaller batches")
        } catch {
            throw OTLPRejection(.badRequest, "could not read the request body: \(error)")
        }
    }


    static func refusal(_ rejection: OTLPRejection, encoding: OTLPEncoding?) -> Response {
        var headers: HTTPFields = [.contentType: (encoding ?? .protobuf).contentType]
        if let seconds = rejection.retryAfterSeconds { headers[.retryAfter] = "\(seconds)" }
        return Response(status: HTTPResponse.Status(code: rejection.status.rawValue), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: rejection.body(encoding: encoding))))
    }
}

/// The receiver's request context: bodies up to the receiver's own limit.
public struct OTLPRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The receiver checks sizes itself (413 with a Status body); Hummingbird's own limit is set
    /// above every receiver's.
    public var maxUploadSize: Int { Int.max }
}

/// An unknown path (404) or method (405) answered with a `google.rpc.Status`, as OTLP asks of
/// every 4xx.
struct OTLPErrorMiddleware: RouterMiddleware {
    typealias Context = OTLPRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            let encoding = OTLPEncoding(contentType: request.headers[.contentType])
            if OTLPReceiverRoutes.paths.contains(path) {
                var response = OTLPReceiverRoutes.refusal(OTLPRejection(.badRequest, "\(path) takes POST, not \(request.method)"), encoding: encoding)
                response.status = .methodNotAllowed
                response.headers[.allow] = "POST"
                return response
            }
            var response = OTLPReceiverRoutes.refusal(
                OTLPRejection(.badRequest, "no OTLP route \(request.method) \(path); routes: \(OTLPReceiverRoutes.paths.map { "POST \($0)" }.joined(separator: ", "))"),
                encoding: encoding)
            response.status = .notFound
            return response
        }
    }
}

/// Counts requests in progress and admits at most `limit` at once.
final class AdmissionGate: Sendable {
    let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// True when admitted: call ``leave()`` once done.
    func enter() -> Bool {
        let (_, inFlightNow) = inFlight.wrappingAdd(1, ordering: .acquiringAndReleasing)
        if inFlightNow <= limit { return true }
        inFlight.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func leave() {
        inFlight.wrappingSubtract(1, ordering: .relaxed)
    }
}

// Each signal's answer: `partial_success` set only when some items were refused, with how many and why.

extension OTLPTraceResponse {
    init(_ result: WatchedSystem.IngestResult) {
        self.init()
        guard result.rejected > 0 else { return }
        partialSuccess.rejectedSpans = Int64(result.rejected)
        partialSuccess.errorMessage = result.message ?? ""
    }
}

extension OTLPMetricsResponse {
    init(_ result: WatchedSystem.IngestResult) {
        self.init()
        guard result.rejected > 0 else { return }
        partialSuccess.rejectedDataPoints = Int64(result.rejected)
        partialSuccess.errorMessage = result.message ?? ""
    }
}

extension OTLPLogsResponse {
    init(_ result: WatchedSystem.IngestResult) {
        self.init()
        guard result.rejected > 0 else { return }
        partialSuccess.rejectedLogRecords = Int64(result.rejected)
        partialSuccess.errorMessage = result.message ?? ""
    }
}
