#!/usr/bin/env bash
# Regenerates Sources/OTLPProto from the official opentelemetry-proto files and Protos/.
#
#   scripts/generate-otlp-proto.sh [TAG] [PROTO_CHECKOUT]
#
# TAG is an opentelemetry-proto release (default below); PROTO_CHECKOUT a clone of
# https://github.com/open-telemetry/opentelemetry-proto (cloned into a temporary folder when
# absent). Needs protoc (Debian: protobuf-compiler). protoc-gen-swift is built here from the
# swift-protobuf checkout the package resolved, so the generated code matches the runtime;
# that release build takes about ten minutes, once.
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:-v1.11.0}"
checkout="${2:-}"
command -v protoc > /dev/null || { echo "generate-otlp-proto: protoc not found (Debian: apt-get install protobuf-compiler)" >&2; exit 2; }

if [[ -z "$checkout" ]]; then
  checkout="$(mktemp -d)/opentelemetry-proto"
  git clone -q https://github.com/open-telemetry/opentelemetry-proto "$checkout"
fi
git -C "$checkout" checkout -q "$tag"

swift package resolve > /dev/null
plugin_package=.build/checkouts/swift-protobuf
swift build -c release --package-path "$plugin_package" --product protoc-gen-swift
plugin="$plugin_package/.build/release/protoc-gen-swift"

out=Sources/OTLPProto
rm -f "$out"/*.pb.swift
protos=(
  opentelemetry/proto/common/v1/common.proto
  opentelemetry/proto/resource/v1/resource.proto
  opentelemetry/proto/trace/v1/trace.proto
  opentelemetry/proto/metrics/v1/metrics.proto
  opentelemetry/proto/logs/v1/logs.proto
  opentelemetry/proto/collector/trace/v1/trace_service.proto
  opentelemetry/proto/collector/metrics/v1/metrics_service.proto
  opentelemetry/proto/collector/logs/v1/logs_service.proto
)
protoc --plugin=protoc-gen-swift="$plugin" -I "$checkout" -I Protos \
  --swift_out="$out" --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  "${protos[@]}" google/rpc/status.proto
cat > "$out/OTLPProtoVersion.swift" <<SWIFT
// Written by scripts/generate-otlp-proto.sh with the files beside it.

/// The opentelemetry-proto release these types were generated from.
public let openTelemetryProtoVersion = "$tag"
SWIFT
echo "generated $(ls "$out"/*.pb.swift | wc -l) files from opentelemetry-proto $tag into $out"
