import CoreMetrics
import Foundation
import Resilience
import Synchronization
import Logging
import Telemetry
import Tracing

/// An event as it travels on the bus: what happened, who said so, when, and the trace it belongs
/// to (so the consumer's span joins the producer's trace).
public struct EventEnvelope: Sendable, Codable, Equatable, Identifiable {
    public var id: String
    public var topic: String
    /// What kind of event (`order.confirmed`).
    public var type: String
    public var data: Data
    /// The publishing service.
    public var source: String
    /// When it was published, in seconds since the Unix epoch.
    public var timestamp: Double
    /// W3C trace context of the publishing span, if there was one.
    public var traceparent: String?
    public var tracestate: String?
    /// What orders it among its topic's events (an order's id): a partitioned subscription
    /// delivers the events of one key in publish order. nil: ordered by nothing but the topic.
    public var key: String?

    /// The data decoded from JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try MeshJSON.decoder.decode(type, from: data)
    }
}

/// An event a subscriber could not handle after every attempt.
public struct DeadLetter: Sendable, Equatable {
    public var envelope: EventEnvelope
    public var subscriber: String
    public var attempts: Int
    public var lastError: String
}

/// Topics, subscriptions per service, and asynchronous delivery: at least once, in order per
/// subscriber (or per partition key), retried with exponential backoff, then dead-lettered.
///
/// - Ordering: each subscription has one queue per partition, worked by one task each; an event
///   that keeps failing holds back the later ones of its partition until it is dead-lettered
///   (ordering over throughput). With one partition (the default) that is every event of the
///   topic; with several, events go to a partition by their ``EventEnvelope/key`` (its stable
///   hash), so the events of one key stay in publish order while different keys are delivered
///   concurrently, as a Kafka consumer group does. Events without a key spread by their id.
/// - At least once: a handler that throws gets the same envelope again, so handlers must be
///   idempotent (the envelope's `id` is the key).
/// - Metrics per topic and subscriber: `events_published_total{topic}`,
///   `events_delivered_total`, `events_failed_total` (failed attempts; these two also by the
///   publishing service, `source`, so `Mesh.observe` can draw publisher → subscriber edges),
///   `events_dead_lettered_total`, and the gauge `events_lag` (queued, not yet handled).
/// - Lag per subscription (``lag(of:)``): events queued and how long the oldest has waited, and
///   the worst of both since start, measured on the telemetry's clock.
/// - A handler that delivers through the mesh calls as ``clientName``, so its calls show as the
///   event edges they carry (with that channel's breaker) rather than as calls from a service.
///
/// Delivery runs inside ``run()`` (part of ``MeshRuntime``).
public final class EventBus: Sendable {
    public typealias Handler = @Sendable (EventEnvelope) async throws -> Void

    /// The caller name of a handler's mesh client when it delivers an event to its subscriber
    /// through the mesh: `mesh.client(as: EventBus.clientName)`.
    public static let clientName = "event-bus"

    public struct Configuration: Sendable {
        /// Attempts per event before it is dead-lettered.
        public var maxAttempts: Int
        /// Delay before the first redelivery; doubles after each.
        public var retryDelay: Duration
        public var maxDeadLetters: Int

        public init(maxAttempts: Int = 5, retryDelay: Duration = .milliseconds(100), maxDeadLetters: Int = 1_000) {
            self.maxAttempts = maxAttempts
            self.retryDelay = retryDelay
            self.maxDeadLetters = maxDeadLetters
        }
    }

    final class Subscription: Sendable {
        let topic: String
        let subscriber: String
        let handler: Handler
        let partitions: [Partition]
        let deadLettered: Counter
        let lag: Gauge
        private let metrics: any MetricsFactory
        /// `events_delivered_total` and `events_failed_total` by publishing service, made on the
        /// first delivery of its events (a topic has a handful of publishers).
        private let bySource = Mutex<[String: (delivered: Counter, failed: Counter)]>([:])
        private let peaks = Mutex<(queued: Int, secondsBehind: Double, deadLettered: Int)>((0, 0, 0))

        init(topic: String, subscriber: String, partitions: Int, handler: @escaping Handler, metrics: any MetricsFactory) {
            self.topic = topic
            self.subscriber = subscriber
            self.handler = handler
            self.metrics = metrics
            self.partitions = (0..<partitions).map { _ in Partition() }
            let dimensions = [("topic", topic), ("subscriber", subscriber)]
            deadLettered = Counter(label: "events_dead_lettered_total", dimensions: dimensions, factory: metrics)
            lag = Gauge(label: "events_lag", dimensions: dimensions, factory: metrics)
        }

        /// The delivered and failed counters of events published by `source`.
        func outcomes(from source: String) -> (delivered: Counter, failed: Counter) {
            bySource.withLock { bySource in
                if let counters = bySource[source] { return counters }
                let dimensions = [("topic", topic), ("subscriber", subscriber), ("source", source)]
                let counters = (delivered: Counter(label: "events_delivered_total", dimensions: dimensions, factory: metrics),
                                failed: Counter(label: "events_failed_total", dimensions: dimensions, factory: metrics))
                bySource[source] = counters
                return counters
            }
        }

        /// The partition `envelope` belongs to: by its key's stable hash, or its id's without one.
        func partition(of envelope: EventEnvelope) -> Partition {
            guard partitions.count > 1 else { return partitions[0] }
            return partitions[Int((envelope.key ?? envelope.id).hashValueStable % UInt64(partitions.count))]
        }

        /// Events queued over every partition, the one in hand included.
        var queued: Int { partitions.reduce(0) { $0 + $1.count } }

        /// Queues an envelope on its partition and wakes that partition's worker.
        func enqueue(_ envelope: EventEnvelope) {
            let partition = partition(of: envelope)
            partition.append(envelope)
            let queued = self.queued
            peaks.withLock { $0.queued = max($0.queued, queued) }
            lag.record(queued)
            partition.wake.yield()
        }

        /// An envelope's first attempt starts `secondsBehind` after it was published.
        func starting(secondsBehind: Double) {
            peaks.withLock { $0.secondsBehind = max($0.secondsBehind, secondsBehind) }
        }

        func deadLetteredOne() {
            deadLettered.increment()
            peaks.withLock { $0.deadLettered += 1 }
        }

        /// Its lag at `now` (seconds since the Unix epoch).
        func status(now: Double) -> SubscriptionStatus {
            let oldest = partitions.compactMap { $0.oldestTimestamp }.min()
            let peaks = peaks.withLock { $0 }
            return SubscriptionStatus(topic: topic, partitions: partitions.count, queued: queued,
                                      secondsBehind: oldest.map { max(0, now - $0) } ?? 0,
                                      peakQueued: peaks.queued, peakSecondsBehind: peaks.secondsBehind,
                                      deadLettered: peaks.deadLettered)
        }
    }

    /// One ordered queue of a subscription, worked by one task.
    final class Partition: Sendable {
        private let queue = Mutex<[EventEnvelope]>([])
        let wakeUps: AsyncStream<Void>
        let wake: AsyncStream<Void>.Continuation

        init() {
            (wakeUps, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        }

        var count: Int { queue.withLock { $0.count } }
        var first: EventEnvelope? { queue.withLock { $0.first } }
        var oldestTimestamp: Double? { queue.withLock { $0.first?.timestamp } }

        func append(_ envelope: EventEnvelope) {
            queue.withLock { $0.append(envelope) }
        }

        /// Removes the envelope in hand, once it is settled.
        func removeFirst() {
            queue.withLock { _ = $0.removeFirst() }
        }
    }

    private struct State {
        var subscriptions: [Subscription] = []
        var deadLetters: [DeadLetter] = []
        var published: [String: Counter] = [:]
        var nextID: UInt64 = 1
    }

    public let configuration: Configuration
    private let telemetry: MeshTelemetry
    private let clock: MeshClock
    private let state = Mutex(State())
    private let newSubscriptions: AsyncStream<Subscription>
    private let announce: AsyncStream<Subscription>.Continuation

    init(telemetry: MeshTelemetry, clock: MeshClock, configuration: Configuration = Configuration()) {
        self.telemetry = telemetry
        self.clock = clock
        self.configuration = configuration
        (newSubscriptions, announce) = AsyncStream.makeStream()
    }

    /// Delivers `topic`'s events to `handler` on behalf of `subscriber` (a service name): in
    /// publish order, or with `partitions` > 1 in publish order per ``EventEnvelope/key`` and up
    /// to `partitions` deliveries at once.
    public func subscribe(_ topic: String, as subscriber: String, partitions: Int = 1, handler: @escaping Handler) {
        precondition(partitions >= 1, "a subscription needs at least one partition")
        let subscription = Subscription(topic: topic, subscriber: subscriber, partitions: partitions, handler: handler, metrics: telemetry.metrics)
        state.withLock { $0.subscriptions.append(subscription) }
        announce.yield(subscription)
    }

    /// Publishes an event with JSON `data` and an ordering `key` (see ``EventEnvelope/key``);
    /// returns the envelope. Delivery happens later, in ``run()``.
    @discardableResult
    public func publish<Payload: Encodable>(_ topic: String, type: String, data: Payload, source: String, key: String? = nil) throws -> EventEnvelope {
        let body = try MeshJSON.encoder.encode(data)
        let tracer = telemetry.tracer(for: source)
        let span = tracer.startSpan("publish \(type)", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        span.attributes["messaging.destination"] = topic
        defer { span.end() }
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: DictionaryInjector())
        let (envelope, subscribers, published): (EventEnvelope, [Subscription], Counter) = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            let envelope = EventEnvelope(id: "evt-\(id)", topic: topic, type: type, data: body, source: source,
                                         timestamp: Double(telemetry.time.unixNanoseconds()) / 1e9,
                                         traceparent: carrier["traceparent"], tracestate: carrier["tracestate"], key: key)
            let counter = state.published[topic] ?? Counter(label: "events_published_total", dimensions: [("topic", topic)], factory: telemetry.metrics)
            state.published[topic] = counter
            return (envelope, state.subscriptions.filter { $0.topic == topic }, counter)
        }
        published.increment()
        for subscription in subscribers { subscription.enqueue(envelope) }
        return envelope
    }

    /// Events published but not yet handled or dead-lettered, over all subscriptions.
    public var pendingCount: Int {
        state.withLock { $0.subscriptions }.reduce(0) { $0 + $1.queued }
    }

    /// The lag of each of `subscriber`'s subscriptions, by topic.
    public func lag(of subscriber: String) -> [SubscriptionStatus] {
        let now = Double(telemetry.time.unixNanoseconds()) / 1e9
        return state.withLock { $0.subscriptions }
            .filter { $0.subscriber == subscriber }
            .map { $0.status(now: now) }
            .sorted { $0.topic < $1.topic }
    }

    /// Dead letters, oldest first.
    public var deadLetters: [DeadLetter] { state.withLock { $0.deadLetters } }

    /// Puts every dead letter back on its subscriber's queue, for another round of attempts (what
    /// an operator does once the consumer is fixed). Returns how many.
    @discardableResult
    public func replayDeadLetters() -> Int {
        let (letters, subscriptions) = state.withLock { state in
            defer { state.deadLetters.removeAll() }
            return (state.deadLetters, state.subscriptions)
        }
        for letter in letters {
            subscriptions.first { $0.topic == letter.envelope.topic && $0.subscriber == letter.subscriber }?.enqueue(letter.envelope)
        }
        if !letters.isEmpty {
            telemetry.events.record(source: Self.clientName, kind: .info, message: "replayed \(letters.count) dead letter(s)")
        }
        return letters.count
    }

    /// Works every subscription's partitions until cancelled. Call it once per bus
    /// (``MeshRuntime`` does): once cancelled, the bus stops delivering for good, as at shutdown.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            func start(_ subscription: Subscription) {
                for partition in subscription.partitions {
                    group.addTask { await self.work(partition, of: subscription) }
                }
            }
            let existing = state.withLock { $0.subscriptions }
            existing.forEach(start)
            var seen = Set(existing.map(ObjectIdentifier.init))
            for await subscription in newSubscriptions {
                guard seen.insert(ObjectIdentifier(subscription)).inserted else { continue }
                start(subscription)
            }
            group.cancelAll()
        }
    }

    private func work(_ partition: Partition, of subscription: Subscription) async {
        await withTaskCancellationHandler {
            var wakeUps = partition.wakeUps.makeAsyncIterator()
            while !Task.isCancelled {
                guard let envelope = partition.first else {
                    guard await wakeUps.next() != nil else { return }
                    continue
                }
                subscription.starting(secondsBehind: max(0, Double(telemetry.time.unixNanoseconds()) / 1e9 - envelope.timestamp))
                guard await deliver(envelope, to: subscription) else { return }
                partition.removeFirst()
                subscription.lag.record(subscription.queued)
            }
        } onCancel: {
            partition.wake.finish()
        }
    }

    /// Delivers one envelope with retries; false when cancelled before it was settled.
    private func deliver(_ envelope: EventEnvelope, to subscription: Subscription) async -> Bool {
        let tracer = telemetry.tracer(for: subscription.subscriber)
        var context = ServiceContext.topLevel
        var carrier: [String: String] = [:]
        carrier["traceparent"] = envelope.traceparent
        carrier["tracestate"] = envelope.tracestate
        tracer.extract(carrier, into: &context, using: DictionaryExtractor())
        var delay = configuration.retryDelay
        let outcomes = subscription.outcomes(from: envelope.source)
        for attempt in 1...configuration.maxAttempts {
            let span = tracer.startSpan("consume \(envelope.type)", context: context, ofKind: .consumer)
            span.attributes["messaging.destination"] = envelope.topic
            span.attributes["messaging.message_id"] = envelope.id
            span.attributes["attempt"] = attempt
            do {
                try await ServiceContext.withValue(span.context) { try await subscription.handler(envelope) }
                span.end()
                outcomes.delivered.increment()
                return true
            } catch {
                span.setStatus(SpanStatus(code: .error, message: "\(error)"))
                span.end()
                outcomes.failed.increment()
                if Task.isCancelled { return false }
                if attempt == configuration.maxAttempts {
                    let letter = DeadLetter(envelope: envelope, subscriber: subscription.subscriber, attempts: attempt, lastError: "\(error)")
                    state.withLock { state in
                        state.deadLetters.append(letter)
                        if state.deadLetters.count > configuration.maxDeadLetters { state.deadLetters.removeFirst() }
                    }
                    subscription.deadLetteredOne()
                    telemetry.events.record(source: subscription.subscriber, kind: .deadLetter,
                                            message: "\(envelope.type) \(envelope.id) dead-lettered after \(attempt) attempts: \(error)",
                                            attributes: ["topic": envelope.topic], traceId: envelope.traceparent.flatMap { TraceContext(traceparent: $0)?.traceID.description })
                    ServiceContext.withValue(span.context) {
                        telemetry.logger(for: subscription.subscriber).error(
                            "\(envelope.type) \(envelope.id) dead-lettered after \(attempt) attempts: \(error)",
                            metadata: ["topic": .string(envelope.topic), "event": .string(envelope.type)])
                    }
                    return true
                }
                do { try await clock.sleep(for: delay) } catch { return false }
                delay = delay * 2
            }
        }
        return true
    }
}
