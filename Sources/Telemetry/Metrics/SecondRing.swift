/// A fixed number of per-second slots addressed by absolute second (seconds since the time origin).
///
/// A slot holds the value of the last second written to it; a read of a second that was never
/// written, or whose slot has since been reused by a later second, finds nothing.
struct SecondRing<Value> {
    private var values: [Value?]
    private var seconds: [Int]

    var capacity: Int { seconds.count }

    init(capacity: Int) {
        precondition(capacity > 0, "a SecondRing needs at least one slot")
        values = Array(repeating: nil, count: capacity)
        seconds = Array(repeating: -1, count: capacity)
    }

    subscript(second second: Int) -> Value? {
        get {
            guard second >= 0 else { return nil }
            let slot = second % capacity
            return seconds[slot] == second ? values[slot] : nil
        }
        set {
            precondition(second >= 0, "seconds are counted from the origin")
            let slot = second % capacity
            seconds[slot] = second
            values[slot] = newValue
        }
    }

    /// Takes the value out of the slot `second` will use, whatever second it held, leaving it empty
    /// (so a reusable resource in it can be recycled).
    mutating func evictSlot(for second: Int) -> Value? {
        let slot = second % capacity
        defer {
            values[slot] = nil
            seconds[slot] = -1
        }
        return values[slot]
    }
}
