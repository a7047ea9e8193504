// swift-tools-version:6.2
// Usher: door check-in for venues. See ../shared/ARCHITECTURE.md for the module map;
// arrows point inward, and UsherCore depends on nothing of ours.
import PackageDescription

let package = Package(
    name: "usher",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "inventory-server", targets: ["InventoryServer"]),
        .executable(name: "bench", targets: ["Bench"]),
        .executable(name: "scan-tui", targets: ["ScanTUI"]),
        .library(name: "UsherCore", targets: ["UsherCore"]),
        .library(name: "InventoryClient", targets: ["InventoryClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The server's self-signed TLS certificate (X.509, ECDSA P-256).
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // The client's certificate pin (a verification callback over NIOSSL's certificates).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        // swift-subprocess's own dependency; named here for FileDescriptor (output to a file).
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        // The door's offline store: SQLite (Debian's libsqlite3) through GRDB. Pinned: the
        // version checked here, and the one the toolchain's package mirror holds.
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
    ],
    targets: [
        // Pure domain: seat state machine, scan verdicts, ticket codes, input rules. No I/O.
        .target(name: "UsherCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // proto/*.proto compiled by scripts/generate-proto.sh; the output is committed.
        .target(
            name: "InventoryProto",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),

        // The one way to start a child process (swift-subprocess underneath).
        .target(
            name: "ChildProcess",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // libqrencode and libpng (Debian packages), for printing tickets.
        .systemLibrary(name: "CQRencode"),
        .systemLibrary(name: "CImageCodecs"),
        .systemLibrary(name: "CZbar"),
        .systemLibrary(name: "CNcursesw"),
        // rabbitmq-c (Debian librabbitmq-dev): the broker links for hold expiry.
        .systemLibrary(name: "CRabbitMQ"),

        // Image → codes: PNG/JPEG to 8-bit gray, zbar with only QR enabled.
        .target(name: "ScanDecode", dependencies: ["CImageCodecs", "CZbar"]),

        // zbarimg, the reference QR reader the tests and the bench compare with.
        .target(name: "ZbarReference", dependencies: ["ChildProcess"]),

        // Ticket printing: QR PNGs (error correction M, quiet zone) and a manifest.
        .target(name: "TicketExport", dependencies: ["CQRencode", "CImageCodecs"]),

        // PostgreSQL: migrations, one repository method per use case, the embedded launcher.
        .target(
            name: "InventoryStore",
            dependencies: [
                "UsherCore",
                "ChildProcess",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Only to classify the pool's own errors (circuit breaker, shutdown) as UNAVAILABLE.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // PBKDF2 for supervisor PINs (SupervisorPIN).
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),

        // Hold expiry: the database sweep and RabbitMQ dead-lettering.
        .target(
            name: "InventoryEvents",
            dependencies: [
                "UsherCore",
                "InventoryStore",
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // gRPC handlers: proto <-> domain mapping, RPCError codes, grpc.health.v1, RPC metrics.
        .target(
            name: "InventoryService",
            dependencies: [
                "UsherCore",
                "InventoryProto",
                "InventoryStore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The client library for terminals and tools: domain types in and out,
        // deadlines, safe retries, a circuit breaker, connection state.
        .target(
            name: "InventoryClient",
            dependencies: [
                "UsherCore",
                "InventoryProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // The door's offline store: synced keys, events and seats, and the durable scan journal.
        .target(
            name: "DoorStore",
            dependencies: [
                "UsherCore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        // The door terminal as data: state, update(event) → effects, render → Screen. No curses.
        .target(name: "ScanModel", dependencies: ["UsherCore"]),

        // The `scan-tui` executable: the curses layer, the effect runner, decode/check.
        .executableTarget(
            name: "ScanTUI",
            dependencies: [
                "ScanModel",
                "ScanDecode",
                "InventoryClient",
                "DoorStore",
                "UsherCore",
                "CNcursesw",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The `inventory-server` executable: commands and the one ServiceGroup.
        .executableTarget(
            name: "InventoryServer",
            dependencies: [
                "UsherCore",
                "InventoryProto",
                "InventoryStore",
                "InventoryEvents",
                "InventoryService",
                "TicketExport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // `bench`: speed checks (scripts/bench.sh), kept out of the unit tests.
        // It also calls ListHallSeats raw (InventoryProto), to count the bytes on the wire.
        .executableTarget(
            name: "Bench",
            dependencies: [
                "UsherCore", "TicketExport", "ScanDecode", "ScanModel", "InventoryClient", "InventoryProto", "ZbarReference",
                "DoorStore",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),

        .testTarget(name: "UsherCoreTests", dependencies: ["UsherCore"]),
        .testTarget(name: "ChildProcessTests", dependencies: ["ChildProcess"]),
        .testTarget(name: "InventoryClientTests", dependencies: ["InventoryClient", "UsherCore"]),
        .testTarget(name: "ScanDecodeTests", dependencies: ["ScanDecode", "ZbarReference"], exclude: ["Fixtures"]),
        .testTarget(name: "ScanModelTests", dependencies: ["ScanModel", "UsherCore"], exclude: ["Snapshots"]),
        // Real SQLite files in temporary directories.
        .testTarget(name: "DoorStoreTests", dependencies: ["DoorStore", "UsherCore"]),
        // Runs the real server wiring against a real PostgreSQL started by the project's launcher.
        .testTarget(
            name: "InventoryServerTests",
            dependencies: [
                "InventoryServer",
                // The door's effect runner for offline mode (OfflineDoor), driven headless.
                "ScanTUI",
                "DoorStore",
                "InventoryEvents",
                "InventoryService",
                "InventoryClient",
                "ScanModel",
                "InventoryStore",
                "InventoryProto",
                "UsherCore",
                "ChildProcess",
                "ZbarReference",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
