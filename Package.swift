// swift-tools-version:6.0
import PackageDescription

/// One set of settings for every Swift target: Swift 6 mode with strict
/// concurrency, explicit `any`, and imports internal unless marked public.
///
/// Release builds drop the runtime exclusivity checks on class properties:
/// each one was a thread-local lookup, together about 10% of a bare RPC's
/// instructions (BENCHMARKS.md). Debug builds, which the tests run, keep them,
/// so an overlapping access still fails there.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "RecoSuite",
    products: [
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Messages", targets: ["Messages"]),
        .library(name: "RPC", targets: ["RPC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // recod's Prometheus endpoint only (HTTP/1.1 and the exposition format).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Proto3 wire format and the hand-written contract messages.
        .target(name: "Wire", swiftSettings: swiftSettings),
        .target(name: "Messages", dependencies: ["Wire"], swiftSettings: swiftSettings),

        // gRPC over HTTP/2 on libnghttp2.
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CLinuxIO"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "RPC", dependencies: ["CNGHTTP2", "CLinuxIO", "COpenSSL", "Wire", "Messages", .product(name: "CoreMetrics", package: "swift-metrics")], swiftSettings: swiftSettings),
        // Metrics: the in-process swift-metrics backend every service reports through.
        .target(name: "Telemetry", dependencies: ["Messages", .product(name: "CoreMetrics", package: "swift-metrics")], swiftSettings: swiftSettings),

        // Online state: SQLite by default, behind protocols.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "Stores", dependencies: ["CSQLite", "CLinuxIO", "Redis", .product(name: "CoreMetrics", package: "swift-metrics")], swiftSettings: swiftSettings),
        // Redis (standalone or Cluster) through hiredis: the production store.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .target(name: "Redis", dependencies: ["CHiredis", "CLinuxIO"], swiftSettings: swiftSettings),

        // A/B: the strategy table, layers and md5 bucketing.
        .target(name: "Experiments", swiftSettings: swiftSettings),

        // The offline pipeline: data, features, models, recall.
        .target(name: "Dataset", swiftSettings: swiftSettings),
        .target(name: "Features", dependencies: ["Dataset"], swiftSettings: swiftSettings),
        .target(name: "Models", dependencies: ["Dataset", "Features"], swiftSettings: swiftSettings),
        .target(name: "Recall", dependencies: ["Dataset"], swiftSettings: swiftSettings),
        .target(name: "Artifacts", dependencies: ["Dataset", "Wire"], swiftSettings: swiftSettings),
        .target(
            name: "Pipeline",
            dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"), "CLinuxIO", "Dataset", "Features", "Models", "Recall", "Artifacts", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "recoctl", dependencies: ["Dataset", "Features", "Models", "Recall", "Pipeline", "Artifacts", "RPC", "Messages", "Supervisor", "Experiments", "Stores", "Redis", "ServiceRuntime", "Telemetry"], swiftSettings: swiftSettings),

        // The services: one library each (testable in-process), one thin executable each.
        .target(name: "ServiceRuntime", dependencies: ["RPC", "Stores", "Redis", "Telemetry", .product(name: "CoreMetrics", package: "swift-metrics"), "Messages", "Features", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .target(name: "RecallServer", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"), "Pipeline", "Experiments", "Messages", "RPC", "Recall", "ServiceRuntime", "Stores", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .target(name: "SortServer", dependencies: ["Pipeline", "Experiments", "Messages", "RPC", "Models", "Features", "ServiceRuntime", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .target(name: "CacheServer", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"), "Stores", "Messages", "RPC", "ServiceRuntime", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .target(name: "FeedService", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"), "Stores", "Messages", "RPC", "ServiceRuntime", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .target(name: "RouterService", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics"), "Experiments", "Messages", "RPC", "ServiceRuntime", "Stores", "Features", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .executableTarget(name: "RecallService", dependencies: ["RecallServer", "Pipeline", "Artifacts", "Experiments", "ServiceRuntime"], swiftSettings: swiftSettings),
        .executableTarget(name: "SortService", dependencies: ["SortServer", "Pipeline", "Artifacts", "Experiments", "ServiceRuntime"], swiftSettings: swiftSettings),
        .executableTarget(name: "CacheService", dependencies: ["CacheServer", "Stores", "ServiceRuntime"], swiftSettings: swiftSettings),
        .executableTarget(name: "RecoCenter", dependencies: ["FeedService", "Stores", "Experiments", "RPC", "ServiceRuntime"], swiftSettings: swiftSettings),
        .executableTarget(name: "ABRouter", dependencies: ["RouterService", "RPC", "ServiceRuntime", "Stores"], swiftSettings: swiftSettings),

        // The supervisor.
        .target(name: "Supervisor", dependencies: ["RPC", "Wire", "CLinuxIO"], swiftSettings: swiftSettings),
        .target(
            name: "SuiteMetrics",
            dependencies: ["Supervisor", "RPC", "Messages", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "recod", dependencies: ["Supervisor", "RPC", "SuiteMetrics"], swiftSettings: swiftSettings),

        // The independent oracle: C generated by protoc-c from Protos/ (`make oracle`),
        // used by tests and the codec benchmark only.
        .target(
            name: "UserRecoPBC",
            path: "Tests/UserRecoPBC",
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),
        .target(
            name: "ProtobufCBridge",
            dependencies: ["Messages", "UserRecoPBC"],
            path: "Tests/ProtobufCBridge",
            swiftSettings: swiftSettings
        ),

        // Test helpers (child processes, blocking work off the pool, fixtures).
        .target(name: "TestSupport", dependencies: ["Dataset", "Pipeline", "Artifacts", "Models"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "Wire", "TestSupport"], exclude: ["python"], swiftSettings: swiftSettings),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "Features", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Features", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ArtifactsTests", dependencies: ["Artifacts", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RecallTests", dependencies: ["Recall", "Dataset", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServicesTests",
            dependencies: ["TestSupport", "Experiments", "RouterService", "RecallServer", "SortServer", "CacheServer", "FeedService",
                           "Stores", "Redis", "Telemetry", .product(name: "CoreMetrics", package: "swift-metrics"), "Pipeline", "Artifacts", "Dataset", "Features", "Models", "Messages", "RPC", "ServiceRuntime", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // End to end: the five executables as processes, a Python grpcio client.
        .testTarget(
            name: "SuiteTests",
            dependencies: ["TestSupport", "RPC", "Messages", "Stores", "ABRouter", "RecoCenter", "RecallService", "SortService", "CacheService", "recoctl"],
            exclude: ["python"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SupervisorTests",
            dependencies: ["TestSupport", "Supervisor", "RPC", "Messages", "recod", "ABRouter", "RecoCenter", "RecallService", "SortService", "CacheService"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "WireTests", dependencies: ["Wire", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MessagesTests",
            dependencies: ["Messages", "ProtobufCBridge", "TestSupport"],
            resources: [.copy("Golden")],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "EchoServer",
            dependencies: ["RPC", "Wire"],
            path: "Tests/Benchmarks/EchoServer",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FeedLoad",
            dependencies: ["RPC", "Messages", "Wire", "Dataset"],
            path: "Tests/Benchmarks/FeedLoad",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BehaviorLoad",
            dependencies: ["RPC", "Messages"],
            path: "Tests/Benchmarks/BehaviorLoad",
            swiftSettings: swiftSettings
        ),
        // libFuzzer targets (`make fuzz` builds them with -sanitize=fuzzer,address).
        .executableTarget(name: "DecoderFuzz", dependencies: ["Messages", "Wire"], path: "Tests/Fuzz/DecoderFuzz", swiftSettings: swiftSettings),
        .executableTarget(name: "ServerFuzz", dependencies: ["Messages", "RPC"], path: "Tests/Fuzz/ServerFuzz", swiftSettings: swiftSettings),
        .executableTarget(
            name: "CodecBench",
            dependencies: ["Messages", "ProtobufCBridge", "TestSupport"],
            path: "Tests/Benchmarks/CodecBench",
            swiftSettings: swiftSettings
        ),
    ]
)
