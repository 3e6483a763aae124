/// splitmix64 (Steele, Lea and Flood): a 64-bit counter stepped by the golden-ratio increment and
/// scrambled by ``mix(_:)``. The one copy in meshtop: ``SeededRandom`` seeds its state with it, and
/// the tracing id generator runs it over an atomic counter.
public enum SplitMix64 {
    /// What the counter advances by per draw (2⁶⁴ / φ, odd, so the counter visits every value).
    /// Computed and inlinable so callers in other modules fold it to a constant (a stored `static let`
    /// is read through a lazy-initialisation check).
    @inlinable
    public static var increment: UInt64 { 0x9E37_79B9_7F4A_7C15 }

    /// The output function: a bijection of 64-bit values in which every input bit affects every
    /// output bit. `mix(0) == 0`; every other input maps to a well-spread value.
    @inlinable @inline(__always)
    public static func mix(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Advances `state` by ``increment`` and returns the mix of the new state.
    @inlinable @inline(__always)
    public static func next(_ state: inout UInt64) -> UInt64 {
        state &+= increment
        return mix(state)
    }
}
