import Foundation
import MallocInterposerSwift
import OTLP
import OTLPProto
import SwiftProtobuf
import Synchronization
import Telemetry

/// `meshtop watch`'s figures: what an OTLP/HTTP trace request of 512 spans costs the receiver
/// from its body to the store (decoded, converted, stored, its figures and calls derived), against
/// decoding the same body alone; the same with two ingesting tasks, as the HTTP server runs
/// requests on both cores; and the memory of a store holding 10,000 traces.
func registerOTLPBenchmarks(on runner: BenchmarkRunner) async {
    runner.declareBaselines(["otlp.decode-512-spans"])
    // 256 bodies of 512 spans: 100 traces of five spans across three services (frontend → orders →
    // payments, with two client spans), plus 12 spans of one more. 25,600 traces in all, so cycling
    // through them keeps the 10,000-trace store full and evicting, as a busy sender does.
    var bodies = (0..<256).map { batch in otlpBatch(batch) }
    // Where each body's trace ids are, so each pass through the bodies stamps its own generation
    // into them (bytes 1–4 of the 16): every request then brings new traces, as a live sender's do.
    let traceIDOffsets = bodies.map(traceIDOffsets)
    var generation: UInt32 = 0
    func nextBody(_ index: Int) -> [UInt8] {
        let slot = index % bodies.count
        if slot == 0 { generation &+= 1 }
        for offset in traceIDOffsets[slot] {
            withUnsafeBytes(of: generation.bigEndian) { bytes in
                for byte in 0..<4 { bodies[slot][offset + 1 + byte] = bytes[byte] }
            }
        }
        return bodies[slot]
    }
    let decoder = OTLPBodyDecoder()
    let first = try? OTLPTraceRequest(serializedBytes: bodies[0])
    let spansPerBody = first?.resourceSpans.reduce(0) { $0 + $1.scopeSpans.reduce(0) { $0 + $1.spans.count } } ?? 0
    runner.require("otlp.decode-512-spans", spansPerBody == 512, "a body holds \(spansPerBody) spans, not 512")
    runner.require("otlp.decode-512-spans", traceIDOffsets.allSatisfy { $0.count == 512 }, "a body's 512 trace ids were not all found")
    runner.measure("otlp.decode-512-spans", iterations: 2_000, note: "SwiftProtobuf decoding one 512-span ExportTraceServiceRequest (\(bodies[0].count / 1_024) KiB), nothing else") { n in
        for index in 0..<n { blackHole(try? OTLPTraceRequest(serializedBytes: bodies[index % bodies.count])) }
    }

    let system = otlpSystem()
    runner.require("otlp.ingest-512-spans", (try? decoder.decode(OTLPTraceRequest.self, body: bodies[0], contentType: "application/x-protobuf", contentEncoding: nil))
        .map { system.ingest($0.0).accepted } == 512, "a body's 512 spans were not all accepted")
    var batches = 0
    runner.measure("otlp.ingest-512-spans", baseline: "otlp.decode-512-spans", iterations: 2_000,
                   note: "a 512-span protobuf request into a 10,000-trace store: decoded, converted, stored, route figures and calls derived") { n in
        for _ in 0..<n {
            let body = nextBody(batches)
            batches += 1
            guard let (request, _) = try? decoder.decode(OTLPTraceRequest.self, body: body, contentType: "application/x-protobuf", contentEncoding: nil) else { continue }
            blackHole(system.ingest(request))
        }
    }
    let stats = system.traces.stats
    runner.require("otlp.ingest-512-spans", stats.storedTraces == 10_000 && stats.droppedTraces > 0,
                   "the store holds \(stats.storedTraces) traces and dropped \(stats.droppedTraces): its bound did not hold or was never reached")
    if let ingest = runner.results.last(where: { $0.name == "otlp.ingest-512-spans" }) {
        let spansPerSecond = 512 * 1e9 / ingest.nsPerOp
        runner.record(name: "otlp.ingest-spans-per-second", nsPerOp: ingest.nsPerOp / 512,
                      note: "one task: \(Int(spansPerSecond).formatted()) spans/s; target ≥ 100,000 (\(stats.storedTraces.formatted()) traces kept, \(stats.droppedTraces.formatted()) dropped to the bound)")
    }

    // Two tasks at once, as two HTTP requests on the two cores: ns per batch of wall time.
    let shared = otlpSystem()
    let generations = GenerationCounter()
    await runner.measureAsync("otlp.ingest-512-spans-2-tasks", baseline: "otlp.ingest-512-spans", iterations: 2_000,
                              note: "two tasks ingesting at once into one store; ns per batch of wall time") { n in
        await withTaskGroup(of: Void.self) { [bodies] group in
            for lane in 0..<2 {
                group.addTask {
                    var own = bodies
                    for index in stride(from: lane, to: n, by: 2) {
                        let slot = index % own.count
                        let generation = generations.next()
                        for offset in traceIDOffsets[slot] {
                            withUnsafeBytes(of: generation.bigEndian) { bytes in
                                for byte in 0..<4 { own[slot][offset + 1 + byte] = bytes[byte] }
                            }
                        }
                        guard let (request, _) = try? decoder.decode(OTLPTraceRequest.self, body: own[slot],
                                                                     contentType: "application/x-protobuf", contentEncoding: nil) else { continue }
                        blackHole(shared.ingest(request))
                    }
                }
            }
        }
    }

    // Memory: a fresh store filled to 10,000 traces of five spans. Run alone for a clean reading
    // (`--filter otlp.rss`): in a full run, memory freed by earlier figures is reused.
    let rssName = "otlp.rss-10k-traces"
    guard runner.shouldRun(rssName) else { return }
    // The heap it holds: bytes allocated and not freed while it filled (malloc-interposer counts
    // both), whatever memory earlier work freed for reuse.
    let before = residentBytes()
    MallocInterposerSwift.hook()
    let filled = otlpSystem()
    for body in bodies.prefix(100) {
        if let (request, _) = try? decoder.decode(OTLPTraceRequest.self, body: body, contentType: "application/x-protobuf", contentEncoding: nil) {
            _ = filled.ingest(request)
        }
    }
    MallocInterposerSwift.unhook()
    let counted = MallocInterposerSwift.getStatistics()
    MallocInterposerSwift.reset()
    let filledStats = filled.traces.stats
    runner.require(rssName, filledStats.storedTraces == 10_000, "the store holds \(filledStats.storedTraces) traces, not 10,000")
    let after = residentBytes()
    let heap = Double(counted.mallocBytesCount - counted.freeBytesCount) / 1_048_576
    runner.record(name: rssName, nsPerOp: 0,
                  note: String(format: "a watch filled to 10,000 traces (%d spans) holds %.1f MiB of heap; resident memory grew %.1f MiB (process RSS %.0f MiB)",
                               filledStats.storedSpans, heap, Double(after - before) / 1_048_576, Double(after) / 1_048_576))
    blackHole(filled)
}

/// A watch as `meshtop watch` makes it, on a clock that never moves (the figures are per request).
private func otlpSystem() -> WatchedSystem {
    WatchedSystem(time: TimeSource(clock: ManualClock(), originUnixNanoseconds: 1_700_000_000_000_000_000))
}

/// Where a body's 16-byte trace ids are: each is field 1 of a span (tag 0x0A, length 0x10) and
/// begins with the byte 1 ``otlpBatch`` gives every trace id; the offset of that byte.
private func traceIDOffsets(_ body: [UInt8]) -> [Int] {
    var offsets: [Int] = []
    var index = 0
    while index + 2 < body.count {
        if body[index] == 0x0A, body[index + 1] == 0x10, body[index + 2] == 0x01 {
            offsets.append(index + 2)
            index += 18
        } else {
            index += 1
        }
    }
    return offsets
}

/// The generations the two ingesting tasks stamp into trace ids, one per request, never repeated.
private final class GenerationCounter: Sendable {
    private let value = Atomic<UInt32>(1_000_000)
    func next() -> UInt32 { value.wrappingAdd(1, ordering: .relaxed).newValue }
}

/// The process's resident set size, from /proc/self/statm.
private func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// One 512-span request: 100 traces of frontend → orders → payments (each a server span and, for
/// the first two, a client span), then 12 more server spans of a fourth service.
private func otlpBatch(_ batch: Int) -> [UInt8] {
    func id(_ bytes: Int, _ value: Int) -> Data {
        var data = Data(count: bytes)
        for index in 0..<8 { data[bytes - 1 - index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        data[0] = 1
        return data
    }
    func resource(_ name: String) -> Opentelemetry_Proto_Resource_V1_Resource {
        .with {
            $0.attributes = [
                .with { $0.key = "service.name"; $0.value.stringValue = name },
                .with { $0.key = "service.instance.id"; $0.value.stringValue = name + "-1" },
            ]
        }
    }
    let start: UInt64 = 1_700_000_000_000_000_000
    func span(trace: Int, id spanID: Int, parent: Int?, name: String, kind: Opentelemetry_Proto_Trace_V1_Span.SpanKind, route: String?,
              error: Bool = false) -> Opentelemetry_Proto_Trace_V1_Span {
        .with {
            $0.traceID = id(16, trace)
            $0.spanID = id(8, spanID)
            if let parent { $0.parentSpanID = id(8, parent) }
            $0.name = name
            $0.kind = kind
            $0.startTimeUnixNano = start + UInt64(spanID) * 1_000
            $0.endTimeUnixNano = start + UInt64(spanID) * 1_000 + 2_000_000
            if let route { $0.attributes = [.with { $0.key = "http.route"; $0.value.stringValue = route }] }
            $0.attributes.append(.with { $0.key = "http.response.status_code"; $0.value.intValue = error ? 500 : 200 })
            if error { $0.status.code = .error }
        }
    }
    var frontend: [Opentelemetry_Proto_Trace_V1_Span] = []
    var orders: [Opentelemetry_Proto_Trace_V1_Span] = []
    var payments: [Opentelemetry_Proto_Trace_V1_Span] = []
    for traceIndex in 0..<100 {
        let trace = batch * 100 + traceIndex + 1
        let base = trace * 8
        let fails = trace % 20 == 0
        frontend.append(span(trace: trace, id: base, parent: nil, name: "GET /checkout", kind: .server, route: "/checkout", error: fails))
        frontend.append(span(trace: trace, id: base + 1, parent: base, name: "POST orders", kind: .client, route: nil))
        orders.append(span(trace: trace, id: base + 2, parent: base + 1, name: "POST /orders", kind: .server, route: "/orders", error: fails))
        orders.append(span(trace: trace, id: base + 3, parent: base + 2, name: "POST payments", kind: .client, route: nil))
        payments.append(span(trace: trace, id: base + 4, parent: base + 3, name: "POST /charge", kind: .server, route: "/charge", error: fails))
    }
    let extra = (0..<12).map { index in
        span(trace: 1_000_000 + batch * 12 + index, id: 1_000_000 + batch * 12 + index, parent: nil, name: "GET /health", kind: .server, route: "/health")
    }
    let request = OTLPTraceRequest.with {
        $0.resourceSpans = [("frontend", frontend), ("orders", orders), ("payments", payments), ("inventory", extra)].map { name, spans in
            .with {
                $0.resource = resource(name)
                $0.scopeSpans = [.with { $0.scope.name = "bench"; $0.spans = spans }]
            }
        }
    }
    return (try? request.serializedBytes()) ?? []
}
