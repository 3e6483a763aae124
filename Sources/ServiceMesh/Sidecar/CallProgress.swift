import Synchronization
import Telemetry
import Tracing

/// What one call's attempts share: how many there were, how many were abandoned, and attributes
/// for the client span found on the way (discovery serving stale entries).
struct CallProgress: Sendable {
    var attempts = 0
    /// Attempts whose caller stopped waiting before the answer: timed out, or cancelled.
    var abandoned = 0
    var attributes: [(String, SpanAttribute)] = []
    /// The instance the last attempt went to: a retry goes elsewhere when it can.
    var lastInstance: String?
}

/// A call whose attempts run in tasks of their own (under a per-attempt timeout): what each needs,
/// in the one object its operation captures. Attempts run one after another, each taking the
/// progress and putting it back.
final class TimedAttempts: Sendable {
    let channel: OutboundChannel
    let request: Request
    let caller: String?
    let built: OutboundChannel.Built
    let span: SpanInProgress
    private let state = Mutex(CallProgress())

    init(channel: OutboundChannel, request: Request, caller: String?, built: OutboundChannel.Built, span: SpanInProgress) {
        self.channel = channel
        self.request = request
        self.caller = caller
        self.built = built
        self.span = span
    }

    var progress: CallProgress { state.withLock { $0 } }

    func next() async throws -> Response {
        var progress = state.withLock { $0 }
        defer { state.withLock { $0 = progress } }
        return try await channel.attempt(request, caller: caller, built: built, span: span, progress: &progress)
    }
}
