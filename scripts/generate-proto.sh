#!/usr/bin/env bash
# Regenerates Sources/Shared/Generated from proto/ (run after editing a .proto; the normal build never runs protoc).
# Needs Debian's protobuf-compiler and builds the two protoc plugins once from the mirrored packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.build-protoc"
out="$root/Sources/Shared/Generated"

command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; }

mkdir -p "$tools/Sources/placeholder"
cat > "$tools/Package.swift" <<'SWIFT'
// swift-tools-version:6.0
import PackageDescription
let package = Package(
  name: "protoc-plugins",
  dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
  ],
  targets: [.target(name: "placeholder", path: "Sources/placeholder")]
)
SWIFT
echo "// keeps SwiftPM happy" > "$tools/Sources/placeholder/placeholder.swift"
(cd "$tools" && swift build -c release --product protoc-gen-swift && swift build -c release --product protoc-gen-grpc-swift-2)
bin=$(cd "$tools" && swift build -c release --show-bin-path)

rm -rf "$out" && mkdir -p "$out"
protos=$(cd "$root/proto" && find . -name '*.proto' | sed 's|^\./||' | sort)
(cd "$root/proto" && protoc \
  --plugin=protoc-gen-swift="$bin/protoc-gen-swift" \
  --plugin=protoc-gen-grpc-swift="$bin/protoc-gen-grpc-swift-2" \
  --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  --grpc-swift_out="$out" --grpc-swift_opt=Visibility=Public,FileNaming=PathToUnderscores \
  $protos)
echo "generated $(ls "$out" | wc -l) files in $out"
