/// `CancellationError` checks for the inlinable async strategies (retry, breaker), kept out of line.
///
/// `CancellationError` is a type of unknown size outside its library. Making one, or testing an
/// error for it, inside an async function gives the function's frame a buffer of that size,
/// allocated from the task on every call, whether or not the code runs; in a sidecar's call, two
/// such buffers cost ≈ 25 ns per call. Here the buffer is on an ordinary stack, only when used.
@usableFromInline @inline(never)
func isCancellation(_ error: any Error) -> Bool {
    error is CancellationError
}

/// `Task.checkCancellation()`, out of line for the same reason.
@usableFromInline @inline(never)
func checkCancellation() throws {
    try Task.checkCancellation()
}
