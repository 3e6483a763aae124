extension Comparison {
    /// The comparison as a table to read (or project): the run, the faults and where each landed,
    /// one column per system and the second's figures over the first's, then the blast radius:
    /// per request kind, what share of the requests failed, was turned away or was queued.
    ///
    /// ASCII only; ends with a newline.
    public func renderText() -> String {
        typealias Text = HeadlessReport
        let names = sides.map(\.system)
        let ratioHeader = names.count == 2 ? "\(names[1]) / \(names[0])" : ""
        var lines = ["compare \(names.joined(separator: " vs ")): \(Text.seconds(durationSeconds)) at \(Text.fixed(rps, decimals: 0)) req/s each, seed \(seed), one after the other"]
        if faults.isEmpty {
            lines.append("faults: none")
        } else {
            for fault in faults {
                let at = fault.at == .zero ? "" : " at \(Text.seconds(fault.at.seconds))"
                let places = fault.targets.map { "\($0.system): \($0.target ?? "no \(fault.component), not applied")" }
                lines.append("fault\(at): \(fault.component)=\(FaultArgument.format(fault.fault)) -> \(places.joined(separator: "; "))" + (fault.isOneSided ? "  (*)" : ""))
            }
            if faults.contains(where: \.isOneSided) { lines.append("(*) applied on one side only: the other system has no such component") }
        }
        lines.append("")

        var rows: [[String]] = []
        func section(_ title: String) { rows.append([title] + Array(repeating: "", count: names.count + 1)) }
        func row(_ label: String, _ cell: (CompareSideResult) -> String, ratio: Double? = nil) {
            rows.append(["  " + label] + sides.map(cell) + [ratio.map { Text.fixed($0, decimals: 2) + "x" } ?? ""])
        }
        section("THROUGHPUT")
        row("offered req/s") { Text.fixed($0.traffic.targetRPS, decimals: 1) }
        row("sent req/s") { Text.fixed($0.traffic.achievedRPS, decimals: 1) }
        row("answered 2xx req/s") { side in
            let answered = side.routes.reduce(0) { $0 + $1.ok + $1.queued }
            return side.traffic.sendingSeconds > 0 ? Text.fixed(Double(answered) / side.traffic.sendingSeconds, decimals: 1) : "-"
        }
        section("LATENCY AT THE EDGE")
        row("p50", { Text.milliseconds($0.edge?.p50Ms) }, ratio: ratios.p50)
        row("p95", { Text.milliseconds($0.edge?.p95Ms) }, ratio: ratios.p95)
        row("p99", { Text.milliseconds($0.edge?.p99Ms) }, ratio: ratios.p99)
        section("ERRORS")
        row("failed (5xx)") { Text.fixed($0.edgeErrorRatio * 100, decimals: 1) + "%" }
        section("ORDERS")
        for figure in ["ordersConfirmed", "ordersCancelled", "compensations", "paymentsQueued"]
        where sides.contains(where: { $0.report.domain[figure] != nil }) {
            row(Self.label(figure)) { side in side.report.domain[figure] == nil ? "-" : Text.grouped(side.report.domain.count(figure)) }
        }
        section("COST (each side its own process)")
        row("CPU s per 1,000 req", { $0.cpuSecondsPerThousand.map { Text.fixed($0, decimals: 3) } ?? "-" }, ratio: ratios.cpuPerRequest)
        row("peak RSS", { $0.resources.map { Self.mebibytes($0.peakRSSBytes) } ?? "-" }, ratio: ratios.peakRSS)
        row("peak RSS per 1,000 req", { $0.peakRSSBytesPerThousand.map { Self.mebibytes(Int($0)) } ?? "-" })
        section("INVARIANTS")
        row("all hold") { $0.report.invariants.ok ? "ok" : "\($0.report.invariants.violations.count) violated" }
        lines += Text.table(header: [""] + names + [ratioHeader], rows: rows, leftAligned: [0])

        lines.append("")
        lines.append("BLAST RADIUS: what clients saw, per request kind (FAILED 5xx or no answer, REJECTED 4xx, QUEUED 202)")
        var kinds: [String] = []
        for side in sides { for route in side.routes where !kinds.contains(route.route) { kinds.append(route.route) } }
        let header = ["KIND"] + sides.flatMap { side in ["\(side.system) FAILED", "REJECTED", "QUEUED"] }
        let blast = kinds.map { kind in
            [kind] + sides.flatMap { side -> [String] in
                guard let route = side.routes.first(where: { $0.route == kind }), route.requests > 0 else { return ["-", "-", "-"] }
                return [route.failed, route.rejected, route.queued].map { Text.fixed(route.share($0) * 100, decimals: 1) + "%" }
            }
        }
        lines += Text.table(header: header, rows: blast, leftAligned: [0])
        return lines.joined(separator: "\n") + "\n"
    }

    /// `ordersConfirmed` → `orders confirmed`.
    static func label(_ figure: String) -> String {
        var words = ""
        for character in figure {
            if character.isUppercase { words += " " + character.lowercased() } else { words.append(character) }
        }
        return words
    }

    /// `45.2 MiB`.
    static func mebibytes(_ bytes: Int) -> String {
        HeadlessReport.fixed(Double(bytes) / 1_048_576, decimals: 1) + " MiB"
    }
}
