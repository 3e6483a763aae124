/// The query string of a request, decoded: `a=1&b=x%20y&b=z` → `[("a","1"), ("b","x y"), ("b","z")]`.
///
/// Keys and values are percent-decoded and `+` reads as a space (as HTML forms send it). Order and
/// repeats are kept: `service` may repeat, other parameters may not. A pure value, parsed once.
public struct QueryItems: Sendable, Equatable {
    public var items: [(name: String, value: String)]

    /// - Throws: ``APIError`` (400) for a malformed percent-escape (`%zz`, a `%` at the end, bytes
    ///   that are not UTF-8).
    public init(query: String?) throws(APIError) {
        items = []
        guard let query, !query.isEmpty else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], what: "a parameter name")
            let value = parts.count > 1 ? try Self.decode(parts[1], what: "the value of \(name)") : ""
            items.append((name, value))
        }
    }

    public static func == (lhs: QueryItems, rhs: QueryItems) -> Bool {
        lhs.items.count == rhs.items.count && zip(lhs.items, rhs.items).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Every value given for `name`, in order.
    public func values(_ name: String) -> [String] {
        items.filter { $0.name == name }.map(\.value)
    }

    /// The one value of `name`, nil when absent.
    ///
    /// - Throws: ``APIError`` (400) when `name` is given more than once.
    public func single(_ name: String) throws(APIError) -> String? {
        let values = values(name)
        guard values.count <= 1 else {
            throw .badRequest(name, "\(name) is given \(values.count) times; give it once")
        }
        return values.first
    }

    /// Refuses a parameter the route does not take, so a typo (`erors=true`) is an error rather
    /// than silently ignored.
    ///
    /// - Throws: ``APIError`` (400) naming the first unknown parameter and the accepted ones.
    public func requireOnly(_ accepted: [String]) throws(APIError) {
        for item in items where !accepted.contains(item.name) {
            let list = accepted.isEmpty ? "this route takes no query parameters" : "accepted: \(accepted.joined(separator: ", "))"
            throw .badRequest(item.name, "unknown query parameter \"\(item.name)\"; \(list)")
        }
    }

    private static func decode(_ text: Substring, what: String) throws(APIError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw APIError(.badRequest, "malformed percent-escape in \(what): a % must be followed by two hex digits")
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw APIError(.badRequest, "\(what) is not UTF-8 once percent-decoded")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
