import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// The Logs view, and a trace opened from a log record with its span's logs in the pane, at the
/// smallest common terminal and a large one, in Unicode and ASCII. Regenerate with `UPDATE_GOLDEN=1`.
@Suite("Golden logs views")
struct LogsGoldenTests {
    enum Screen: String, CaseIterable {
        case logs
        /// `l` twice: warnings and worse.
        case logsWarnings = "logs-warnings"
        /// `Enter` on order-service's error: its trace, at its span, that span's logs below.
        case logsTrace = "logs-trace"
        /// Then `L`: the whole trace's logs.
        case traceLogs = "trace-logs"
    }

    static func keys(_ screen: Screen) -> [Key] {
        switch screen {
        case .logs: [.char("7")]
        case .logsWarnings: [.char("7"), .char("l"), .char("l")]
        case .logsTrace: [.char("7"), .down, .down, .down, .enter]
        case .traceLogs: [.char("7"), .down, .down, .down, .enter, .char("L")]
        }
    }

    @Test(arguments: Screen.allCases)
    func screen(_ screen: Screen) throws {
        for (width, height) in [(80, 24), (200, 60)] {
            for glyphs in [Glyphs.unicode, .ascii] {
                var state = DashboardState(width: width, height: height, snapshot: Fixtures.snapshot)
                for key in Self.keys(screen) { _ = Fixtures.drive(&state, .key(key)) }
                state.notice = nil
                let name = "\(screen.rawValue)-\(width)x\(height)" + (glyphs.isUnicode ? "" : "-ascii")
                try GoldenTests().check(name, DashboardRenderer.render(state, glyphs: glyphs).plainText())
            }
        }
    }

    @Test func snapshotViewLogsPrintsTheLogsTab() {
        let text = Fixtures.text(.logs, width: 100, height: 20)
        #expect(text.contains("[7 Logs]"))
        #expect(text.contains("place-order o-17: stuck"))
        #expect(text.contains("1,204 dropped"))
    }
}
