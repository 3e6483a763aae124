import Foundation

// meshtop-bench: performance figures, each with its ratio to a baseline measured in the same run.
// Usage: swift run -c release meshtop-bench [--json | --markdown] [--filter TEXT] [--quick]
// Every module registers its figures in its own file (TelemetryBenchmarks.swift, ...).

let arguments = Array(CommandLine.arguments.dropFirst())
let json = arguments.contains("--json")
let markdown = arguments.contains("--markdown")
let quick = arguments.contains("--quick")
var filter: String?
if let index = arguments.firstIndex(of: "--filter") {
    guard index + 1 < arguments.count else {
        FileHandle.standardError.write(Data("meshtop-bench: --filter needs a value (a substring of figure names)\n".utf8))
        exit(2)
    }
    filter = arguments[index + 1]
}
let known: Set<String> = ["--json", "--markdown", "--quick", "--filter"]
for (index, argument) in arguments.enumerated() where argument.hasPrefix("-") && !known.contains(argument) {
    if index > 0, arguments[index - 1] == "--filter" { continue }
    FileHandle.standardError.write(Data("meshtop-bench: unknown option '\(argument)' (accepted: --json, --markdown, --filter TEXT, --quick)\n".utf8))
    exit(2)
}

#if DEBUG
FileHandle.standardError.write(Data("meshtop-bench: warning: debug build; figures are only meaningful with -c release\n".utf8))
#endif

ensureAllocationCounting()
let runner = BenchmarkRunner(filter: filter, quick: quick) { line in
    if !json && !markdown { print(line) }
}
await registerBaselineBenchmarks(on: runner)
await registerAllBenchmarks(on: runner)

if json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    // Encode nil baseline/ratio as null rather than omitting them: the figures' shape is fixed.
    let rows = runner.results.map { result -> [String: JSONValue] in
        [
            "name": .string(result.name),
            "nsPerOp": .number(result.nsPerOp),
            "baseline": result.baseline.map(JSONValue.string) ?? .null,
            "ratio": result.ratio.map(JSONValue.number) ?? .null,
            "allocationsPerOp": .number(result.allocationsPerOp),
            "note": result.note.map(JSONValue.string) ?? .null,
        ]
    }
    let data = try encoder.encode(rows)
    print(String(decoding: data, as: UTF8.self))
}

enum JSONValue: Encodable {
    case string(String), number(Double), null
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let s): try container.encode(s)
        case .number(let d): try container.encode(d)
        case .null: try container.encodeNil()
        }
    }
}

if markdown {
    // The table BENCHMARKS.md records.
    print("| figure | ns/op | baseline | ratio | allocs/op | note |")
    print("|---|---:|---|---:|---:|---|")
    for r in runner.results {
        let ratio = r.ratio.map { String(format: "%.2f×", $0) } ?? ""
        print("| \(r.name) | \(String(format: "%.1f", r.nsPerOp)) | \(r.baseline ?? "") | \(ratio) | \(String(format: "%.2f", r.allocationsPerOp)) | \(r.note ?? "") |")
    }
}
