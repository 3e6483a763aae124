import Testing
@testable import RemoteSource

@Suite("Server-sent events")
struct ServerSentEventParserTests {
    /// Feeds `text` split at every given offset and returns all the events.
    func parse(_ text: String, splitAt cuts: [Int] = []) throws -> [ServerSentEvent] {
        let bytes = Array(text.utf8)
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        var start = 0
        for cut in cuts.sorted() + [bytes.count] where cut >= start {
            events += try parser.feed(bytes[start..<cut])
            start = cut
        }
        return events
    }

    static let stream = "event: snapshot\ndata: {\"a\":1}\n\n: a comment keeps the connection open\n\nevent: snapshot\ndata: {\"a\":2}\n\n"

    @Test func eventsWithTypeAndData() throws {
        #expect(try parse(Self.stream) == [
            ServerSentEvent(type: "snapshot", data: "{\"a\":1}"),
            ServerSentEvent(type: "snapshot", data: "{\"a\":2}"),
        ])
    }

    @Test func chunksSplitAnywhereGiveTheSameEvents() throws {
        let whole = try parse(Self.stream)
        let count = Self.stream.utf8.count
        for cut in 0...count {
            #expect(try parse(Self.stream, splitAt: [cut]) == whole, "split at \(cut)")
        }
        // One byte at a time.
        #expect(try parse(Self.stream, splitAt: Array(0...count)) == whole)
    }

    @Test func crlfAndCrEndLinesEvenWhenSplitBetweenCrAndLf() throws {
        let crlf = "event: snapshot\r\ndata: x\r\n\r\n"
        let expected = [ServerSentEvent(type: "snapshot", data: "x")]
        for cut in 0...crlf.utf8.count {
            #expect(try parse(crlf, splitAt: [cut]) == expected, "split at \(cut)")
        }
        #expect(try parse("data: x\r\rdata: y\r\r") == [ServerSentEvent(data: "x"), ServerSentEvent(data: "y")])
    }

    @Test func multiLineDataIsJoinedWithNewlines() throws {
        #expect(try parse("data: first\ndata:second\ndata\ndata:  indented\n\n") == [ServerSentEvent(data: "first\nsecond\n\n indented")])
    }

    @Test func commentsAndUnknownFieldsAreIgnoredAndAnEventWithoutDataIsDropped() throws {
        #expect(try parse(":hello\nretry: 1000\nfoo: bar\n\nevent: snapshot\n\n").isEmpty)
    }

    @Test func aUTF8CharacterSplitAcrossChunksSurvives() throws {
        let text = "data: café → ok\n\n"
        for cut in 0...text.utf8.count {
            #expect(try parse(text, splitAt: [cut]) == [ServerSentEvent(data: "café → ok")])
        }
    }

    @Test func anIdIsKeptForLaterEventsAndTheTypeIsNot() throws {
        #expect(try parse("id: 7\nevent: snapshot\ndata: a\n\ndata: b\n\n") == [
            ServerSentEvent(type: "snapshot", data: "a", id: "7"),
            ServerSentEvent(type: "message", data: "b", id: "7"),
        ])
    }

    @Test func anUnfinishedEventIsNotDispatched() throws {
        #expect(try parse("data: a\n").isEmpty)
        #expect(try parse("data: a").isEmpty)
    }

    @Test func aByteOrderMarkAtTheStartIsSkipped() throws {
        #expect(try parse("\u{FEFF}data: a\n\n") == [ServerSentEvent(data: "a")])
    }

    @Test func aLineOverTheLimitIsAnError() {
        var parser = ServerSentEventParser(maximumLineBytes: 8)
        #expect(throws: ServerSentEventParser.LineTooLong.self) { try parser.feed(Array("data: 0123456789\n".utf8)) }
    }
}
