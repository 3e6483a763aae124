/// OTLP's JSON encoding departs from protobuf's JSON mapping in one way that a protobuf JSON
/// decoder cannot be told about: trace and span ids are hex strings, not base64. This rewrites
/// them to base64 so the generated types decode them; everything else passes through unchanged.
enum OTLPJSON {
    struct InvalidID: Error, CustomStringConvertible {
        var field: String
        var value: String
        var description: String {
            "\(field) \"\(value.prefix(64))\" is not hex: OTLP JSON writes ids as hex strings (32 digits for a trace id, 16 for a span id)"
        }
    }

    /// The JSON fields that hold ids, in every OTLP message (spans, links, log records, exemplars).
    static let idFields: Set<String> = ["traceId", "spanId", "parentSpanId"]

    /// `json` with the hex string values of ``idFields`` replaced by their base64.
    ///
    /// A scan, not a parse: strings are found with their escapes so that text inside a value is
    /// never taken for a key; the structure is left for the protobuf decoder to check.
    static func hexIDsToBase64(_ json: [UInt8]) throws(InvalidID) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(json.count)
        var index = 0
        var idKey: String?
        var valueExpected = false
        while index < json.count {
            let byte = json[index]
            guard byte == UInt8(ascii: "\"") else {
                output.append(byte)
                index += 1
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): break
                case UInt8(ascii: ":"): valueExpected = idKey != nil
                default:
                    idKey = nil
                    valueExpected = false
                }
                continue
            }
            let end = stringEnd(json, from: index)
            let content = json[(index + 1)..<max(index + 1, end - 1)]
            if valueExpected, let field = idKey {
                output.append(UInt8(ascii: "\""))
                output.append(contentsOf: try base64(ofHex: content, field: field))
                output.append(UInt8(ascii: "\""))
                idKey = nil
                valueExpected = false
            } else {
                output.append(contentsOf: json[index..<end])
                var next = end
                while next < json.count, [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(json[next]) { next += 1 }
                let isKey = next < json.count && json[next] == UInt8(ascii: ":")
                idKey = isKey ? idFields.first { $0.utf8.elementsEqual(content) } : nil
                valueExpected = false
            }
            index = end
        }
        return output
    }

    /// The index just past the string that starts at `start` (its closing quote included), or
    /// the end of `json` for a string left open.
    private static func stringEnd(_ json: [UInt8], from start: Int) -> Int {
        var index = start + 1
        while index < json.count {
            switch json[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return json.count
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static func base64(ofHex hex: ArraySlice<UInt8>, field: String) throws(InvalidID) -> [UInt8] {
        guard hex.count % 2 == 0 else { throw InvalidID(field: field, value: String(decoding: hex, as: UTF8.self)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var position = hex.startIndex
        while position < hex.endIndex {
            guard let high = nibble(hex[position]), let low = nibble(hex[position + 1]) else {
                throw InvalidID(field: field, value: String(decoding: hex, as: UTF8.self))
            }
            bytes.append(high << 4 | low)
            position += 2
        }
        return encodeBase64(bytes)
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func encodeBase64(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = bytes[index], b1 = remaining > 1 ? bytes[index + 1] : 0, b2 = remaining > 2 ? bytes[index + 2] : 0
            output.append(base64Alphabet[Int(b0 >> 2)])
            output.append(base64Alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(remaining > 1 ? base64Alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? base64Alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return output
    }
}
