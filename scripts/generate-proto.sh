#!/usr/bin/env bash
# Regenerates Sources/InventoryProto/Generated from proto/*.proto.
# The output is committed, so a normal build never runs protoc or the Swift
# protobuf plugins (a build-plugin run costs ~10 minutes on a fresh clone).
# Needs: protoc (Debian protobuf-compiler); the plugins are built from tools/.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc >/dev/null || scripts/bootstrap.sh protobuf-compiler

swift build -c release --package-path tools --product protoc-gen-swift
swift build -c release --package-path tools --product protoc-gen-grpc-swift-2
bin="$(swift build -c release --package-path tools --show-bin-path)"

# Well-known types (google/protobuf/timestamp.proto) come from the same swift-protobuf
# checkout as the plugin, so imports always match the runtime library.
wkt="tools/.build/checkouts/swift-protobuf/Protos/Sources/SwiftProtobuf"

out=Sources/InventoryProto/Generated
rm -rf "$out"
mkdir -p "$out"
protoc \
  --proto_path=proto \
  --proto_path="$wkt" \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift-2="$bin/protoc-gen-grpc-swift-2" \
  --swift_out="$out" \
  --swift_opt=Visibility=Public \
  --grpc-swift-2_out="$out" \
  --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true \
  inventory.proto health.proto
echo "generated:" && ls "$out"
