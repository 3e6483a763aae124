import CoreMetrics
import Logging
import Randomness
import Resilience
import Synchronization
import Telemetry
import Tracing

/// The outbound half of a sidecar for one (caller service, target service) pair, shared by the
/// caller's instances: the resilience pipeline built from the control plane's policy, discovery,
/// version routing, load balancing, outlier detection, the client span and the metrics.
///
/// Policies are re-read when the control plane's revision changes; only the parts whose settings
/// changed are rebuilt, so a breaker keeps its state when only the retry policy changes.
final class OutboundChannel: Sendable {
    let caller: String
    let target: String
    var id: String { "\(caller)->\(target)" }
    private unowned let mesh: Mesh
    private let tracer: TelemetryTracer
    /// The caller's logger: calls that failed, breaker transitions.
    private let logger: Logger
    /// The caller's discovery client (the mesh makes one per caller and keeps it), and its
    /// entry for the target, through which each call resolves.
    private let discovery: DiscoveryClient
    private let discoveryEntry: DiscoveryClient.Entry
    // The mesh's parts a call uses, read once: through the unowned `mesh`, each read costs a
    // strong retain, and reading `mesh.telemetry.time` copied the whole MeshTelemetry.
    private let time: TimeSource
    private let clock: MeshClock
    private let controlPlane: ControlPlane
    private let transport: InProcessTransport
    private let built: Mutex<Built>
    private let outliers: Mutex<OutlierDetector?>
    /// True while outlier detection has nothing to act on: no instance is in a run of server
    /// errors and none was ever ejected (or there is no detector). A call that succeeds then
    /// skips the detector's lock and its look-up by instance id, as nearly every call does.
    private let outliersQuiet = Atomic<Bool>(true)
    private let random: Mutex<SeededRandom>
    /// `client_requests_total`: each call by its outcome.
    private let calls: ClientCallCounters
    private let duration: CoreMetrics.Timer
    /// Attempts by how they ended, as this caller saw them (see ``AttemptOutcome``).
    private let attemptOutcomes: AttemptCounters
    /// Instances of the target whose last connection from this caller was refused.
    private let refusing = Mutex(RefusingInstances())
    /// True while no instance is known to refuse: an answered attempt then skips the lock.
    private let noneRefusing = Atomic<Bool>(true)
    private let staleCalls: Counter
    private let servingStale = Atomic<Bool>(false)
    /// Client span names, `METHOD target`: few names, as OpenTelemetry advises (the path goes in
    /// `http.target`), made once per method instead of on every call.
    private let spanNames: [(method: HTTPMethod, name: String)]

    /// What the policies of one control-plane revision built. Immutable, so a call takes it with
    /// one reference instead of copying every part.
    final class Built: Sendable {
        let revision: Int
        let policy: CallPolicy
        let pipeline: ResiliencePipeline
        let balancer: LoadBalancer
        /// The target's traffic split by version (a canary), as of this revision.
        let split: [String: Double]?
        /// When the current breaker was made, on the mesh's clock (its transitions are relative to it).
        let breakerOrigin: Duration
        /// Connections to the instances this channel has sent to (kept here, where every call
        /// looks anyway: a call finds its connection without a lock or a look-up by address).
        let connections: [InProcessTransport.Connection]

        init(revision: Int, policy: CallPolicy, pipeline: ResiliencePipeline, balancer: LoadBalancer, split: [String: Double]? = nil,
             breakerOrigin: Duration = .zero, connections: [InProcessTransport.Connection] = []) {
            self.revision = revision
            self.policy = policy
            self.pipeline = pipeline
            self.balancer = balancer
            self.split = split
            self.breakerOrigin = breakerOrigin
            self.connections = connections
        }

        /// The open connection to `address`, if this channel has one.
        func connection(to address: String) -> InProcessTransport.Connection? {
            for connection in connections where connection.address == address && connection.isOpen { return connection }
            return nil
        }

        /// The same, keeping `connection` too (in place of closed ones and any other to its address).
        func keeping(_ connection: InProcessTransport.Connection) -> Built {
            Built(revision: revision, policy: policy, pipeline: pipeline, balancer: balancer, split: split, breakerOrigin: breakerOrigin,
                  connections: connections.filter { $0.isOpen && $0.address != connection.address } + [connection])
        }
    }

    init(caller: String, target: String, mesh: Mesh, discovery: DiscoveryClient) {
        self.caller = caller
        self.target = target
        self.mesh = mesh
        self.discovery = discovery
        discoveryEntry = discovery.entry(for: target)
        time = mesh.telemetry.time
        clock = mesh.clock
        controlPlane = mesh.controlPlane
        transport = mesh.transport
        tracer = mesh.telemetry.tracer(for: caller)
        logger = mesh.telemetry.logger(for: caller)
        let seed = mesh.configuration.seed &+ UInt64(truncatingIfNeeded: "\(caller)->\(target)".hashValueStable)
        random = Mutex(SeededRandom(seed: seed))
        calls = ClientCallCounters(caller: caller, target: target, factory: mesh.telemetry.metrics)
        duration = CoreMetrics.Timer(label: "client_request_duration_seconds", dimensions: [("caller", caller), ("target", target)], factory: mesh.telemetry.metrics)
        attemptOutcomes = AttemptCounters(caller: caller, target: target, factory: mesh.telemetry.metrics)
        staleCalls = Counter(label: "discovery_stale_total", dimensions: [("caller", caller), ("target", target)], factory: mesh.telemetry.metrics)
        spanNames = [HTTPMethod.get, .post, .put, .patch, .delete].map { ($0, "\($0) \(target)") }
        let revision = mesh.controlPlane.revision
        let policy = mesh.controlPlane.policy(caller: caller, target: target)
        built = Mutex(Built(revision: -1, policy: policy, pipeline: ResiliencePipeline(clock: mesh.clock),
                            balancer: LoadBalancer(strategy: policy.loadBalancing, seed: seed)))
        outliers = Mutex(policy.outlierDetection.map(OutlierDetector.init))
        _ = refresh(revision: revision)
    }

    /// The pipeline for the current policies, rebuilding what changed (see ``PolicyDiff``).
    private func refresh(revision: Int) -> Built {
        built.withLock { built in
            guard built.revision != revision else { return built }
            let policy = controlPlane.policy(caller: caller, target: target)
            let diff = PolicyDiff(from: built.revision < 0 ? nil : built.policy, to: policy)
            var pipeline = built.pipeline
            var breakerOrigin = built.breakerOrigin
            let metrics = mesh.telemetry.metrics
            let id = self.id
            if diff.breaker {
                if let breakerPolicy = policy.breaker {
                    let events = mesh.telemetry.events
                    let logger = self.logger
                    let breaker = CircuitBreaker(id: id, policy: breakerPolicy, clock: clock, metrics: metrics) { _ in
                        true
                    } onTransition: { transition in
                        let from = BreakerState(transition.from).label, to = BreakerState(transition.to).label
                        if transition.isShadow {
                            // What the policy of a disabled or metrics-only breaker would have done; it did not.
                            events.record(source: id, kind: .breakerShadow, message: "shadow: \(transition.reason)",
                                          attributes: ["from": transition.from.rawValue, "to": transition.to.rawValue, "shadow": "true"])
                            return
                        }
                        // Called on the call that caused it, whose trace the event names (none for a transition by hand).
                        events.record(source: id, kind: .breakerTransition, message: "\(from) -> \(to): \(transition.reason)",
                                      attributes: ["from": transition.from.rawValue, "to": transition.to.rawValue],
                                      traceId: ServiceContext.current?.traceContext?.traceID.description)
                        // Opening is the news; half-open and closed again are its ending.
                        let level: Logger.Level = BreakerState(transition.to) == .open ? .warning : .notice
                        logger.log(level: level, "breaker \(id) \(from) -> \(to): \(transition.reason)",
                                   metadata: ["breaker": .string(id), "from": .string(transition.from.rawValue), "to": .string(transition.to.rawValue)])
                    }
                    mesh.resilience.replace(breaker)
                    pipeline.breaker = breaker
                    breakerOrigin = mesh.now()
                } else {
                    pipeline.breaker = nil
                    mesh.resilience.removeBreaker(id: id)
                }
            }
            if diff.rateLimiter {
                pipeline.rateLimiter = policy.rateLimit.map { RateLimiter(name: id, rate: $0.perSecond, burst: $0.burst, clock: clock, metrics: metrics) }
                if let limiter = pipeline.rateLimiter { mesh.resilience.replace(limiter) }
            }
            if diff.bulkhead {
                pipeline.bulkhead = policy.bulkhead.map { Bulkhead(name: id, maxConcurrent: $0.maxConcurrent, maxQueued: $0.maxQueued, metrics: metrics) }
            }
            if diff.hedging {
                pipeline.hedging = policy.hedging.map { Hedging(name: id, policy: $0, clock: clock, metrics: metrics) }
            }
            pipeline.retry = policy.retry.map { Retry(name: id, policy: $0, clock: clock, seed: mesh.configuration.seed, metrics: metrics) }
            pipeline.attemptTimeout = policy.timeout
            let balancer = diff.balancer ? LoadBalancer(strategy: policy.loadBalancing, seed: mesh.configuration.seed) : built.balancer
            if diff.outlierDetection {
                outliers.withLock { detector in
                    detector = policy.outlierDetection.map(OutlierDetector.init)
                    outliersQuiet.store(true, ordering: .releasing)
                }
            }
            built = Built(revision: revision, policy: policy, pipeline: pipeline, balancer: balancer,
                          split: controlPlane.trafficSplit(service: target), breakerOrigin: breakerOrigin,
                          connections: built.connections)
            return built
        }
    }

    @inline(__always)  // into MeshClient.call, its one caller: one async frame fewer per call
    func call(_ request: Request, caller service: String?) async throws(MeshCallError) -> Response {
        let built = refresh(revision: controlPlane.revision)
        let started = time.nanosecondsSinceOrigin()
        // The client span is private to this call: it is recorded in one go at the end, and
        // while it runs only its ids exist (no span object, no context written for it).
        let span = tracer.beginSpan(in: ServiceContext.current ?? .topLevel, startNanoseconds: started)
        var progress = CallProgress()
        let result: Result<Response, MeshCallError>
        do {
            // The client span is not bound as the task's current context: attempts get it as an
            // argument (retry spans are its children, `traceparent` carries it), and nothing on the
            // way to the target reads the current context (the target's sidecar starts from the
            // header). A bind costs ≈ 150 ns; a transport that makes spans of its own would need it.
            let response: Response
            if built.pipeline.attemptTimeout == nil && built.pipeline.hedging == nil {
                // Attempts run right here and count in `progress` in place: nothing to allocate.
                response = try await built.pipeline.executeInPlace {
                    try await attempt(request, caller: service, built: built, span: span, progress: &progress)
                }
            } else if built.pipeline.hedging != nil {
                response = try await hedged(request, caller: service, built: built, span: span, progress: &progress)
            } else {
                // A timed attempt runs in a task of its own, so what attempts need goes with it in one object.
                let timed = TimedAttempts(channel: self, request: request, caller: service, built: built, span: span)
                defer { progress = timed.progress }
                response = try await built.pipeline.execute { [timed] in try await timed.next() }
            }
            result = .success(response)
        } catch let error as UpstreamStatusError {
            result = .success(error.response)
        } catch {
            result = .failure(MeshCallError(translating: error, caller: service, target: target))
        }
        if progress.abandoned > 0 { countAbandoned(progress.abandoned) }
        let found = progress.attributes
        let attemptCount = progress.attempts
        let outcome: Counter
        var status: SpanStatus?
        switch result {
        case .success(let response):
            if response.isServerError { status = SpanStatus(code: .error, message: "\(response.status)") }
            outcome = calls.counter(status: response.status)
        case .failure(let error):
            status = SpanStatus(code: .error, message: error.message)
            outcome = calls.counter(error: error.kind.rawValue)
        }
        let ended = time.nanosecondsSinceOrigin()
        tracer.record(span, operation: spanName(request.method), kind: .client, endNanoseconds: ended, status: status) { attributes in
            for (name, value) in found { attributes.set(name, value) }
            attributes.set("peer.service", target)
            attributes.set("http.target", request.path)
            if attemptCount > 1 { attributes.set("retry.attempts", attemptCount) }
            switch result {
            case .success(let response): attributes.set("http.status_code", response.status)
            case .failure(let error): attributes.set("mesh.error", error.kind.rawValue)
            }
        }
        outcome.increment()
        duration.recordNanoseconds(ended - started)
        // A client outside the mesh (traffic, a test) has no service to log as: what it sent is
        // logged by the service that failed it.
        if status != nil, service != nil { logFailure(result, request: request, attempts: attemptCount, span: span) }
        return try result.get()
    }

    /// A call that failed, logged in its client span's context: a 5xx answer or no answer is a
    /// warning. A call refused at once by the caller's own policy (breaker open, rate limit,
    /// bulkhead) is that policy doing its job, hundreds a second while a breaker is open: debug,
    /// below the mesh's default level (the breaker's transition is the warning, its rejections are
    /// counted). A cancelled call (its caller gave up) is not logged: nothing failed. Out of line,
    /// off the path of a call that succeeds.
    @inline(never)
    private func logFailure(_ result: Result<Response, MeshCallError>, request: Request, attempts: Int, span: SpanInProgress) {
        let call = "\(request.method) \(target)\(request.pathWithoutQuery)"
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        ServiceContext.$current.withValue(span.context) {
            switch result {
            case .success(let response):
                logger.warning("\(call) answered \(response.status)\(tries)\(response.errorMessage.map { ": \($0)" } ?? "")",
                               metadata: ["target": .string(target), "status": .stringConvertible(response.status), "attempts": .stringConvertible(attempts)])
            case .failure(let error):
                let metadata: Logger.Metadata = ["target": .string(target), "error": .string(error.kind.rawValue), "attempts": .stringConvertible(attempts)]
                switch error.kind {
                case .cancelled:
                    return
                case .breakerOpen:
                    logger.debug("\(call) refused\(tries): breaker open", metadata: metadata)
                case .rateLimited:
                    logger.debug("\(call) refused\(tries): rate limited", metadata: metadata)
                case .bulkheadFull:
                    logger.debug("\(call) refused\(tries): bulkhead full", metadata: metadata)
                case .timeout, .unavailable:
                    logger.warning("\(call) failed\(tries): \(error.message)", metadata: metadata)
                }
            }
        }
    }

    /// A call under a hedging policy: its attempts run in child tasks of the hedging front, each
    /// to an instance the group has not tried. Out of line, so calls without hedging carry none of it.
    @inline(never)
    private func hedged(_ request: Request, caller service: String?, built: Built, span: SpanInProgress,
                        progress: inout CallProgress) async throws -> Response {
        let call = HedgedAttempts(channel: self, request: request, caller: service, built: built, span: span)
        defer { progress = call.progress }
        return try await built.pipeline.executeHedged(choosing: { try call.choose(excluding: $0) }, { [call] target, attempt in
            try await call.run(target, attempt)
        }, onDecided: { call.decided($0) })
    }

    private func spanName(_ method: HTTPMethod) -> String {
        for known in spanNames where known.method == method { return known.name }
        return "\(method) \(target)"
    }

    /// One attempt: pick an instance, send, note the outcome for outlier detection.
    func attempt(_ request: Request, caller service: String?, built: Built, span: SpanInProgress,
                             progress: inout CallProgress) async throws -> Response {
        if progress.abandoned > 0 {
            // The previous attempt was abandoned and yet the call goes on: its timeout ended it
            // (a cancelled caller retries no more). Counted now, not when the call ends, so the
            // count keeps pace with the target's own (it records the abandoned request at once).
            attemptOutcomes.timedOut.increment(by: progress.abandoned)
            progress.abandoned = 0
        }
        progress.attempts += 1
        let number = progress.attempts
        // A retry gets its own span so the waterfall shows each attempt and the backoff before it.
        let attemptSpan: TelemetrySpan? = number > 1
            ? tracer.startSpan("attempt \(number)", context: span.context, ofKind: .internal) : nil
        defer { attemptSpan?.end() }

        // A retry goes to another instance when there is one (Envoy's previous-hosts predicate):
        // the one that just failed is the likeliest to fail again, and a refusing twin should cost
        // a call one attempt, not all of them.
        let retryElsewhere = number > 1 ? try progress.lastInstance.flatMap { try pickInstance(built: built, excluding: [$0]) } : nil
        guard let (instance, instanceCount, staleness) = try retryElsewhere ?? pickInstance(built: built) else {
            throw NoInstanceError(description: "no passing instance of \(target)")
        }
        progress.lastInstance = instance.id
        if let staleness {
            // On the attempt's span when there is one, else on the call's.
            if let attemptSpan { attemptSpan.updateAttributes { for (name, value) in staleness { $0[name] = value } } } else { progress.attributes += staleness }
        }
        attemptSpan?.attributes["instance"] = instance.id
        let outgoing = outgoingRequest(request, caller: service, trace: attemptSpan?.traceContext ?? span.traceContext)

        do {
            let response = try await transport.send(outgoing, on: connection(to: instance.address, built: built))
            if Task.isCancelled {
                // The caller stopped waiting (its timeout, or its own caller): the answer came too late.
                progress.abandoned += 1
            } else {
                attemptOutcomes.answered.increment()
                if !noneRefusing.load(ordering: .relaxed) { noteAnswered(instance: instance.id) }
            }
            noteOutcome(instance: instance.id, serverError: response.isServerError, instanceCount: instanceCount)
            if response.isServerError {
                attemptSpan?.setStatus(SpanStatus(code: .error, message: "\(response.status)"))
                throw UpstreamStatusError(response: response)
            }
            return response
        } catch let error as TransportError {
            attemptOutcomes.refused.increment()
            noteRefused(instance: instance.id)
            noteOutcome(instance: instance.id, serverError: true, instanceCount: instanceCount)
            attemptSpan?.setStatus(SpanStatus(code: .error, message: "\(error)"))
            throw error
        } catch let error as CancellationError {
            // Cancelled on the way (the network's latency): abandoned like a late answer.
            progress.abandoned += 1
            throw error
        }
    }

    /// One attempt of a hedged call, to the instance the hedging front chose for it: as
    /// ``attempt(_:caller:built:span:progress:)``, but always with a span of its own (`hedge.attempt`,
    /// and `hedge.winner` or `hedge.cancelled`), so the trace shows every attempt and which won.
    /// Its answer is dropped when it was cancelled meanwhile, and a loser cancelled because
    /// another attempt won is counted as cancelled, not as a timeout.
    func hedgedAttempt(to target: HedgedAttempts.Target, _ hedge: HedgeAttempt, call: HedgedAttempts) async throws -> Response {
        let attemptSpan = tracer.startSpan(hedge.isHedge ? "hedge \(target.number)" : "attempt \(target.number)",
                                           context: call.span.context, ofKind: .internal)
        attemptSpan.updateAttributes { attributes in
            attributes["instance"] = target.id
            attributes["hedge.attempt"] = hedge.number
        }
        var leftOpen = false
        defer { if !leftOpen { attemptSpan.end() } }
        let outgoing = outgoingRequest(call.request, caller: call.caller, trace: attemptSpan.traceContext)

        do {
            let response = try await transport.send(outgoing, on: connection(to: target.address, built: call.built))
            // Cancelled while it waited (another attempt won, its timeout, or the caller gave up):
            // the answer comes too late to count, for the breaker too.
            try Task.checkCancellation()
            attemptOutcomes.answered.increment()
            if !noneRefusing.load(ordering: .relaxed) { noteAnswered(instance: target.id) }
            noteOutcome(instance: target.id, serverError: response.isServerError, instanceCount: target.instanceCount)
            if response.isServerError {
                attemptSpan.setStatus(SpanStatus(code: .error, message: "\(response.status)"))
                throw UpstreamStatusError(response: response)
            }
            leftOpen = call.succeeded(hedge.number, span: attemptSpan)
            return response
        } catch let error as TransportError {
            attemptOutcomes.refused.increment()
            noteRefused(instance: target.id)
            noteOutcome(instance: target.id, serverError: true, instanceCount: target.instanceCount)
            attemptSpan.setStatus(SpanStatus(code: .error, message: "\(error)"))
            throw error
        } catch let error as CancellationError {
            if call.isDecided {
                attemptSpan.updateAttributes { $0["hedge.cancelled"] = true }
                attemptOutcomes.cancelled.increment()
            } else {
                call.abandoned()
            }
            throw error
        }
    }

    /// `request` as it goes to an instance: with the caller's name and the W3C trace headers.
    @inline(__always)
    private func outgoingRequest(_ request: Request, caller service: String?, trace: TraceContext) -> Request {
        var outgoing = request
        // Room for the caller, traceparent and tracestate, so the headers grow once.
        outgoing.headers.reserveCapacity(outgoing.headers.count + 3)
        if let service { outgoing.headers[lowercased: MeshHeader.caller] = service }
        // The W3C headers, written as TelemetryTracer.inject writes them, from the span's ids.
        outgoing.headers[lowercased: MeshHeader.traceparent] = trace.traceparent
        if let traceState = trace.traceState { outgoing.headers[lowercased: MeshHeader.tracestate] = traceState }
        return outgoing
    }

    /// The connection to `address`: the channel's own while it is open, else a new one, kept.
    ///
    /// - Throws: ``TransportError/connectionRefused(address:)`` when nothing listens there.
    private func connection(to address: String, built: Built) throws -> InProcessTransport.Connection {
        if let connection = built.connection(to: address) { return connection }
        guard let connection = transport.connection(to: address) else { throw TransportError.connectionRefused(address: address) }
        self.built.withLock { $0 = $0.keeping(connection) }
        return connection
    }

    /// A passing instance (its id and address: all an attempt needs, without copying the whole
    /// registry entry), how many passing instances discovery offered (for the ejection cap), and
    /// span attributes saying so when discovery served stale entries. Nil when every passing
    /// instance is in `tried` (a hedge has nowhere else to go).
    ///
    /// - Throws: ``NoInstanceError`` when discovery offers no passing instance.
    func pickInstance(built: Built, excluding tried: [String] = []) throws -> ((id: String, address: String), count: Int, staleness: [(String, SpanAttribute)]?)? {
        let resolution: Resolution
        do {
            resolution = try discovery.resolve(discoveryEntry)
        } catch {
            throw NoInstanceError(description: "\(error)")
        }
        let staleness = noteStaleness(resolution)
        let offered = resolution.instances
        guard !offered.isEmpty else { throw NoInstanceError(description: "no passing instance of \(target)") }
        let ejected = outliersQuiet.load(ordering: .acquiring) ? [] : outliers.withLock { [clock] detector -> [String] in
            guard let detector, detector.mayHaveEjections else { return [] }
            return detector.ejected(at: clock.now.offset)
        }
        var candidates = InstancePicker.passing(offered, ejected: ejected)
        if !tried.isEmpty {
            candidates = InstancePicker.untried(candidates, tried: tried)
            if candidates.isEmpty { return nil }
        }
        if let split = built.split {
            candidates = random.withLock { InstancePicker.routed(candidates, split: split, using: &$0) }
        }
        // One candidate needs no balancing (nor the mesh, for loads).
        guard let picked = candidates.count == 1 ? 0 : built.balancer.pickIndex(from: candidates, inFlight: mesh.inFlight) else {
            throw NoInstanceError(description: "no passing instance of \(target)")
        }
        // Two fields read in place: reading them from `candidates[picked]` in one expression
        // copied the whole entry (six references) on every call.
        let (id, address) = candidates.withUnsafeBufferPointer { ($0[picked].instance.id, $0[picked].address) }
        return ((id, address), offered.count, staleness)
    }

    /// Says so when discovery serves stale entries: span attributes (returned) and a counter on
    /// every such call, and an event when it starts and when it ends.
    private func noteStaleness(_ resolution: Resolution) -> [(String, SpanAttribute)]? {
        var attributes: [(String, SpanAttribute)]?
        if resolution.isStale {
            attributes = [("discovery.stale", .bool(true)), ("discovery.age_ms", .double(resolution.age.milliseconds))]
            staleCalls.increment()
        }
        // A load first: the exchange, an atomic write, is only needed when the state changes.
        guard servingStale.load(ordering: .relaxed) != resolution.isStale,
              servingStale.exchange(resolution.isStale, ordering: .relaxed) != resolution.isStale else { return attributes }
        mesh.telemetry.events.record(
            source: id, kind: .healthChange,
            message: resolution.isStale
                ? "serving cached instances of \(target) (\(resolution.age.compact) old): the registry is unreachable"
                : "discovery of \(target) is fresh again")
        return attributes
    }

    private func noteOutcome(instance instanceID: String, serverError: Bool, instanceCount: Int) {
        if !serverError, outliersQuiet.load(ordering: .acquiring) { return }
        let ejectedNow = outliers.withLock { [clock] detector -> Bool in
            guard detector != nil else { return false }
            if serverError { outliersQuiet.store(false, ordering: .releasing) }
            let ejected = detector!.record(instanceID, serverError: serverError, instanceCount: instanceCount, at: clock.now.offset)
            if !serverError, detector!.isQuiet { outliersQuiet.store(true, ordering: .releasing) }
            return ejected
        }
        if ejectedNow {
            mesh.telemetry.events.record(source: id, kind: .healthChange, message: "\(instanceID) ejected by outlier detection (consecutive server errors)",
                                         attributes: ["instance": instanceID])
        }
    }

    /// Counts a call's last abandoned attempts (earlier ones are counted as the next begins): each
    /// a timeout, except the last when the caller's own task was cancelled (then that one was its
    /// caller giving up, not the target failing).
    private func countAbandoned(_ count: Int) {
        let byCaller = Task.isCancelled ? 1 : 0
        if count > byCaller { attemptOutcomes.timedOut.increment(by: count - byCaller) }
        if byCaller > 0 { attemptOutcomes.cancelled.increment() }
    }

    private func noteRefused(instance instanceID: String) {
        let now = clock.now.offset
        refusing.withLock { refusing in
            refusing.refused(instanceID, at: now)
            noneRefusing.store(false, ordering: .relaxed)
        }
    }

    private func noteAnswered(instance instanceID: String) {
        refusing.withLock { refusing in
            refusing.answered(instanceID)
            if refusing.isEmpty { noneRefusing.store(true, ordering: .relaxed) }
        }
    }

    /// Instances of the target whose last connection from this caller was refused at or after
    /// `start` (on the mesh's clock), sorted.
    func refusingInstances(since start: Duration) -> [String] {
        refusing.withLock { $0.refusing(since: start) }
    }

    /// The breaker in use and when it was made, if the policy has one.
    var breaker: (CircuitBreaker, origin: Duration)? {
        built.withLock { built in built.pipeline.breaker.map { ($0, built.breakerOrigin) } }
    }

    /// Instances this caller's outlier detection keeps out now.
    func ejected() -> [String] {
        let now = mesh.now()
        return outliers.withLock { $0?.ejected(at: now) } ?? []
    }
}
