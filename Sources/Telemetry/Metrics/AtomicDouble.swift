import Synchronization

extension Atomic where Value == UInt64 {
    /// Adds to a `Double` stored as its bit pattern, by compare-and-swap (no lock, no allocation).
    func addDouble(_ amount: Double) {
        var current = load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = weakCompareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }
}
