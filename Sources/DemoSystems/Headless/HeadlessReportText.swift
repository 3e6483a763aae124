import Telemetry

extension HeadlessReport {
    /// The report as plain text for a terminal or a log: a header, an aligned table of services,
    /// one block per breaker with its transitions, the calls, the subscriptions' worst lag, the order
    /// totals, trace counts and the invariants.
    ///
    /// ASCII only apart from what the data holds (names, reasons), so it reads anywhere. Ends with a newline.
    public func renderText() -> String {
        var lines: [String] = []
        lines.append("\(system): headless run of \(Self.seconds(durationSeconds))" + (interrupted ? " (interrupted by a shutdown signal)" : ""))
        lines.append("")

        if services.isEmpty {
            lines.append("SERVICES  none")
        } else {
            let header = ["SERVICE", "REQUESTS", "RPS", "ERR%", "P50", "P95", "P99", "HEALTH"]
            let rows = services.map { service in
                [
                    service.name,
                    Self.grouped(service.requests),
                    Self.fixed(service.rps, decimals: 1),
                    Self.fixed(service.errorRatio * 100, decimals: 1) + "%",
                    Self.milliseconds(service.p50Ms),
                    Self.milliseconds(service.p95Ms),
                    Self.milliseconds(service.p99Ms),
                    service.health,
                ]
            }
            lines += Self.table(header: header, rows: rows, leftAligned: [0, 7])
        }
        lines.append("")

        if breakers.isEmpty {
            lines.append("BREAKERS  none")
        } else {
            let idWidth = max("BREAKER".count, breakers.map(\.id.count).max() ?? 0)
            lines.append(Self.trimmed("BREAKER".padded(to: idWidth) + "  STATE"))
            for breaker in breakers {
                let count = breaker.transitions.count
                let summary = count == 0 ? "no transitions" : count == 1 ? "1 transition" : "\(count) transitions"
                lines.append(breaker.id.padded(to: idWidth) + "  " + breaker.state.label.padded(to: 13) + "  " + summary)
                let times = breaker.transitions.map { Self.fixed($0.atSeconds, decimals: 2) + "s" }
                let timeWidth = times.map(\.count).max() ?? 0
                let changes = breaker.transitions.map { "\($0.from.label) -> \($0.to.label)" }
                let changeWidth = changes.map(\.count).max() ?? 0
                for (index, transition) in breaker.transitions.enumerated() {
                    let line = "  at " + times[index].leftPadded(to: timeWidth) + "  " + changes[index].padded(to: changeWidth) + "  " + transition.reason
                    lines.append(Self.trimmed(line))
                }
            }
        }
        lines.append("")

        if !interventions.isEmpty {
            let header = ["INTERVENTION", "AT", "TARGET", "ORIGIN", "LASTED", "EFFECT"]
            let rows = interventions.map { intervention in
                [
                    intervention.action.rawValue, Self.fixed(intervention.atSeconds, decimals: 2) + "s", intervention.target, intervention.origin,
                    intervention.endedAtSeconds.map { Self.fixed($0 - intervention.atSeconds, decimals: 2) + "s" } ?? "to the end",
                    intervention.effect.summary + " (\(intervention.detail))",
                ]
            }
            lines += Self.table(header: header, rows: rows, leftAligned: [0, 2, 3, 4, 5])
            lines.append("")
        }

        if !calls.isEmpty {
            // The HEDGES column only when some caller hedges: most systems have none.
            let hedging = calls.contains { $0.hedges > 0 }
            let header = ["CALLER -> TARGET", "CALLS", "FAILED", "RETRIES"] + (hedging ? ["HEDGES"] : []) + ["TIMEOUTS", "REJECTED"]
            let rows = calls.map { edge in
                ["\(edge.caller) -> \(edge.target)", Self.grouped(edge.calls), Self.grouped(edge.failed), Self.grouped(edge.retries)]
                    + (hedging ? [Self.grouped(edge.hedges)] : []) + [Self.grouped(edge.timeouts), Self.grouped(edge.rejected)]
            }
            lines += Self.table(header: header, rows: rows, leftAligned: [0])
            lines.append("")
        }

        if !subscriptions.isEmpty {
            let header = ["SUBSCRIBER <- TOPIC", "PARTITIONS", "PEAK QUEUED", "PEAK BEHIND", "DEAD-LETTERED"]
            let rows = subscriptions.map { subscription in
                ["\(subscription.subscriber) <- \(subscription.topic)", "\(subscription.partitions)", Self.grouped(subscription.peakQueued),
                 Self.milliseconds(subscription.peakSecondsBehind * 1000), Self.grouped(subscription.deadLettered)]
            }
            lines += Self.table(header: header, rows: rows, leftAligned: [0])
            lines.append("")
        }

        if let orders {
            lines.append(
                "ORDERS      placed \(Self.grouped(orders.placed)), confirmed \(Self.grouped(orders.confirmed)), "
                    + "cancelled \(Self.grouped(orders.cancelled)), pending \(Self.grouped(orders.pending)), "
                    + "compensations \(Self.grouped(orders.compensations)), payments queued \(Self.grouped(orders.paymentsQueued))"
            )
        } else if !domain.entries.isEmpty {
            let figures = domain.entries.map { name, value in
                switch value {
                case .count(let count): "\(name) \(Self.grouped(count))"
                case .ratio(let ratio): "\(name) \(Self.fixed(ratio, decimals: 2))"
                }
            }
            lines.append("DOMAIN      " + figures.joined(separator: ", "))
        }
        lines.append("TRACES      kept \(Self.grouped(traces.kept)), dropped \(Self.grouped(traces.dropped))")
        if invariants.ok {
            lines.append("INVARIANTS  ok")
        } else {
            let count = invariants.violations.count
            lines.append("INVARIANTS  VIOLATED (\(count) \(count == 1 ? "violation" : "violations"))")
            for violation in invariants.violations {
                lines.append("  - \(violation.invariant.rawValue): \(violation.message)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Columns padded to their widest cell, two spaces apart; numbers right-aligned.
    static func table(header: [String], rows: [[String]], leftAligned: Set<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let cells = row.enumerated().map { column, cell in
                leftAligned.contains(column) ? cell.padded(to: widths[column]) : cell.leftPadded(to: widths[column])
            }
            return trimmed(cells.joined(separator: "  "))
        }
    }

    private static func trimmed(_ line: String) -> String {
        var line = Substring(line)
        while line.last == " " { line.removeLast() }
        return String(line)
    }

    /// `84ms`, `2.1ms`, `1.25s`, `-` when unknown.
    static func milliseconds(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value >= 1000 { return fixed(value / 1000, decimals: 2) + "s" }
        if value >= 10 { return fixed(value, decimals: 0) + "ms" }
        return fixed(value, decimals: 1) + "ms"
    }

    /// `10s`, `1.5s`, `2.25s`: seconds without trailing zeros.
    static func seconds(_ value: Double) -> String {
        var text = fixed(value, decimals: 2)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text + "s"
    }

    /// A number with exactly `decimals` digits after the point, rounded half away from zero (no Foundation formatting, so the output is the same everywhere).
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return String(value) }
        let units = Int(scaled)
        let whole = units / Int(scale)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return "\(sign)\(whole)" }
        let fraction = String(units % Int(scale))
        return "\(sign)\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
