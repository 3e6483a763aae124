// Written by scripts/generate-otlp-proto.sh with the files beside it.

/// The opentelemetry-proto release these types were generated from.
public let openTelemetryProtoVersion = "v1.11.0"
