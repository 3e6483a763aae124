import Randomness
import Synchronization

/// An event's identity: unique across the whole store, and the key of idempotent appends (an
/// outbox that retries an append passes the same ids again).
///
/// Any non-empty string is accepted, so an event can keep an id given elsewhere; ids made here
/// come from an ``EventIDGenerator`` and look like UUIDs (`3f2b…-4…`).
public struct EventID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: EventID, rhs: EventID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Makes UUID-shaped event ids (version 4 layout) from a seeded generator, never from global
/// randomness: the same seed gives the same ids, so a simulated run replays exactly.
///
/// Thread safety: ``next()`` may be called from any task (the generator sits behind a lock).
public final class EventIDGenerator: Sendable {
    private let random: Mutex<SeededRandom>

    public init(random: SeededRandom) {
        self.random = Mutex(random)
    }

    /// A generator on the `event-store.ids` stream of `seed`.
    public convenience init(seed: UInt64) {
        self.init(random: SeededRandom(seed: seed, component: "event-store.ids"))
    }

    public func next() -> EventID {
        let (high, low) = random.withLock { ($0.next(), $0.next()) }
        // Version 4 and the RFC 4122 variant, so tools that parse UUIDs accept them.
        let versioned = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let varianted = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return EventID(Self.format(versioned, varianted))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case.
    static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var index = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[index] = hexDigits[Int((value >> UInt64(shift)) & 0xF)]
                    index += 1
                }
            }
            func dash() {
                buffer[index] = UInt8(ascii: "-")
                index += 1
            }
            put(high >> 32, nibbles: 8); dash()
            put(high >> 16, nibbles: 4); dash()
            put(high, nibbles: 4); dash()
            put(low >> 48, nibbles: 4); dash()
            put(low, nibbles: 12)
            return index
        }
    }
}
