// swift-tools-version:6.0
// The benchmark peer: the same two methods as our EchoServer, served by
// grpc-swift-2 over its SwiftNIO HTTP/2 transport. Built only by `make bench`,
// never by the main package.
import PackageDescription

let package = Package(
    name: "PeerServer",
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
    ],
    targets: [
        .executableTarget(
            name: "PeerServer",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
