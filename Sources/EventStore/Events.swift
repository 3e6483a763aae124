import Foundation

/// What travels with an event besides its data: the trace it was recorded in and why it happened.
/// Stored beside the event and given back unchanged on every read.
public struct EventMetadata: Sendable, Equatable, Codable {
    /// W3C trace context of the span that recorded the event, so a consumer's span joins that trace.
    public var traceparent: String?
    public var tracestate: String?
    /// The id shared by every event of one business transaction (an order and all it caused).
    public var correlationID: String?
    /// The id of the message (command or event) that caused this event.
    public var causationID: String?
    /// Anything else, by name. Stored as JSON with sorted keys.
    public var attributes: [String: String]

    public init(
        traceparent: String? = nil,
        tracestate: String? = nil,
        correlationID: String? = nil,
        causationID: String? = nil,
        attributes: [String: String] = [:]
    ) {
        self.traceparent = traceparent
        self.tracestate = tracestate
        self.correlationID = correlationID
        self.causationID = causationID
        self.attributes = attributes
    }
}

/// An event to append: it gets its stream, version, global position and recorded time from the store.
public struct NewEvent: Sendable, Equatable {
    /// Unique across the store; appending an id already stored is idempotent (see ``EventStore``).
    public var id: EventID
    /// What happened, dotted and lower-case by convention: `order.created`.
    public var type: String
    /// The payload: bytes, JSON by convention.
    public var data: Data
    public var metadata: EventMetadata

    public init(id: EventID, type: String, data: Data, metadata: EventMetadata = EventMetadata()) {
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
    }
}

/// An event as the store keeps it.
public struct RecordedEvent: Sendable, Equatable, Identifiable {
    public var id: EventID
    public var stream: String
    /// Its place in its stream: the first event of a stream is version 1, and versions have no gaps.
    public var version: Int64
    /// Its place in the whole store: positions start at 1 and increase in commit order, so reading
    /// by position after a checkpoint never skips an event committed later.
    public var position: Int64
    public var type: String
    public var data: Data
    public var metadata: EventMetadata
    /// When the store recorded it, from its ``RecordingTime``: nanoseconds since the Unix epoch.
    public var recordedAtUnixNanoseconds: Int64

    public init(
        id: EventID, stream: String, version: Int64, position: Int64, type: String, data: Data,
        metadata: EventMetadata, recordedAtUnixNanoseconds: Int64
    ) {
        self.id = id
        self.stream = stream
        self.version = version
        self.position = position
        self.type = type
        self.data = data
        self.metadata = metadata
        self.recordedAtUnixNanoseconds = recordedAtUnixNanoseconds
    }
}

/// What an append did.
public struct AppendResult: Sendable, Equatable {
    public var stream: String
    /// The version of the last event of this append: the expected version for the next append
    /// that follows it.
    public var lastVersion: Int64
    /// Global positions of the first and last event of this append.
    public var firstPosition: Int64
    public var lastPosition: Int64
    /// True when every event id was already stored in this stream: nothing was written, and the
    /// versions and positions are those of the earlier append (an outbox's retry).
    public var alreadyStored: Bool

    public init(stream: String, lastVersion: Int64, firstPosition: Int64, lastPosition: Int64, alreadyStored: Bool) {
        self.stream = stream
        self.lastVersion = lastVersion
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.alreadyStored = alreadyStored
    }
}
