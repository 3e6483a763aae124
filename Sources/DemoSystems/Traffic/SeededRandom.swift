/// A seeded pseudo-random generator (xoshiro256**, seeded through splitmix64): the same seed gives
/// the same sequence on every machine and Swift version, so a run replays exactly.
///
/// Use the helpers here (``nextUnitInterval()``, ``nextIndex(below:)``) rather than the standard
/// library's `random(in:using:)`, whose algorithm is not promised to stay the same across releases.
///
/// A value type: copy it to fork a sequence; it is not shared between tasks. For randomness per
/// request that does not depend on which task runs first, derive a stream per request:
/// `SeededRandom(seed: runSeed, stream: requestIndex)`.
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for `seed`; every seed (0 included) gives a usable, distinct sequence.
    public init(seed: UInt64) {
        var mixer = seed
        s0 = SeededRandom.splitMix64(&mixer)
        s1 = SeededRandom.splitMix64(&mixer)
        s2 = SeededRandom.splitMix64(&mixer)
        s3 = SeededRandom.splitMix64(&mixer)
    }

    /// An independent stream of `seed`, for example one per request index or one per purpose
    /// (arrivals, the request mix), so drawing from one never shifts another.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        self.init(seed: SeededRandom.splitMix64(&mixer) ^ stream)
    }

    public mutating func next() -> UInt64 {
        let result = (s1 &* 5).rotatedLeft(by: 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3.rotatedLeft(by: 45)
        return result
    }

    /// A uniform value in `0 ..< 1` with 53 random bits.
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform index in `0 ..< bound` (Lemire's multiply-shift; the bias is below 2⁻³² for any
    /// bound under 2³², far under what a demo can observe). `bound` must be > 0.
    public mutating func nextIndex(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "nextIndex(below:) needs a bound > 0")
        return next().multipliedFullWidth(by: bound).high
    }

    static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
