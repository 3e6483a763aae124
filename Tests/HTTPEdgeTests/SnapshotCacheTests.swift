@testable import HTTPEdge
import Hummingbird
import Telemetry
import Testing

@Suite("Snapshot cache")
struct SnapshotCacheTests {
    @Test("a clear while a response is being made keeps that response out of the cache")
    func clearDuringRefresh() async {
        let clock = ManualClock()
        let cache = SnapshotCache(maxAge: .milliseconds(100), time: TimeSource(clock: clock))
        var made = 0
        // A control command lands while the snapshot is being taken: what was taken is from before it.
        _ = await cache.response(window: 10) {
            made += 1
            cache.clear()
            return Response(status: .ok)
        }
        _ = await cache.response(window: 10) {
            made += 1
            return Response(status: .ok)
        }
        #expect(made == 2)
    }

    @Test("windows are cached apart, and an error response is not kept")
    func windowsAndErrors() async {
        let clock = ManualClock()
        let cache = SnapshotCache(maxAge: .milliseconds(100), time: TimeSource(clock: clock))
        var made = 0
        for window in [10, 30, 10, 30] {
            _ = await cache.response(window: window) {
                made += 1
                return Response(status: .ok)
            }
        }
        #expect(made == 2)
        for _ in 0..<2 {
            _ = await cache.response(window: 5) {
                made += 1
                return Response(status: .internalServerError)
            }
        }
        #expect(made == 4)
    }
}
