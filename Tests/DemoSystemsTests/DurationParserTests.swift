import DemoSystems
import Testing

@Suite struct DurationParserTests {
    @Test(arguments: [
        ("10s", Duration.seconds(10)),
        ("500ms", .milliseconds(500)),
        ("2m", .seconds(120)),
        ("1.5s", .milliseconds(1500)),
        ("1h", .seconds(3600)),
        ("0.1s", .milliseconds(100)),
        ("0s", .zero),
        (" 250ms ", .milliseconds(250)),
        ("0.5ms", .microseconds(500)),
        (".5s", .milliseconds(500)),
        ("1.25h", .seconds(4500)),
    ])
    func parsesTheAcceptedForms(text: String, expected: Duration) throws {
        #expect(try DurationParser.parse(text) == expected)
    }

    @Test(arguments: [
        ("10", "it has no unit"),
        ("", "it is empty"),
        ("10x", "it has no unit"),
        ("-5s", "\"-5\" is not a plain decimal number"),
        ("1e3ms", "\"1e3\" is not a plain decimal number"),
        ("s", "\"\" is not a plain decimal number"),
        ("1.s", "\"1.\" is not a plain decimal number"),
        ("1.2.3s", "\"1.2.3\" is not a plain decimal number"),
        ("nans", "\"nan\" is not a plain decimal number"),
        ("99999999999999999999h", "it is too long"),
    ])
    func rejectsOtherTextNamingItAndTheAcceptedForms(text: String, problem: String) {
        #expect(throws: DurationParseError(text: text, problem: problem)) { try DurationParser.parse(text) }
        let message = DurationParseError(text: text, problem: problem).description
        #expect(message.contains("\"\(text)\""))
        #expect(message.contains("500ms, 10s, 1.5s, 2m, 1h"))
    }

    @Test(arguments: [
        (Duration.seconds(3600), "1h"),
        (.seconds(120), "2m"),
        (.seconds(90), "90s"),
        (.milliseconds(1500), "1500ms"),
        (.microseconds(250), "0.25ms"),
        (.zero, "0s"),
    ])
    func formatsShortestExactTextThatParsesBack(duration: Duration, text: String) throws {
        #expect(DurationParser.format(duration) == text)
        #expect(try DurationParser.parse(text) == duration)
    }
}
