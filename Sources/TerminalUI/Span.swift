/// A run of text in one style.
public struct Span: Hashable, Sendable, ExpressibleByStringLiteral {
    public var text: String
    public var style: Style

    public init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// Columns the text takes.
    public var width: Int { DisplayWidth.of(text) }
}

/// One line of styled text: spans drawn left to right.
public struct Line: Hashable, Sendable, ExpressibleByStringLiteral {
    public var spans: [Span]

    public init(_ spans: [Span]) {
        self.spans = spans
    }

    public init(_ text: String, _ style: Style = .plain) {
        self.spans = [Span(text, style)]
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// Columns the whole line takes.
    public var width: Int { spans.reduce(0) { $0 + $1.width } }

    /// The text without styles.
    public var plainText: String { spans.map(\.text).joined() }

    public mutating func append(_ span: Span) { spans.append(span) }
    public mutating func append(_ text: String, _ style: Style = .plain) { spans.append(Span(text, style)) }
}
