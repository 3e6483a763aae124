import TerminalUI

/// How each colour role looks on each kind of terminal. Pure data, so it is tested without one.
enum Palette {
    /// Foreground colour numbers per role on a 256-colour terminal (xterm palette).
    static func extendedColor(_ role: ColorRole) -> Int16 {
        switch role {
        case .plain: -1
        case .ok: 78      // green
        case .warn: 214   // orange
        case .error: 203  // red
        case .muted: 245  // grey
        case .accent: 75  // blue
        }
    }

    /// Foreground colour numbers per role on an 8-colour terminal (COLOR_GREEN, ...); muted uses
    /// the default colour plus dim, as 8-colour terminals have no grey.
    static func basicColor(_ role: ColorRole) -> Int16 {
        switch role {
        case .plain, .muted: -1
        case .ok: 2     // COLOR_GREEN
        case .warn: 3   // COLOR_YELLOW
        case .error: 1  // COLOR_RED
        case .accent: 6 // COLOR_CYAN
        }
    }

    /// Attributes that stand in for a role's colour: on a monochrome terminal for every role,
    /// on an 8-colour terminal for `muted` (dim).
    static func substituteModifiers(_ role: ColorRole, capability: ColorCapability) -> TextModifiers {
        switch capability {
        case .extended: return []
        case .basic: return role == .muted ? .dim : []
        case .monochrome:
            switch role {
            case .plain, .ok: return []
            case .warn, .accent: return .bold
            case .error: return [.bold, .underline]
            case .muted: return .dim
            }
        }
    }
}
