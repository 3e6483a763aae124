import Randomness
import Synchronization

/// A W3C trace id: 16 bytes, written as 32 lowercase hex digits. All zeros is invalid.
public struct TraceID: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    public var isValid: Bool { high != 0 || low != 0 }

    public var description: String { hex(high) + hex(low) }

    /// Parses exactly 32 lowercase hex digits; nil otherwise.
    public init?<S: StringProtocol>(hex text: S) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 32, let high = parseHex(utf8[0..<16]), let low = parseHex(utf8[16..<32]) else { return nil }
        self.init(high: high, low: low)
    }
}

/// A W3C span id (parent id): 8 bytes, written as 16 lowercase hex digits. Zero is invalid.
public struct SpanID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    public var isValid: Bool { value != 0 }

    public var description: String { hex(value) }

    /// Parses exactly 16 lowercase hex digits; nil otherwise.
    public init?<S: StringProtocol>(hex text: S) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 16, let value = parseHex(utf8[0..<16]) else { return nil }
        self.init(value)
    }
}

/// Makes trace and span ids: a splitmix64 sequence (`SplitMix64`) over an atomic counter, so it is
/// lock-free, costs a few nanoseconds, and with a fixed seed repeats exactly (deterministic runs and tests).
///
/// Not cryptographically random: ids identify, they do not protect. The default seed comes from
/// the system's random source once.
public final class IDGenerator: Sendable {
    private let state: Atomic<UInt64>

    public init(seed: UInt64? = nil) {
        var system = SystemRandomNumberGenerator()
        state = Atomic(seed ?? system.next())
    }

    /// A non-zero 64-bit id.
    public func next() -> UInt64 {
        while true {
            let value = SplitMix64.mix(state.wrappingAdd(SplitMix64.increment, ordering: .relaxed).newValue)
            if value != 0 { return value }
        }
    }

    /// Two draws for one atomic step: a new trace is begun on every request from outside.
    public func traceID() -> TraceID {
        while true {
            let base = state.wrappingAdd(2 &* SplitMix64.increment, ordering: .relaxed).newValue
            let id = TraceID(high: SplitMix64.mix(base &- SplitMix64.increment), low: SplitMix64.mix(base))
            if id.isValid { return id }
        }
    }

    public func spanID() -> SpanID { SpanID(next()) }
}

/// `digits` lowercase hex digits of `value` (its low `4 × digits` bits), written at `offset`.
@inline(__always)
func writeHex(_ value: UInt64, digits: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
    for index in 0..<digits {
        let nibble = UInt8(truncatingIfNeeded: value >> UInt64(4 * (digits - 1 - index))) & 0xF
        buffer[offset + index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

private func hex(_ value: UInt64) -> String {
    String(unsafeUninitializedCapacity: 16) { buffer in
        writeHex(value, digits: 16, into: buffer, at: 0)
        return 16
    }
}

/// Lowercase hex only, as W3C Trace Context requires.
func parseHex(_ bytes: ArraySlice<UInt8>) -> UInt64? {
    bytes.withUnsafeBufferPointer { parseHex($0, 0..<$0.count) }
}

/// The hex number in `bytes[range]` (at most 16 digits); lowercase only. Runs on every hop, so it
/// reads the buffer directly rather than through a generic slice, and it does not branch on the
/// digits: ids are random, and a branch on whether each digit is a letter mispredicts so often
/// that parsing a `traceparent` took ≈ 200 ns instead of ≈ 45.
@inline(__always)
func parseHex(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
    var value: UInt64 = 0
    var valid: UInt8 = 1
    for index in range {
        let byte = bytes[index]
        // '0'...'9' are 0x30...0x39 and 'a'...'f' 0x61...0x66: the low nibble, plus 9 for a letter.
        let isDecimal: UInt8 = byte &- UInt8(ascii: "0") < 10 ? 1 : 0
        let isLetter: UInt8 = byte &- UInt8(ascii: "a") < 6 ? 1 : 0
        valid &= isDecimal | isLetter
        value = value << 4 | UInt64((byte & 0xF) &+ 9 &* isLetter)
    }
    return valid == 1 ? value : nil
}

/// The 16 lowercase hex digits at `bytes[offset..<offset + 16]`, or nil: what
/// ``parseHex(_:_:)`` gives for them, eight digits at a time in one 64-bit word each (SWAR).
/// A `traceparent` carries three such groups, on every hop. The caller checks the bounds.
@inline(__always)
func parseHex16(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt64? {
    let raw = UnsafeRawPointer(bytes.baseAddress! + offset)
    guard let high = parseHex8(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))),
          let low = parseHex8(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    else { return nil }
    return UInt64(high) << 32 | UInt64(low)
}

/// Eight ASCII hex digits, the first in the lowest byte, as a number; nil unless every byte is
/// `0`…`9` or `a`…`f`.
@inline(__always)
private func parseHex8(_ word: UInt64) -> UInt32? {
    let ones: UInt64 = 0x0101_0101_0101_0101, highBits: UInt64 = 0x8080_8080_8080_8080
    // No byte may have its top bit set; then adding at most 0x80 to a byte cannot carry into the next.
    guard word & highBits == 0 else { return nil }
    // A byte's top bit after `byte + (0x80 - low)` says byte ≥ low; after `byte + (0x7F - high)`, byte > high.
    func inRange(_ low: UInt64, _ high: UInt64) -> UInt64 {
        (word &+ ones &* (0x80 - low)) & ~(word &+ ones &* (0x7F - high)) & highBits
    }
    guard inRange(0x30, 0x39) | inRange(0x61, 0x66) == highBits else { return nil }
    // A digit's value is its low nibble, plus 9 for a letter (bit 6 set).
    let nibbles = (word & (ones &* 0x0F)) &+ ((word >> 6) & ones) &* 9
    // Pack: byte pairs into bytes (first digit high), then those four bytes into one word.
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF
    let quads = (pairs | (pairs >> 8)) & 0x0000_FFFF_0000_FFFF
    let packed = UInt32(truncatingIfNeeded: quads | (quads >> 16))
    return packed.byteSwapped
}

