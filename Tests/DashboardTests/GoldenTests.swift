import Foundation
import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// Whole views rendered from the fixture snapshot, compared with files in Golden/.
/// To accept a deliberate change: `UPDATE_GOLDEN=1 swift test --filter GoldenTests`, then review the diff.
@Suite("Golden views")
struct GoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    func check(_ name: String, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = GoldenTests.directory.appendingPathComponent(name + ".golden")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try (text + "\n").write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let actualLines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(actualLines == expectedLines, "\(name).golden differs", sourceLocation: sourceLocation)
    }

    @Test(arguments: [DashboardView.services, .breakers, .traces, .events, .trace])
    func views(view: DashboardView) throws {
        let text = Fixtures.text(view, width: 120, height: 24)
        try check(view.rawValue, text)
    }

    @Test func servicesInASCIIAt80Columns() throws {
        try check("services-ascii-80", Fixtures.text(.services, width: 80, height: 15, glyphs: .ascii))
    }

    @Test func traceDetailInASCIIAt60Columns() throws {
        try check("trace-ascii-60", Fixtures.text(.trace, width: 60, height: 20, glyphs: .ascii))
    }

    @Test func traceViewWithNoTraceStoredSaysSo() {
        let empty = SystemSnapshot(system: "storefront", takenAt: 0, uptimeSeconds: 0, windowSeconds: 10)
        let text = Fixtures.text(.trace, snapshot: empty, width: 60, height: 15)
        #expect(text.contains("no trace stored yet"))
        #expect(!text.contains("no longer stored"))
    }

    @Test func serviceDetail() throws {
        var state = DashboardState(width: 100, height: 40, snapshot: Fixtures.snapshot)
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.enter))
        try check("service-detail", DashboardRenderer.render(state, glyphs: .unicode).plainText())
    }

    @Test("a service's detail lists its subscriptions with their lag, and says nothing of them when it has none")
    func serviceDetailShowsSubscriptionLag() throws {
        var snapshot = Fixtures.snapshot
        let index = try #require(snapshot.services.firstIndex { $0.name == "notification" })
        snapshot.services[index].subscriptions = [
            SubscriptionStatus(topic: "orders", partitions: 8, queued: 3, secondsBehind: 0.2, peakQueued: 41, peakSecondsBehind: 0.35, deadLettered: 2),
            SubscriptionStatus(topic: "users", partitions: 1, peakQueued: 1, peakSecondsBehind: 0.004),
        ]
        var state = DashboardState(width: 120, height: 40, snapshot: snapshot)
        state.detail = .service(name: "notification")
        let lines = DashboardRenderer.render(state, glyphs: .unicode).plainText().split(separator: "\n").map(String.init)
        let heading = try #require(lines.firstIndex { $0.hasPrefix(" SUBSCRIPTIONS") })
        #expect(lines[heading + 1] == "   orders               8 partitions  3 queued, 200ms behind        peak 41 queued, 350ms behind  2 dead-lettered")
        #expect(lines[heading + 2] == "   users                1 partition   up to date                    peak 1 queued, 4.0ms behind")
        state.detail = .service(name: "gateway")
        #expect(!DashboardRenderer.render(state, glyphs: .unicode).plainText().contains("SUBSCRIPTIONS"))
    }

    @Test func breakerDetail() throws {
        var state = DashboardState(width: 100, height: 30, snapshot: Fixtures.snapshot)
        _ = Fixtures.send(&state, .key(.char("2")))
        _ = Fixtures.send(&state, .key(.enter))
        try check("breaker-detail", DashboardRenderer.render(state, glyphs: .unicode).plainText())
    }

    @Test func help() throws {
        var state = DashboardState(width: 100, height: 70, snapshot: Fixtures.snapshot)
        _ = update(&state, .key(.char("?")))
        try check("help", DashboardRenderer.render(state, glyphs: .unicode).plainText())
    }

    @Test func tooSmall() throws {
        let text = Fixtures.text(.services, width: 59, height: 15)
        try check("too-small", text)
        #expect(text.contains("terminal too small (need 60×15)"))
    }

    @Test func noSnapshotYet() throws {
        let state = DashboardState(width: 80, height: 15)
        try check("waiting", DashboardRenderer.render(state, glyphs: .unicode).plainText())
    }
}

/// The Topology view at the smallest and a large terminal, in Unicode and ASCII.
@Suite("Golden topology")
struct TopologyGoldenTests {
    let golden = GoldenTests()

    @Test(arguments: [(80, 24), (200, 60)], [true, false])
    func storefront(size: (Int, Int), unicode: Bool) throws {
        let text = Fixtures.text(.topology, snapshot: TopologyFixtures.storefront, width: size.0, height: size.1, glyphs: unicode ? .unicode : .ascii)
        try golden.check("topology-\(unicode ? "" : "ascii-")\(size.0)x\(size.1)", text)
    }

    @Test(arguments: [(80, 24), (200, 60)])
    func twelveServices(size: (Int, Int)) throws {
        let text = Fixtures.text(.topology, snapshot: TopologyFixtures.streaming, width: size.0, height: size.1)
        try golden.check("topology-12-services-\(size.0)x\(size.1)", text)
    }

    @Test func twelveServicesScrolledToTheEnd() throws {
        var state = DashboardState(width: 80, height: 24, snapshot: TopologyFixtures.streaming)
        _ = update(&state, .key(.char("6")))
        _ = update(&state, .key(.char("G")))
        try golden.check("topology-12-services-80x24-end", DashboardRenderer.render(state, glyphs: .unicode).plainText())
    }
}
