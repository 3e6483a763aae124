/// The one seeded pseudo-random generator in meshtop: xoshiro256** (Blackman and Vigna), its state
/// seeded through ``SplitMix64``. The same seed gives the same sequence on every machine and Swift
/// version, so a run replays exactly.
///
/// **One root seed, one stream per component.** A run (and the coming deterministic simulator) has
/// one root seed. Every component that draws (traffic arrivals, the request mix, injected faults,
/// retry jitter, instance choice, ids) gets a generator of its own, derived from the root by a
/// label, so drawing in one never shifts another and two components never share a stream:
///
/// ```swift
/// var arrivals = SeededRandom(seed: root, component: "traffic.arrivals")
/// let retrySeed = SeededRandom.derivedSeed(root, component: "resilience.retry-jitter")  // for APIs that take a seed
/// var request = SeededRandom(seed: root, stream: UInt64(requestIndex))  // a stream per request index
/// ```
///
/// Give each component a distinct label; numbered streams (`stream:`) are for many streams of one
/// purpose (one per request), and belong under a component's derived seed when more than one
/// purpose numbers its streams.
///
/// Use the helpers here (``nextUnitInterval()``, ``nextIndex(below:)``) rather than the standard
/// library's `random(in:using:)`, whose algorithm is not promised to stay the same across releases.
///
/// A value type: copy it to fork a sequence. Not shared between tasks; a component that draws from
/// several tasks keeps its generator behind a lock.
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A generator for `seed`; every seed (0 included) gives a usable, distinct sequence.
    public init(seed: UInt64) {
        var mixer = seed
        s0 = SplitMix64.next(&mixer)
        s1 = SplitMix64.next(&mixer)
        s2 = SplitMix64.next(&mixer)
        s3 = SplitMix64.next(&mixer)
    }

    /// Stream number `stream` of `seed`: independent of every other stream of the same seed, for
    /// example one per request index, so the order in which requests draw does not matter.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: Self.streamSeed(seed, stream))
    }

    /// The stream of `seed` that belongs to the component named `label` (see the type's
    /// documentation): `SeededRandom(seed: derivedSeed(seed, component: label))`.
    public init(seed: UInt64, component label: String) {
        self.init(seed: Self.derivedSeed(seed, component: label))
    }

    /// The seed of the component named `label` under `root`, for APIs that take a seed rather than
    /// a generator. Distinct labels give unrelated seeds; the same label always gives the same one.
    /// Labels may nest: `derivedSeed(derivedSeed(root, component: "mesh"), component: "transport")`.
    public static func derivedSeed(_ root: UInt64, component label: String) -> UInt64 {
        streamSeed(root, labelHash(label))
    }

    static func streamSeed(_ seed: UInt64, _ stream: UInt64) -> UInt64 {
        var mixer = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        return SplitMix64.next(&mixer) ^ stream
    }

    /// FNV-1a over the label's UTF-8 bytes, then mixed: stable across runs and platforms (unlike
    /// `Hasher`, which is seeded per process).
    static func labelHash(_ label: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in label.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return SplitMix64.mix(hash)
    }

    @inlinable
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

}

/// The draws every component makes, for any generator: a ``SeededRandom`` in a run, a scripted
/// source in a test. Written here once, instead of the standard library's `random(in:using:)`,
/// whose algorithm is not promised to stay the same across Swift versions: a seed must replay.
extension RandomNumberGenerator {
    /// A uniform value in `0 ..< 1` with 53 random bits.
    @inlinable
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform index in `0 ..< bound` (Lemire's multiply-shift; the bias is below 2⁻³² for any
    /// bound under 2³², far under what a run can observe). `bound` must be > 0.
    @inlinable
    public mutating func nextIndex(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "nextIndex(below:) needs a bound > 0")
        return next().multipliedFullWidth(by: bound).high
    }

    /// ``nextIndex(below:)`` for an `Int` count, such as a collection's: a uniform index in `0 ..< count`.
    /// `count` must be > 0.
    @inlinable
    public mutating func nextIndex(below count: Int) -> Int {
        precondition(count > 0, "nextIndex(below:) needs a count > 0, got \(count)")
        return Int(truncatingIfNeeded: nextIndex(below: UInt64(count)))
    }
}

extension UInt64 {
    @inlinable @inline(__always)
    func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
