/// One server-sent event: its type (`event:`, default `message`), its data (the `data:` lines
/// joined with newlines) and its id (`id:`, nil when the stream never set one).
public struct ServerSentEvent: Sendable, Equatable {
    public var type: String
    public var data: String
    public var id: String?

    public init(type: String = "message", data: String, id: String? = nil) {
        self.type = type
        self.data = data
        self.id = id
    }
}

/// Parses a `text/event-stream` body as it arrives (the WHATWG HTML "server-sent events" rules):
/// chunks may split lines, line endings and UTF-8 characters anywhere; lines end in LF, CRLF or
/// CR; `:` starts a comment; several `data:` lines make one event's data; an empty line dispatches
/// the event; an event without data is dropped. Pure: bytes in, events out.
public struct ServerSentEventParser: Sendable {
    /// The longest line kept; a longer one is an error (a stream that never ends its line).
    public var maximumLineBytes: Int

    private var line: [UInt8] = []
    /// The last byte was a CR: a LF next ends the same line.
    private var afterCR = false
    private var isFirstLine = true
    private var dataLines: [String] = []
    private var hasData = false
    private var eventType = ""
    private var lastEventID: String?

    public init(maximumLineBytes: Int = 64 << 20) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// A line longer than ``maximumLineBytes``.
    public struct LineTooLong: Error, CustomStringConvertible {
        public var limit: Int
        public var description: String { "the event stream sent a line over \(limit) bytes" }
    }

    /// Takes the next chunk and returns the events it completes, in order.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(LineTooLong) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            switch byte {
            case 0x0D:
                afterCR = true
                if let event = endLine() { events.append(event) }
            case 0x0A:
                if afterCR {
                    afterCR = false
                } else if let event = endLine() {
                    events.append(event)
                }
            default:
                afterCR = false
                guard line.count < maximumLineBytes else { throw LineTooLong(limit: maximumLineBytes) }
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> ServerSentEvent? {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if isFirstLine {
            isFirstLine = false
            // A UTF-8 byte order mark at the start of the stream is not part of the first line.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty { return dispatch() }
        if bytes.first == UInt8(ascii: ":") { return nil }
        let field: String
        let value: Substring
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: bytes[..<colon], as: UTF8.self)
            var rest = bytes[(colon + 1)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = Substring(String(decoding: rest, as: UTF8.self))
        } else {
            field = String(decoding: bytes, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event": eventType = String(value)
        case "data":
            dataLines.append(String(value))
            hasData = true
        case "id" where !value.contains("\0"): lastEventID = String(value)
        default: break // `retry` and unknown fields: the reconnect schedule is the client's own
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            dataLines.removeAll()
            hasData = false
            eventType = ""
        }
        guard hasData else { return nil }
        return ServerSentEvent(type: eventType.isEmpty ? "message" : eventType, data: dataLines.joined(separator: "\n"), id: lastEventID)
    }
}
