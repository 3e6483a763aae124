/// An append whose expected version did not match its stream: someone else appended since the
/// writer read the stream. Reload the stream, decide again, and append with the new version.
public struct VersionConflict: Error, Equatable, CustomStringConvertible {
    public var stream: String
    public var expected: ExpectedVersion
    /// The stream's version when the append was tried (0: no events).
    public var actual: Int64

    public init(stream: String, expected: ExpectedVersion, actual: Int64) {
        self.stream = stream
        self.expected = expected
        self.actual = actual
    }

    public var description: String {
        let found = actual == 0 ? "it has no events" : "it is at version \(actual)"
        return "version conflict on stream '\(stream)': expected \(expected), but \(found) "
            + "(reload the stream and append with .exactly(\(actual)))"
    }
}

/// Every other way an event store call can fail; `code` says which, `message` says what was wrong.
public struct EventStoreError: Error, Equatable, CustomStringConvertible {
    /// The kinds of failure. A struct over a private enum, so kinds can be added without breaking
    /// a caller's `switch`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case invalidArgument, duplicateEventID, unreadableRecord }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A stream name, event, limit or position the store does not accept.
        public static let invalidArgument = Code(.invalidArgument)
        /// An event id already stored elsewhere (another stream, or only part of this batch).
        public static let duplicateEventID = Code(.duplicateEventID)
        /// A stored row the store cannot read back (a file written by something else).
        public static let unreadableRecord = Code(.unreadableRecord)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "event store: \(message)" }
}
