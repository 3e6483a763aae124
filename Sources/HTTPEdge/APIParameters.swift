import Telemetry

/// The API's query parameters and path values, checked: each parse returns a typed value or an
/// ``APIError`` (400) naming the parameter and what it accepts. Pure: tested without a server.
public enum APIParameters {
    /// `window`: seconds of closed metric windows behind rates and percentiles.
    public static let windowRange = 1...300
    public static let defaultWindow = 10
    /// `interval`: milliseconds between two events of the feed.
    public static let intervalRange = 100...5000
    public static let defaultIntervalMilliseconds = 250
    /// `limit`: rows of a traces page.
    public static let limitRange = 1...500
    public static let defaultLimit = 50
    /// `offset`: the first row wanted; a billion is beyond any store, and keeps the number an Int.
    public static let offsetRange = 0...1_000_000_000

    /// `limit`: records of a logs page.
    public static let logLimitRange = 1...1_000
    public static let defaultLogLimit = 100

    /// The parameters `/api/v1/traces` takes, as `TraceQuery` names its fields there.
    public static let traceParameters = ["order", "errors", "text", "service", "span", "offset", "limit", "anchor"]

    /// `?window=N` of `/api/v1/snapshot` (nothing else accepted).
    public static func snapshotWindow(_ query: QueryItems) throws(APIError) -> Int {
        try query.requireOnly(["window"])
        return try window(query)
    }

    /// `?window=N&interval=MS` of `/api/v1/feed`.
    public static func feed(_ query: QueryItems) throws(APIError) -> (window: Int, interval: Duration) {
        try query.requireOnly(["window", "interval"])
        let window = try window(query)
        let interval = try integer(query, "interval", in: intervalRange, default: defaultIntervalMilliseconds, unit: "milliseconds")
        return (window, .milliseconds(interval))
    }

    /// The ``TraceQuery`` of `/api/v1/traces`: `order=newest|slowest`, `errors=true|false`,
    /// `text=T`, `service=S` (repeatable), `span=SERVICE:OPERATION`, `offset=N` (0…10⁹), `limit=N` (1…500, default 50),
    /// `anchor=ID` (32 hex digits).
    public static func traceQuery(_ query: QueryItems) throws(APIError) -> TraceQuery {
        try query.requireOnly(traceParameters)
        var result = TraceQuery(limit: defaultLimit)
        if let order = try query.single("order") {
            guard let parsed = TraceQuery.Order(rawValue: order) else {
                throw .badRequest("order", "order must be one of \(TraceQuery.Order.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(order)\"")
            }
            result.order = parsed
        }
        if let errors = try query.single("errors") {
            switch errors {
            case "true": result.errorsOnly = true
            case "false": result.errorsOnly = false
            default: throw .badRequest("errors", "errors must be true or false, got \"\(errors)\"")
            }
        }
        result.text = try query.single("text") ?? ""
        result.services = query.values("service")
        if let empty = result.services.firstIndex(of: "") {
            throw .badRequest("service", "service number \(empty + 1) is empty; give a service name")
        }
        if let span = try query.single("span") {
            // The colon is looked for among scalars, not characters: a combining mark or an emoji
            // modifier right after it makes one Character of the two, which is still SERVICE:OPERATION.
            let scalars = span.unicodeScalars
            guard let colon = scalars.firstIndex(of: ":"), colon != scalars.startIndex, scalars.index(after: colon) != scalars.endIndex else {
                throw .badRequest("span", "span must be SERVICE:OPERATION (order-service:POST /orders), got \"\(span)\"")
            }
            result.span = SpanName(service: String(Substring(scalars[..<colon])), operation: String(Substring(scalars[scalars.index(after: colon)...])))
        }
        result.offset = try integer(query, "offset", in: offsetRange, default: 0, unit: "rows")
        result.limit = try integer(query, "limit", in: limitRange, default: defaultLimit, unit: "rows")
        if let anchor = try query.single("anchor") {
            result.anchor = try traceID(anchor, field: "anchor")
        }
        return result
    }

    /// The ``LogQuery`` of `/api/v1/logs`: `level=trace|debug|info|notice|warning|error|critical`
    /// (the least severe listed), `text=T`, `trace=ID` (32 hex digits), `limit=N` (1…1000, default 100).
    public static func logQuery(_ query: QueryItems) throws(APIError) -> LogQuery {
        try query.requireOnly(["level", "text", "trace", "limit"])
        var result = LogQuery(limit: defaultLogLimit)
        if let level = try query.single("level") {
            guard let parsed = LogLevel(rawValue: level) else {
                throw .badRequest("level", "level must be one of \(LogLevel.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(level)\"")
            }
            result.minimumLevel = parsed
        }
        result.text = try query.single("text") ?? ""
        if let trace = try query.single("trace") {
            result.traceId = try traceID(trace, field: "trace")
        }
        result.limit = try integer(query, "limit", in: logLimitRange, default: defaultLogLimit, unit: "records")
        return result
    }

    /// A trace id as the store keys it: 32 hex digits (either case accepted), returned lowercase.
    public static func traceID(_ text: String, field: String = "id") throws(APIError) -> String {
        let isHex = text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
        guard text.utf8.count == 32, isHex else {
            throw .badRequest(field, "a trace id is 32 hex digits (W3C trace-id), got \"\(text.prefix(64))\"")
        }
        return text.lowercased()
    }

    private static func window(_ query: QueryItems) throws(APIError) -> Int {
        try integer(query, "window", in: windowRange, default: defaultWindow, unit: "seconds")
    }

    private static func integer(_ query: QueryItems, _ name: String, in range: ClosedRange<Int>, default value: Int, unit: String) throws(APIError) -> Int {
        guard let text = try query.single(name) else { return value }
        let bounds = "\(range.lowerBound)…\(range.upperBound)"
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest(name, "\(name) must be a whole number of \(unit), \(bounds), got \"\(text.prefix(64))\"")
        }
        return number
    }
}
