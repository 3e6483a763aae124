import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// The views on the way from a symptom to a trace, with their breadcrumbs, at the smallest
/// common terminal and a large one, in Unicode and ASCII. Regenerate with `UPDATE_GOLDEN=1`.
@Suite("Golden drill-down views")
struct DrillDownGoldenTests {
    enum Screen: String, CaseIterable {
        /// A service's detail with its first route selected.
        case serviceRoutes = "service-routes"
        case routeTraces = "route-traces"
        case criticalPath = "trace-critical-path"
        case spanDetails = "span-details"
        case comparison
    }

    static func keys(_ screen: Screen) -> [Key] {
        switch screen {
        case .serviceRoutes: [.down, .enter]
        case .routeTraces: [.down, .enter, .enter]
        case .criticalPath: [.down, .enter, .enter, .enter, .char("c")]
        case .spanDetails: [.down, .enter, .enter, .enter, .down, .down, .down, .down, .down, .enter]
        case .comparison: [.char("3"), .enter, .char("M"), .escape, .char("s"), .down, .enter, .char("C")]
        }
    }

    static let sizes = [(80, 24), (200, 60)]

    @Test(arguments: Screen.allCases)
    func screen(_ screen: Screen) throws {
        for (width, height) in Self.sizes {
            for glyphs in [Glyphs.unicode, .ascii] {
                var state = DashboardState(width: width, height: height, snapshot: Fixtures.snapshot)
                for key in Self.keys(screen) { _ = Fixtures.drive(&state, .key(key)) }
                let name = "\(screen.rawValue)-\(width)x\(height)" + (glyphs.isUnicode ? "" : "-ascii")
                try GoldenTests().check(name, DashboardRenderer.render(state, glyphs: glyphs).plainText())
            }
        }
    }
}
