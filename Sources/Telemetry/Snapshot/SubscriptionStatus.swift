/// A service's subscription to a topic: how far behind its consumer is, now and at worst.
///
/// A subscription with several partitions delivers in publish order within a partition key (an
/// order's events one after another) and concurrently across keys, one delivery per partition at
/// a time, as a Kafka consumer group does.
public struct SubscriptionStatus: Codable, Sendable, Equatable, Identifiable {
    public var topic: String
    /// Deliveries that may run at once.
    public var partitions: Int
    /// Events published to it and not yet handled (or dead-lettered).
    public var queued: Int
    /// How long the oldest of them has waited, in seconds; 0 when none waits.
    public var secondsBehind: Double
    /// The most events that were queued at once since start.
    public var peakQueued: Int
    /// The longest an event waited from publish to its first delivery attempt since start, in seconds.
    public var peakSecondsBehind: Double
    /// Events that failed every attempt since start.
    public var deadLettered: Int

    public var id: String { topic }

    public init(topic: String, partitions: Int = 1, queued: Int = 0, secondsBehind: Double = 0,
                peakQueued: Int = 0, peakSecondsBehind: Double = 0, deadLettered: Int = 0) {
        self.topic = topic
        self.partitions = partitions
        self.queued = queued
        self.secondsBehind = secondsBehind
        self.peakQueued = peakQueued
        self.peakSecondsBehind = peakSecondsBehind
        self.deadLettered = deadLettered
    }
}
