#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ServiceMesh
import Telemetry

/// The fingerprint of a simulated run: SHA-256 over what the run left, in an order that does not
/// depend on the process (no `Set` or `Dictionary` order, no hasher seed).
///
/// What goes in, in this order, each part introduced by a header line:
/// 1. every event the log still holds, oldest first (by id), as JSON with sorted keys: its id,
///    its times (virtual, and Unix time from the run's fixed origin), source, kind, message,
///    attributes and trace id; then how many were evicted;
/// 2. the final metrics as Prometheus exposition text (whose series are sorted);
/// 3. every stored trace, by trace id, with its spans by span id, as JSON with sorted keys
///    (times, names, status, attributes by key, events, links).
///
/// Two runs of the same seed and options give the same digest; a different digest means the
/// runs differed somewhere in those three.
public enum SimulationDigest {
    /// The hex digest of `mesh`'s events, metrics and traces now.
    public static func of(_ mesh: Mesh) -> String {
        var hasher = SHA256()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let telemetry = mesh.telemetry

        let events = telemetry.events.recent().sorted { $0.id < $1.id }
        hasher.update("events \(events.count) dropped \(telemetry.events.dropped)\n")
        for event in events {
            hasher.update(json(event, encoder))
            hasher.update("\n")
        }

        hasher.update("metrics\n")
        hasher.update(PrometheusExposition.render(telemetry.metricsStore))

        let store = telemetry.traces
        let ids = store.page(TraceQuery(limit: 1 << 30)).rows.map(\.traceId).sorted()
        hasher.update("traces \(ids.count)\n")
        for id in ids {
            guard var tree = store.tree(hex: id) else { continue }
            tree.spans.sort { $0.spanId < $1.spanId }
            hasher.update(json(tree, encoder))
            hasher.update("\n")
        }
        return SHA256.hexString(hasher.finalize())
    }

    private static func json<T: Encodable>(_ value: T, _ encoder: JSONEncoder) -> [UInt8] {
        // Encoding these plain records cannot fail; if it ever did, the digest says so rather than crash.
        (try? Array(encoder.encode(value))) ?? Array("unencodable\n".utf8)
    }
}
