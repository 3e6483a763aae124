/// Every stream's events in global order after a position: first the history, then live, as
/// one `AsyncSequence`, consumed on the caller's task (no task of its own).
///
/// **The seam.** Catch-up and live are the same loop: read the next batch after the last position
/// delivered; when that read is empty, wait until the store's head passes that position, and read
/// again. Nothing is pushed to the subscriber, so nothing can be pushed twice or dropped while it
/// switches over: every event comes from a read by position, positions increase in commit order,
/// and the wait returns at once when an append committed between the empty read and the wait.
///
/// The sequence ends (returns nil) when the consuming task is cancelled; it throws what the store
/// throws on a read.
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    public let store: any EventStore
    /// The position the subscription starts after (0: from the first event).
    public let start: Int64
    /// How many events one read takes from the store.
    public let batchSize: Int

    public init(store: any EventStore, after position: Int64, batchSize: Int = 256) {
        self.store = store
        self.start = position
        self.batchSize = Swift.max(1, batchSize)
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(feed: EventFeed(store: store, after: start, batchSize: batchSize))
    }

    /// The same subscription a batch at a time: for consumers that save a checkpoint per batch.
    public func batches() -> EventFeed {
        EventFeed(store: store, after: start, batchSize: batchSize)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var feed: EventFeed
        var buffer: [RecordedEvent] = []
        var index = 0

        public mutating func next() async throws -> RecordedEvent? {
            if index == buffer.count {
                guard let batch = try await feed.next() else { return nil }
                buffer = batch
                index = 0
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}

/// Batches of events in global order after a position, history then live; the loop behind
/// ``EventSubscription`` (see its seam guarantee). Each batch is non-empty and follows the last.
public struct EventFeed: AsyncSequence, AsyncIteratorProtocol, Sendable {
    public typealias Element = [RecordedEvent]

    public let store: any EventStore
    /// The position of the last event delivered.
    public private(set) var position: Int64
    public let batchSize: Int

    public init(store: any EventStore, after position: Int64, batchSize: Int = 256) {
        self.store = store
        self.position = position
        self.batchSize = Swift.max(1, batchSize)
    }

    public func makeAsyncIterator() -> EventFeed { self }

    /// The next batch, waiting at the head for an append; nil once the task is cancelled.
    public mutating func next() async throws -> [RecordedEvent]? {
        while !Task.isCancelled {
            if let batch = try available() { return batch }
            do {
                try await store.waitForAppend(after: position)
            } catch is CancellationError {
                return nil
            }
        }
        return nil
    }

    /// The next batch already committed, without waiting; nil at the head.
    public mutating func available() throws -> [RecordedEvent]? {
        let batch = try store.readAll(after: position, limit: batchSize)
        guard let last = batch.last else { return nil }
        position = last.position
        return batch
    }
}
