/// What an append expects of its stream, for optimistic concurrency: it is written only if the
/// stream is still where the writer last saw it.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// Append whatever the stream's version.
    case any
    /// The stream must have no events yet (the same as `.exactly(0)`).
    case noStream
    /// The stream's last event must have this version (0: no events yet).
    case exactly(Int64)

    /// Whether a stream at `actual` satisfies this expectation.
    public func admits(_ actual: Int64) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == 0
        case .exactly(let version): actual == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any version"
        case .noStream: "no stream"
        case .exactly(let version): "version \(version)"
        }
    }
}
