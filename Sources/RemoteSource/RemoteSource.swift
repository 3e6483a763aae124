import AsyncHTTPClient
import Dashboard
import Foundation
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Telemetry

/// The dashboard's source for a system served by `meshtop serve` (the HTTP API in
/// `api-contract`): live data from the server-sent `/api/v1/feed`, traces and trees by GET,
/// commands by POST to `/api/v1/control` with the bearer token.
///
/// It is also a `Service`: put it in the dashboard's `ServiceGroup` and its ``run()`` follows the
/// feed on its own task, reconnecting with backoff and jitter when the connection is lost. The
/// dashboard's loop never waits on the feed: ``snapshot()`` returns the latest snapshot received
/// (nil before the first). Traces and trees are asked for only while the feed is live, each
/// bounded by ``requestTimeout``; otherwise the last page received answers at once.
///
/// Call ``shutdown()`` once the group has returned (it closes the HTTP client's connections).
public final class RemoteSource: DashboardSource, Service {
    public let target: AttachTarget
    /// Seconds of metric windows behind the rates the server reports.
    public let window: Int
    /// How often the server sends a snapshot on the feed.
    public let feedIntervalMs: Int
    /// The longest a request waits for the server's answer (the feed: for its headers).
    public let requestTimeout: Duration
    private let token: String?
    private let client: HTTPClient
    private let clock: ContinuousClock
    private let feed = Mutex(FeedState<ContinuousClock.Instant>())
    private let backoff: Mutex<ReconnectBackoff>
    private let lastPage = Mutex<TracePage?>(nil)

    /// - Parameters:
    ///   - token: the bearer token for control commands; nil turns the control keys off (they say why).
    ///   - seed: seeds the reconnect jitter.
    ///   - feedIdleTimeout: a feed that sends nothing for this long is taken as lost.
    public init(target: AttachTarget, token: String?, seed: UInt64, window: Int = 10, feedIntervalMs: Int = 250,
                requestTimeout: Duration = .seconds(2), connectTimeout: Duration = .seconds(3),
                feedIdleTimeout: Duration = .seconds(5), backoff: ReconnectBackoff? = nil,
                clock: ContinuousClock = ContinuousClock()) {
        self.target = target
        self.token = token
        self.window = window
        self.feedIntervalMs = feedIntervalMs
        self.requestTimeout = requestTimeout
        self.clock = clock
        self.backoff = Mutex(backoff ?? ReconnectBackoff(seed: seed))
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connectTimeout.timeAmount, read: feedIdleTimeout.timeAmount)
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Closes the HTTP client; call it after ``run()`` has returned.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    // MARK: DashboardSource

    public func snapshot() async -> SystemSnapshot? {
        feed.withLock { $0.latest }
    }

    public var connectionStatus: ConnectionStatus {
        let now = clock.now
        return feed.withLock { $0.status(at: now) }
    }

    public var controlUnavailableReason: String? {
        token == nil ? Self.controlsOffReason : nil
    }

    /// The snapshots received so far: each one from the feed is drawn at once.
    public var dataRevision: Int? {
        feed.withLock { $0.receivedCount }
    }

    /// What the control keys say when attached without a token.
    public static let controlsOffReason = "controls are off: attach with --token-file FILE"

    /// Why the last feed connection ended, for a person; nil while live.
    public var lastFeedError: String? {
        feed.withLock { $0.lastError }
    }

    public func traces(_ query: TraceQuery) async -> TracePage {
        if feed.withLock({ $0.isLive }), var page = try? await get(TracePage.self, from: target.traces(query)) {
            // The page answers this query (the server echoes it; equal by construction here).
            page.query = query
            lastPage.withLock { $0 = page }
            return page
        }
        // Not live, or no answer: the last page received (shown only if it answers this query).
        return lastPage.withLock { $0 } ?? TracePage(query: query)
    }

    public func traceTree(id: String) async -> TraceTree? {
        guard feed.withLock({ $0.isLive }) else { return nil }
        return try? await get(TraceTree.self, from: target.traceTree(id: id))
    }

    /// A trace's records from the server's log store, oldest first; nil while the feed is not
    /// live or the server has no logs endpoint (one from before logs): the snapshot's then serve.
    public func logs(traceId: String) async -> [LogRecord]? {
        guard feed.withLock({ $0.isLive }), let page = try? await get(LogPage.self, from: target.logs(traceId: traceId)) else { return nil }
        return page.records.reversed()
    }

    /// POSTs the command with the bearer token; the server's error (`unknown breaker …`, a refused
    /// token) is thrown as a ``ServerError`` whose description the dashboard shows. Then fetches a
    /// snapshot so the next frame shows the effect without waiting for the feed.
    public func perform(_ command: ControlCommand) async throws {
        guard let token else { throw ControlsOff() }
        var request = HTTPClientRequest(url: target.control)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(command)))
        let (status, body) = try await send(request)
        guard status == 200 else { throw ServerError(status: status, body: body) }
        if let snapshot = try? await get(SystemSnapshot.self, from: target.snapshot(window: window)) {
            let now = clock.now
            feed.withLock { $0.refreshed(snapshot, at: now) }
        }
    }

    // MARK: First contact

    /// What the first request to the server found.
    public enum FirstContact: Sendable, Equatable {
        /// The server answered with a snapshot (now on screen).
        case answered
        /// No answer within the time given: the server may be starting; the feed keeps trying.
        case noAnswerYet
    }

    /// Asks for a snapshot, waiting at most `timeout`: a server that refuses the connection or
    /// answers with an error throws (``ConnectionError``, ``ServerError``), so a mistyped address
    /// is reported at once; one that does not answer in time is waited for by the feed.
    public func firstContact(within timeout: Duration) async throws -> FirstContact {
        let url = target.snapshot(window: window)
        do {
            let snapshot = try await get(SystemSnapshot.self, from: url, timeout: timeout)
            let now = clock.now
            feed.withLock { $0.refreshed(snapshot, at: now) }
            return .answered
        } catch let error as ConnectionError where error.isTimeout {
            return .noAnswerYet
        }
    }

    // MARK: The feed

    /// Follows the feed until graceful shutdown or cancellation: connects, keeps the latest
    /// snapshot, and after a lost connection waits (``ReconnectBackoff``) and connects again.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.followFeed() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    /// The feed loop alone, until the calling task is cancelled.
    public func followFeed() async {
        while !Task.isCancelled {
            feed.withLock { $0.connecting() }
            let reason: String
            do {
                try await readFeed()
                reason = "the server closed the feed"
            } catch {
                if Task.isCancelled { return }
                reason = String(describing: error)
            }
            let delay = backoff.withLock { $0.nextDelay() }
            let retryAt = clock.now.advanced(by: delay)
            feed.withLock { $0.lost(reason, retryAt: retryAt) }
            do { try await clock.sleep(until: retryAt, tolerance: nil) } catch { return }
        }
    }

    /// One connection to the feed: returns when the server ends the stream, throws when it fails.
    func readFeed() async throws {
        let url = target.feed(window: window, intervalMs: feedIntervalMs)
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + requestTimeout.timeAmount)
        } catch {
            throw ConnectionError(url: url, error: error)
        }
        guard response.status == .ok else {
            throw ServerError(status: Int(response.status.code), body: Array(buffer: try await response.body.collect(upTo: 1 << 16)))
        }
        var parser = ServerSentEventParser()
        let decoder = JSONDecoder()
        do {
            for try await chunk in response.body {
                for event in try parser.feed(chunk.readableBytesView) where event.type == "snapshot" {
                    let snapshot: SystemSnapshot
                    do {
                        snapshot = try decoder.decode(SystemSnapshot.self, from: Data(event.data.utf8))
                    } catch {
                        throw FeedFormatError(reason: "a snapshot on the feed cannot be read: \(error)")
                    }
                    let now = clock.now
                    feed.withLock { $0.received(snapshot, at: now) }
                    backoff.withLock { $0.succeeded() }
                }
            }
        } catch let error as FeedFormatError {
            throw error
        } catch let error as ServerSentEventParser.LineTooLong {
            throw FeedFormatError(reason: error.description)
        } catch {
            throw ConnectionError(url: url, error: error)
        }
    }

    // MARK: Requests

    private func get<Value: Decodable>(_ type: Value.Type, from url: String, timeout: Duration? = nil) async throws -> Value {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let (status, body) = try await send(request, timeout: timeout)
        guard status == 200 else { throw ServerError(status: status, body: body) }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body))
        } catch {
            throw FeedFormatError(reason: "the answer from \(url) cannot be read as \(Value.self): \(error)")
        }
    }

    /// Sends a request and reads the whole answer (up to 64 MiB), within `timeout` (default ``requestTimeout``).
    private func send(_ request: HTTPClientRequest, timeout: Duration? = nil) async throws -> (status: Int, body: [UInt8]) {
        do {
            let response = try await client.execute(request, deadline: .now() + (timeout ?? requestTimeout).timeAmount)
            let body = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), Array(buffer: body))
        } catch {
            throw ConnectionError(url: request.url, error: error)
        }
    }
}

/// A command asked of a source attached without a token (the dashboard's keys say so before asking).
public struct ControlsOff: Error, CustomStringConvertible {
    public var description: String { RemoteSource.controlsOffReason }
}

/// The server sent something that is not meshtop's schema.
public struct FeedFormatError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

extension ConnectionError {
    /// Describes a client error in a person's words: `connection refused`, `no answer within 2s`.
    init(url: String, error: any Error) {
        self.url = url
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: reason = "the connection timed out"
            case .deadlineExceeded: reason = "no answer in time"
            case .readTimeout: reason = "the server went quiet"
            case .remoteConnectionClosed: reason = "the server closed the connection"
            default: reason = String(describing: error)
            }
            isTimeout = error == .connectTimeout || error == .deadlineExceeded
        } else if let error = error as? IOError {
            // `connection refused`, not NIO's "connection reset (error set): Connection refused) (errno: 111)".
            reason = String(cString: strerror(error.errnoCode)).lowercased()
            isTimeout = false
        } else {
            reason = String(describing: error)
            isTimeout = false
        }
    }
}

extension Duration {
    /// The same length as NIO's `TimeAmount` (nanoseconds).
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
