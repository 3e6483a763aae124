import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// The header says what sampling kept and dropped, only when fewer than all traces are sampled.
@Suite("Sampling in the header")
struct SamplingHeaderTests {
    static let sampling = SamplingStatus(ratio: 0.1, sampledTraces: 1_234, tailKeptTraces: 56, sampledOutTraces: 9_876, sampledOutSpans: 40_210)

    static var snapshot: SystemSnapshot {
        var snapshot = Fixtures.snapshot
        snapshot.sampling = sampling
        return snapshot
    }

    static func header(_ snapshot: SystemSnapshot, width: Int, glyphs: Glyphs = .unicode) -> String {
        let state = DashboardState(width: width, height: 24, snapshot: snapshot)
        return String(DashboardRenderer.render(state, glyphs: glyphs).plainText().split(separator: "\n", omittingEmptySubsequences: false)[0])
    }

    @Test(arguments: 0..<4)
    func servicesWithSampling(size: Int) throws {
        let (width, height, glyphs, name) = InterventionsGoldenTests.sizes[size]
        let state = DashboardState(width: width, height: height, snapshot: Self.snapshot)
        try GoldenTests().check("sampling-header-\(name)", DashboardRenderer.render(state, glyphs: glyphs).plainText())
    }

    @Test("the ratio where the health figures leave room, the counts last where there is more, nothing without sampling")
    func fitsTheWidth() {
        let wide = Self.header(Self.snapshot, width: 200)
        #expect(wide.contains("1 down   sampled 10%   breakers 1 open"))
        #expect(wide.contains("up 00:03:12   kept 1,234 · tail-kept 56 · sampled out 9,876"))
        #expect(Self.header(Self.snapshot, width: 200, glyphs: .ascii).contains("kept 1,234 - tail-kept 56 - sampled out 9,876"))
        let narrow = Self.header(Self.snapshot, width: 120)
        #expect(narrow.contains("sampled 10%") && !narrow.contains("tail-kept"), "\(narrow)")
        #expect(!Self.header(Fixtures.snapshot, width: 200).contains("sampled"))
    }

    @Test("the Traces tab says the ratio beside its counts, where an 80-column header has no room for it", arguments: [Glyphs.unicode, .ascii])
    func tracesTabSaysTheRatio(glyphs: Glyphs) throws {
        let text = Fixtures.text(.traces, snapshot: Self.snapshot, width: 80, height: 24, glyphs: glyphs)
        try GoldenTests().check("sampling-traces-80x24" + (glyphs.isUnicode ? "" : "-ascii"), text)
        #expect(!Fixtures.text(.traces, width: 80, height: 24).contains("sampled"))
    }

    @Test("a ratio reads as a percentage with only the decimals it has", arguments: [
        (0.1, "10%"), (1, "100%"), (0, "0%"), (0.125, "12.5%"), (0.0025, "0.25%"), (0.5, "50%"),
    ])
    func samplePercent(ratio: Double, text: String) {
        #expect(HeaderView.samplePercent(ratio) == text)
    }
}
