import Testing

/// Yields until `condition` holds: for state another task reaches after something the test did,
/// with no wall-clock sleep. Bounded: after `maxYields` turns it records a test failure (naming
/// `what`, at the caller's line) and returns, rather than hanging the suite.
///
/// Returns whether the condition held, for a caller that must not go on otherwise.
@discardableResult
public func waitUntil(
    _ what: String = "the condition",
    maxYields: Int = 1_000_000,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async -> Bool {
    for _ in 0..<maxYields {
        if condition() { return true }
        await Task.yield()
    }
    Issue.record("\(what) never became true after \(maxYields) yields", sourceLocation: sourceLocation)
    return false
}
