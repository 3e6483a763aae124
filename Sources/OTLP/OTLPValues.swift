import OTLPProto
import Telemetry
import Tracing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// OTLP's attribute values in meshtop's terms: span attributes for spans, text for series
/// dimensions and resources.
enum OTLPValues {
    static func attribute(_ value: OTLPAnyValue) -> SpanAttribute {
        switch value.value {
        case .stringValue(let text): .string(text)
        case .boolValue(let flag): .bool(flag)
        case .intValue(let number): .int64(number)
        case .doubleValue(let number): .double(number)
        case .arrayValue(let array): arrayAttribute(array.values)
        case .kvlistValue, .bytesValue, .stringValueStrindex, nil: .string(text(value))
        }
    }

    private static func arrayAttribute(_ values: [OTLPAnyValue]) -> SpanAttribute {
        var strings: [String] = [], ints: [Int64] = [], doubles: [Double] = [], bools: [Bool] = []
        for value in values {
            switch value.value {
            case .stringValue(let text): strings.append(text)
            case .intValue(let number): ints.append(number)
            case .doubleValue(let number): doubles.append(number)
            case .boolValue(let flag): bools.append(flag)
            default: return .string(text(OTLPAnyValue.with { $0.arrayValue.values = values }))
            }
        }
        switch values.count {
        case strings.count: return .stringArray(strings)
        case ints.count: return .int64Array(ints)
        case doubles.count: return .doubleArray(doubles)
        case bools.count: return .boolArray(bools)
        default: return .string(text(OTLPAnyValue.with { $0.arrayValue.values = values }))
        }
    }

    /// A value as text: strings as they are, arrays and maps in a JSON-like form, bytes in hex.
    static func text(_ value: OTLPAnyValue) -> String {
        switch value.value {
        case .stringValue(let text): text
        case .boolValue(let flag): "\(flag)"
        case .intValue(let number): "\(number)"
        case .doubleValue(let number): "\(number)"
        case .arrayValue(let array): "[" + array.values.map(quoted).joined(separator: ", ") + "]"
        case .kvlistValue(let list): "{" + list.values.map { "\($0.key): \(quoted($0.value))" }.joined(separator: ", ") + "}"
        case .bytesValue(let bytes): bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        case .stringValueStrindex(let index): "#\(index)"
        case nil: ""
        }
    }

    private static func quoted(_ value: OTLPAnyValue) -> String {
        if case .stringValue(let text) = value.value { return "\"\(text)\"" }
        return text(value)
    }

    /// Attributes as text, for a resource or a data point's dimensions.
    static func texts(_ attributes: [OTLPKeyValue]) -> [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(attributes.count)
        for attribute in attributes { result[attribute.key] = text(attribute.value) }
        return result
    }

    static func traceID(_ bytes: Data) -> TraceID? {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for (offset, byte) in bytes.enumerated() {
            if offset < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        let id = TraceID(high: high, low: low)
        return id.isValid ? id : nil
    }

    static func spanID(_ bytes: Data) -> SpanID? {
        guard bytes.count == 8 else { return nil }
        let id = SpanID(bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        return id.isValid ? id : nil
    }

    static func bytes(_ id: TraceID) -> Data {
        var data = Data(count: 16)
        for index in 0..<8 {
            data[index] = UInt8(truncatingIfNeeded: id.high >> (56 - 8 * index))
            data[8 + index] = UInt8(truncatingIfNeeded: id.low >> (56 - 8 * index))
        }
        return data
    }

    static func bytes(_ id: SpanID) -> Data {
        var data = Data(count: 8)
        for index in 0..<8 { data[index] = UInt8(truncatingIfNeeded: id.value >> (56 - 8 * index)) }
        return data
    }

    static func otlpValue(_ attribute: SpanAttribute) -> OTLPAnyValue {
        var value = OTLPAnyValue()
        switch attribute {
        case .int32(let number): value.intValue = Int64(number)
        case .int64(let number): value.intValue = number
        case .double(let number): value.doubleValue = number
        case .bool(let flag): value.boolValue = flag
        case .string(let text): value.stringValue = text
        case .int32Array(let numbers): value.arrayValue.values = numbers.map { number in OTLPAnyValue.with { $0.intValue = Int64(number) } }
        case .int64Array(let numbers): value.arrayValue.values = numbers.map { number in OTLPAnyValue.with { $0.intValue = number } }
        case .doubleArray(let numbers): value.arrayValue.values = numbers.map { number in OTLPAnyValue.with { $0.doubleValue = number } }
        case .boolArray(let flags): value.arrayValue.values = flags.map { flag in OTLPAnyValue.with { $0.boolValue = flag } }
        case .stringArray(let texts): value.arrayValue.values = texts.map { text in OTLPAnyValue.with { $0.stringValue = text } }
        case .stringConvertible(let item): value.stringValue = "\(item)"
        case .stringConvertibleArray(let items): value.arrayValue.values = items.map { item in OTLPAnyValue.with { $0.stringValue = "\(item)" } }
        default: value.stringValue = "\(attribute)"
        }
        return value
    }

    static func keyValues(_ attributes: SpanAttributes) -> [OTLPKeyValue] {
        var list: [OTLPKeyValue] = []
        attributes.forEach { key, attribute in
            list.append(OTLPKeyValue.with {
                $0.key = key
                $0.value = otlpValue(attribute)
            })
        }
        // Dictionary order is not an order: sent sorted, so a run's requests are the same bytes.
        return list.sorted { $0.key < $1.key }
    }

    static func keyValues(_ pairs: [(String, String)]) -> [OTLPKeyValue] {
        pairs.map { pair in
            OTLPKeyValue.with {
                $0.key = pair.0
                $0.value.stringValue = pair.1
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
