import OTLP
import OTLPProto
import Randomness
import SwiftProtobuf
import Telemetry
import Testing

/// Random and mutated bodies through the whole receiving path (decode, then ingest): every one
/// is either kept or refused with an OTLP status, none crashes, and the store stays consistent.
@Suite("OTLP decoder fuzzing")
struct DecoderFuzzTests {
    static let bodies = 100_000

    private static func seeds() throws -> [(String, [UInt8])] {
        let traces: [UInt8] = try traceRequest([
            (resource("svc", instance: "i-1"), [span(1, 1, name: "GET /a", attributes: [("http.route", "/a")]),
                                                span(1, 2, parent: 1, name: "call", kind: .client, error: true)]),
        ]).serializedBytes()
        let metrics: [UInt8] = try OTLPMetricsRequest.with {
            $0.resourceMetrics = [.with {
                $0.resource = resource("svc")
                $0.scopeMetrics = [.with {
                    $0.metrics = [.with {
                        $0.name = "m"
                        $0.sum.isMonotonic = true
                        $0.sum.aggregationTemporality = .cumulative
                        $0.sum.dataPoints = [.with { $0.asInt = 3 }]
                    }, .with {
                        $0.name = "h"
                        $0.histogram.dataPoints = [.with { $0.count = 2; $0.bucketCounts = [1, 1]; $0.explicitBounds = [1] }]
                    }]
                }]
            }]
        }.serializedBytes()
        let json = Array(#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"j"}}]},"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#.utf8)
        return [("traces", traces), ("metrics", metrics), ("json", json)]
    }

    private static func mutate(_ seed: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var body = seed
        for _ in 0...random.nextIndex(below: 4) {
            switch random.nextIndex(below: 7) {
            case 0 where !body.isEmpty:  // flip a byte
                body[random.nextIndex(below: body.count)] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            case 1 where !body.isEmpty:  // truncate
                body.removeLast(random.nextIndex(below: body.count))
            case 2:  // insert random bytes
                let bytes = (0..<random.nextIndex(below: 16)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                body.insert(contentsOf: bytes, at: random.nextIndex(below: body.count + 1))
            case 3 where body.count > 2:  // duplicate a chunk
                let start = random.nextIndex(below: body.count - 1)
                let end = start + 1 + random.nextIndex(below: body.count - start - 1)
                body.insert(contentsOf: body[start..<end], at: random.nextIndex(below: body.count + 1))
            case 4 where !body.isEmpty:  // a varint's worth of 0xFF: lengths and tags far out of range
                body.insert(contentsOf: [UInt8](repeating: 0xFF, count: 1 + random.nextIndex(below: 10)), at: random.nextIndex(below: body.count))
            case 5:  // all random
                body = (0..<random.nextIndex(below: 256)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            default:
                break
            }
        }
        return body
    }

    @Test("100,000 random and mutated bodies: kept or refused, never a crash", .timeLimit(.minutes(5)))
    func fuzz() throws {
        let (system, _) = makeSystem(.init(traces: .init(maxTraces: 500, maxSpans: 2_000), maxServices: 64, maxMetricSeries: 500))
        let decoder = OTLPBodyDecoder(sizeLimit: 1 << 20)
        var random = SeededRandom(seed: 0x0F7A_2024, component: "otlp-fuzz")
        let seeds = try Self.seeds()
        var kept = 0, refused = 0
        for index in 0..<Self.bodies {
            let (kind, seed) = seeds[index % seeds.count]
            var body = Self.mutate(seed, &random)
            let gzip = random.nextIndex(below: 8) == 0
            if gzip { body = random.nextIndex(below: 2) == 0 ? gzipped(body) : Self.mutate(gzipped(seed), &random) }
            let contentType = kind == "json" ? "application/json" : "application/x-protobuf"
            do {
                if kind == "metrics" {
                    let (request, _) = try decoder.decode(OTLPMetricsRequest.self, body: body, contentType: contentType, contentEncoding: gzip ? "gzip" : nil)
                    _ = system.ingest(request)
                } else {
                    let (request, _) = try decoder.decode(OTLPTraceRequest.self, body: body, contentType: contentType, contentEncoding: gzip ? "gzip" : nil)
                    _ = system.ingest(request)
                }
                kept += 1
            } catch {
                #expect([400, 413].contains(error.status.rawValue), "\(error)")
                refused += 1
            }
            if index % 1_000 == 0 { _ = system.snapshot() }
        }
        #expect(kept + refused == Self.bodies)
        #expect(kept > 1_000 && refused > 1_000, "the mutations reach both sides: kept \(kept), refused \(refused)")
        let stats = system.traces.stats
        #expect(stats.storedTraces <= 500 && stats.storedSpans <= 2_000)
        _ = system.snapshot()
    }
}
