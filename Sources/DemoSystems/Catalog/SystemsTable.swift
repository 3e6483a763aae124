/// `meshtop systems`: the catalog as a plain-text table, one row per system.
public enum SystemsTable {
    /// Columns NAME, SERVICES (their count) and WHAT IT SHOWS, then each system's services.
    public static func render(_ profiles: [SystemProfile]) -> String {
        let nameWidth = max(4, profiles.map(\.name.count).max() ?? 0)
        var lines = ["NAME".padded(to: nameWidth) + "  SERVICES  WHAT IT SHOWS"]
        for profile in profiles {
            lines.append(profile.name.padded(to: nameWidth) + "  " + String(profile.services.count).leftPadded(to: 8) + "  " + profile.summary)
        }
        lines.append("")
        for profile in profiles {
            lines.append("\(profile.name): \(profile.services.joined(separator: ", "))")
        }
        lines.append("")
        lines.append("Run one with `meshtop demo SYSTEM` (the dashboard) or `meshtop demo SYSTEM --headless` (a report).")
        return lines.joined(separator: "\n") + "\n"
    }
}
