import ArgumentParser
import DemoSystems

/// Help texts of options more than one command takes, written once.
enum SharedHelp {
    static let system = ArgumentHelp(
        "The system to run: \(DemoSystemCatalog.names.joined(separator: ", ")). (default: \(DemoSystemCatalog.defaultSystem.profile.name))",
        valueName: "system"
    )

    static let fault = ArgumentHelp(
        "Inject a fault from the start (repeatable): errors:RATIO[:STATUS], latency:DURATION, down, hang, none. "
            + "Example: payment-service=errors:0.6",
        valueName: "SERVICE=KIND[:VALUE]"
    )

    static let otlpExport = ArgumentHelp(
        "Send the system's spans and metrics as OTLP/HTTP protobuf to this base URL (a collector, Jaeger, `meshtop watch`), "
            + "e.g. http://127.0.0.1:4318.",
        valueName: "url"
    )

    static let sample = ArgumentHelp(
        "Share of traces to keep, 0…1, decided per trace from its id; traces with an error or slow ones are kept anyway, "
            + "and rates and percentiles count every request. (default: 1, every trace)",
        valueName: "ratio"
    )
}
