import Telemetry
import TerminalUI

/// The top line: system, req/s, the edge's error %, degraded and down services, open breakers,
/// p99, uptime, dropped traces, what sampling kept and dropped, live/paused.
enum HeaderView {
    static func render(_ state: DashboardState, glyphs: Glyphs, area: Rect, into buffer: inout Buffer) {
        let gap = "   "
        // Segments are shown whole or not at all, most important first, so a narrow terminal
        // loses the least useful figures instead of showing half a number.
        var segments: [[Span]] = []
        if let snapshot = state.snapshot {
            segments.append([Span(" \(glyphs.dot) ", .muted), Span(snapshot.system, .bold)])
            segments.append([Span(gap + Format.rate(snapshot.totals.rps)), Span(" req/s", .muted)])
            // The edge's own ratio: what callers of the system saw. A failing service behind a
            // fallback does not show here, so the services' health follows it.
            segments.append([Span(gap + "edge err ", .muted), Span(Format.percent(snapshot.totals.errorRatio), Looks.errorRatioStyle(snapshot.totals.errorRatio))])
            let degraded = snapshot.services.count { $0.health.state == .degraded }
            let down = snapshot.services.count { $0.health.state == .down }
            if degraded + down > 0 {
                var health: [Span] = [Span(gap)]
                if degraded > 0 { health.append(Span("\(degraded) degraded", Style(.warn, .bold))) }
                if down > 0 { health.append(Span((degraded > 0 ? "  " : "") + "\(down) down", Style(.error, .bold))) }
                segments.append(health)
            } else if !snapshot.services.isEmpty {
                segments.append([Span(gap + "services ", .muted), Span("all up", .ok)])
            }
            // Sampling changes what the trace views can show: the ratio right after health, the
            // counts last, where there is room.
            let sampling = snapshot.sampling.map { Self.sampling($0, glyphs: glyphs, gap: gap) }
            if let sampling { segments.append(sampling.ratio) }
            let open = snapshot.totals.openBreakers
            segments.append([Span(gap + "breakers ", .muted), Span("\(open) open", open > 0 ? Style(.error, .bold) : .plain)])
            segments.append([Span(gap + "p99 ", .muted), Span(snapshot.totals.latency.map { Format.ms($0.p99Ms) } ?? "-")])
            segments.append([Span(gap + "up ", .muted), Span(Format.clock(snapshot.uptimeSeconds))])
            if snapshot.dropped.traces > 0 {
                segments.append([Span(gap + "dropped \(Format.count(snapshot.dropped.traces)) traces", .warn)])
            }
            if let sampling { segments.append(sampling.counts) }
        } else {
            segments.append([Span(gap + "waiting for the first snapshot", .muted)])
        }
        let mark = statusMark(state, glyphs: glyphs)
        let markX = area.maxX - mark.width - 1
        var x = buffer.write(Span(" meshtop", Style(.accent, .bold)), x: area.x, y: area.y, clip: area)
        for segment in segments {
            let width = segment.reduce(0) { $0 + $1.width }
            if x + width >= markX { break }
            x = buffer.write(Line(segment), x: x, y: area.y, clip: area)
        }
        buffer.write(mark, x: markX, y: area.y, clip: area)
    }

    /// `sampled 10%`, and `kept 1,234 · tail-kept 56 · sampled out 9,876`: traces head-sampled,
    /// kept by the tail rule (errors, slow) and sampled out.
    static func sampling(_ sampling: SamplingStatus, glyphs: Glyphs, gap: String) -> (ratio: [Span], counts: [Span]) {
        let separator = Span(" \(glyphs.dot) ", .muted)
        let ratio = [Span(gap + "sampled ", .muted), Span(samplePercent(sampling.ratio), .warn)]
        let counts = [
            Span(gap + "kept ", .muted), Span(Format.count(sampling.sampledTraces)),
            separator, Span("tail-kept ", .muted), Span(Format.count(sampling.tailKeptTraces)),
            separator, Span("sampled out ", .muted), Span(Format.count(sampling.sampledOutTraces)),
        ]
        return (ratio, counts)
    }

    /// A sample ratio as a percentage, with decimals only where it has them: `10%`, `12.5%`, `0.25%`.
    static func samplePercent(_ ratio: Double) -> String {
        let percent = ratio * 100
        if percent == percent.rounded() { return Format.fixed(percent, 0) + "%" }
        return Format.fixed(percent, percent >= 1 ? 1 : 2) + "%"
    }

    /// The right end: paused, live, or how the source's connection is doing (the data on screen
    /// stays, marked stale, while a remote source reconnects); on a simulated run, its clock.
    static func statusMark(_ state: DashboardState, glyphs: Glyphs) -> Span {
        if let simulation = state.simulation { return simulationMark(simulation, feedPaused: state.isPaused, glyphs: glyphs) }
        switch state.connection {
        case .live:
            return state.isPaused ? Span("\(glyphs.paused) paused", Style(.warn, .bold)) : Span("\(glyphs.live) live", .ok)
        case .connecting, .reconnecting:
            let text = state.connection.headerText(ellipsis: glyphs.isUnicode ? "…" : "...")
            return Span((state.isPaused ? "\(glyphs.paused) paused, " : "") + text, Style(.warn, .bold))
        }
    }

    /// `SIM seed=7  t=00:12:31.250  ×10`, then `paused` or `ended` when the clock stands still
    /// (and `feed paused` while `p` holds the screen).
    static func simulationMark(_ simulation: SimulationStatus, feedPaused: Bool, glyphs: Glyphs) -> Span {
        var text = "SIM seed=\(simulation.seed)  t=\(simulation.timeText)  \(glyphs.isUnicode ? "×" : "x")\(simulation.speed)"
        if simulation.hasEnded {
            text += "  ended"
        } else if simulation.isPaused {
            text += "  paused"
        }
        if feedPaused { text += "  feed paused" }
        return Span(text, simulation.isPaused || simulation.hasEnded || feedPaused ? Style(.warn, .bold) : Style(.accent, .bold))
    }
}
