// swift-tools-version:6.2
// Builds the protoc plugins used by scripts/generate-proto.sh. It has no targets
// of its own: it only pins the generator versions so regenerated code is stable.
import PackageDescription

let package = Package(
    name: "usher-tools",
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", exact: "2.4.1"),
    ]
)
