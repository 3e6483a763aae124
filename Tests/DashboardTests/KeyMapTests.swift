import Testing
import TerminalUI
@testable import Dashboard

@Suite("KeyMap")
struct KeyMapTests {
    let map = KeyMap.standard

    @Test(arguments: KeyMap.viewContexts)
    func noKeyIsBoundTwiceInAView(context: KeyContext) {
        let own = map.bindings.filter { $0.context == context }
        var seen: [Key: Action] = [:]
        for binding in own {
            for key in binding.keys {
                #expect(seen[key] == nil, "\(key) bound twice in \(context)")
                seen[key] = binding.action
            }
        }
        // A view may list a global key again only to give it a hint, with the same action.
        for binding in map.bindings where binding.context == .global {
            for key in binding.keys {
                if let action = seen[key] {
                    #expect(action == binding.action, "\(key) in \(context) shadows the global \(binding.action) with \(action)")
                }
            }
        }
    }

    @Test func noKeyIsBoundTwiceGlobally() {
        let keys = map.bindings.filter { $0.context == .global }.flatMap(\.keys)
        #expect(Set(keys).count == keys.count)
    }

    @Test func everyBindingHasHelpTextAndAKey() {
        for binding in map.bindings {
            #expect(!binding.help.isEmpty, "\(binding.action) has no help")
            #expect(!binding.keys.isEmpty, "\(binding.action) has no key")
            if let hint = binding.hint { #expect(!hint.isEmpty) }
        }
    }

    @Test func theServicesHintBarMatchesTheDesign() {
        let hints = map.hints(for: .services).map { "<\($0.key)> \($0.label)" }.joined(separator: "  ")
        #expect(hints == "<enter> details  <f> fault  </> filter  <s> sort  <p> pause  <?> help  <q> quit")
    }

    @Test func dispatchPrefersTheViewsBinding() {
        #expect(map.binding(for: .char("e"), in: .traces)?.action == .toggleErrorsOnly)
        #expect(map.binding(for: .char("e"), in: .traceDetail)?.action == .nextError)
        #expect(map.binding(for: .char("q"), in: .traceDetail)?.action == .quit)
        #expect(map.binding(for: .char("o"), in: .services) == nil)
    }

    @Test("the time controls share no key with any view, so they work the same everywhere")
    func timeControlsAreUnbound() {
        let time = map.bindings.filter { $0.context == .simulation }.flatMap(\.keys)
        #expect(!time.isEmpty)
        for binding in map.bindings where binding.context != .simulation {
            for key in binding.keys {
                #expect(!time.contains(key), "\(key) is a time control and \(binding.action) in \(binding.context)")
            }
        }
    }

    @Test func theHelpScreenListsEveryBinding() {
        var state = DashboardState(width: 120, height: 220, snapshot: Fixtures.snapshot)
        _ = update(&state, .simulation(SimulationStatus(seed: 1, virtualTime: .zero, speed: "1", isPaused: false)))
        _ = update(&state, .key(.char("?")))
        let text = DashboardRenderer.render(state, glyphs: .unicode).plainText()
        for binding in map.bindings where binding.context != .help {
            #expect(text.contains(binding.help), "help screen misses \(binding.help)")
        }
    }
}
