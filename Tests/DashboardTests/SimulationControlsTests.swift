import Testing
import Telemetry
import TerminalUI
@testable import Dashboard

/// The dashboard on a simulated run: the SIM header, the time-control keys and the `t` prompt.
@Suite("Simulation controls")
struct SimulationControlsTests {
    static let playing = SimulationStatus(seed: 7, virtualTime: .seconds(751) + .milliseconds(250), speed: "10", isPaused: false)
    static var paused: SimulationStatus {
        var status = playing
        status.isPaused = true
        return status
    }

    static func state(_ status: SimulationStatus?, width: Int = 120, height: Int = 40) -> DashboardState {
        var state = DashboardState(width: width, height: height, snapshot: Fixtures.snapshot)
        _ = update(&state, .simulation(status))
        return state
    }

    static func header(_ state: DashboardState, glyphs: Glyphs = .unicode) -> String {
        String(DashboardRenderer.render(state, glyphs: glyphs).plainText().split(separator: "\n", omittingEmptySubsequences: false)[0])
    }

    @Test(arguments: 0..<4)
    func simulationHeader(size: Int) throws {
        let (width, height, glyphs, name) = InterventionsGoldenTests.sizes[size]
        try GoldenTests().check("sim-header-\(name)", DashboardRenderer.render(Self.state(Self.playing, width: width, height: height), glyphs: glyphs).plainText())
    }

    @Test("the header's right end is the run's clock instead of live: seed, virtual time to the millisecond, speed, paused")
    func headerSaysTheClock() {
        #expect(Self.header(Self.state(Self.playing)).hasSuffix("SIM seed=7  t=00:12:31.250  ×10"))
        #expect(Self.header(Self.state(Self.playing), glyphs: .ascii).hasSuffix("SIM seed=7  t=00:12:31.250  x10"))
        #expect(Self.header(Self.state(Self.paused)).hasSuffix("×10  paused"))
        var ended = Self.paused
        ended.hasEnded = true
        #expect(Self.header(Self.state(ended)).hasSuffix("×10  ended"))
        #expect(!Self.header(Self.state(Self.playing)).contains("live"))
        #expect(Self.header(Self.state(nil)).hasSuffix("live"))
    }

    @Test("each time-control key asks the source for its control", arguments: [
        (Key.char("P"), SimulationControl.togglePause),
        (.char("+"), .changeSpeed(by: 1)),
        (.char("-"), .changeSpeed(by: -1)),
        (.char("v"), .firstViolation),
    ])
    func keysSendControls(key: Key, control: SimulationControl) {
        for context in [Tab.services, .traces, .topology] {
            var state = Self.state(Self.playing)
            _ = update(&state, .key(.char(Character(String(context.rawValue)))))
            #expect(update(&state, .key(key)) == [.simulate(control)], "\(key) in \(context)")
        }
    }

    @Test("step works while paused: . steps 1 s, , steps 100 ms; while playing it says why not")
    func stepWhilePaused() {
        var state = Self.state(Self.paused)
        #expect(update(&state, .key(.char("."))) == [.simulate(.step(.seconds(1)))])
        #expect(update(&state, .key(.char(","))) == [.simulate(.step(.milliseconds(100)))])
        var playing = Self.state(Self.playing)
        #expect(update(&playing, .key(.char("."))) == [])
        #expect(playing.notice?.text == "step works while paused: P pauses")
    }

    @Test("on a live system the time controls do nothing and say where they work; they are not in its hint bar or help")
    func liveSystemHasNoTimeControls() {
        var state = Self.state(nil)
        for key in [Key.char("P"), .char("+"), .char("T"), .char("v")] {
            #expect(update(&state, .key(key)) == [])
            #expect(state.notice?.text == DashboardState.notSimulatedReason)
            #expect(state.timePrompt == nil)
        }
        let text = DashboardRenderer.render(Self.state(nil), glyphs: .unicode).plainText()
        #expect(!text.contains("<P>"))
        var help = Self.state(nil)
        _ = update(&help, .key(.char("?")))
        #expect(!DashboardRenderer.render(help, glyphs: .unicode).plainText().contains("Simulated run"))
    }

    @Test("the hint bar starts with the time controls on a simulated run")
    func hintBarShowsTimeControls() {
        let lines = DashboardRenderer.render(Self.state(Self.playing, width: 200), glyphs: .unicode).plainText().split(separator: "\n")
        let bar = String(lines.last ?? "").drop { $0 == " " }
        #expect(bar.hasPrefix("<P> play/pause  <+> faster  <.> step  <T> go to  <v> violation  <enter> details"), "\(bar)")
    }

    @Test("once the run is over, play, step and go to say so; speed still changes")
    func endedRun() {
        var ended = Self.paused
        ended.hasEnded = true
        var state = Self.state(ended)
        #expect(update(&state, .key(.char("P"))) == [])
        #expect(state.notice?.text == "the run is over at t=00:12:31.250: q prints its report")
        #expect(update(&state, .key(.char("+"))) == [.simulate(.changeSpeed(by: 1))])
    }

    @Test("t opens a prompt: typed text, backspace, enter goes to the time; esc closes it; q is typed, not quit")
    func goToPrompt() {
        var state = Self.state(Self.paused)
        #expect(update(&state, .key(.char("T"))) == [])
        #expect(state.timePrompt == "")
        for character in "20mq" { _ = update(&state, .key(.char(character))) }
        #expect(!state.isQuitting && state.timePrompt == "20mq")
        _ = update(&state, .key(.backspace))
        let bar = DashboardRenderer.render(state, glyphs: .unicode).plainText().split(separator: "\n").last ?? ""
        #expect(bar.hasPrefix(" go to t=20m"), "\(bar)")
        #expect(update(&state, .key(.enter)) == [.simulate(.goTo(.seconds(1200)))])
        #expect(state.timePrompt == nil)

        _ = update(&state, .key(.char("T")))
        _ = update(&state, .key(.char("9")))
        #expect(update(&state, .key(.escape)) == [])
        #expect(state.timePrompt == nil && state.detail == nil)
    }

    @Test("a time the prompt cannot read says what it accepts and goes nowhere; one behind the run goes back; the run's own time stays")
    func badTimes() {
        var state = Self.state(Self.paused)
        _ = update(&state, .key(.char("T")))
        for character in "soon" { _ = update(&state, .key(.char(character))) }
        #expect(update(&state, .key(.enter)) == [])
        #expect(state.notice?.isError == true)
        #expect(state.notice?.text == "invalid time \"soon\": expected \(SimulationTime.accepted)")
        _ = update(&state, .key(.char("T")))
        for character in "5m" { _ = update(&state, .key(.char(character))) }
        #expect(update(&state, .key(.enter)) == [.simulate(.goTo(.seconds(300)))])
        _ = update(&state, .key(.char("T")))
        for character in "00:12:31.250" { _ = update(&state, .key(.char(character))) }
        #expect(update(&state, .key(.enter)) == [])
        #expect(state.notice?.text == "the run is at t=00:12:31.250 already")
    }

    @Test("a reply goes to the notice line; a new announcement from the run shows once")
    func repliesAndAnnouncements() {
        var state = Self.state(Self.playing)
        _ = update(&state, .simulated(.changeSpeed(by: 1), reply: SimulationReply("speed ×100")))
        #expect(state.notice?.text == "speed ×100")
        var ended = Self.paused
        ended.hasEnded = true
        ended.announcement = SimulationReply("first violation at t=00:00:25.100: cancelledOrderRefunded: order 12", isError: true)
        ended.announcementNumber = 1
        state.notice = nil
        _ = update(&state, .simulation(ended))
        #expect(state.notice?.text.hasPrefix("first violation at t=00:00:25.100") == true && state.notice?.isError == true)
        state.notice = nil
        _ = update(&state, .simulation(ended))
        #expect(state.notice == nil)
    }

    @Test("times as a person types them", arguments: [
        ("12m", 720_000), ("90s", 90_000), ("1h30m", 5_400_000), ("500ms", 500), ("1.5s", 1_500), (" 2m ", 120_000),
        ("00:12:31", 751_000), ("12:31", 751_000), ("00:12:31.250", 751_250), ("1:00:00", 3_600_000),
    ])
    func parsesTimes(text: String, milliseconds: Int64) {
        #expect(SimulationTime.parse(text) == .milliseconds(milliseconds))
    }

    @Test("text that is no time", arguments: ["", "soon", "12", "12x", "-5s", "00:61:00", "1:2:3:4", "::", "12:", "m"])
    func rejectsNonTimes(text: String) {
        #expect(SimulationTime.parse(text) == nil)
    }
}
