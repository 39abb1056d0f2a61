// swift-tools-version:6.0
import PackageDescription

let grpc: [Target.Dependency] = [
    .product(name: "GRPCCore", package: "grpc-swift-2"),
    .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
    .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
]
let logging: [Target.Dependency] = [.product(name: "Logging", package: "swift-log")]
let lifecycle: [Target.Dependency] = [.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
let grdb: [Target.Dependency] = [.product(name: "GRDB", package: "GRDB.swift")]
let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]
let hummingbird: [Target.Dependency] = [.product(name: "Hummingbird", package: "hummingbird")]

/// A thin executable: parses nothing itself, hands over to the library's entry point.
func executable(_ name: String, _ library: String) -> Target {
    .executableTarget(name: name, dependencies: [.target(name: library)], path: "Sources/Executables/\(name)")
}

let package = Package(
    name: "golem-provider",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "golem-provider", targets: ["golem-provider"]),
        .executable(name: "golem-gateway", targets: ["golem-gateway"]),
        .executable(name: "golem-vm", targets: ["golem-vm"]),
        .executable(name: "golem-proxy", targets: ["golem-proxy"]),
        .executable(name: "golem-payments", targets: ["golem-payments"]),
        .executable(name: "golem-port-check", targets: ["golem-port-check"]),
    ],
    dependencies: [
        .package(url: "https://github.com/grpc/grpc-swift-2", exact: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", exact: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .target(
            name: "Shared",
            dependencies: grpc + logging + lifecycle + nio + [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Shared"
        ),
        .target(name: "SQLiteStore", dependencies: grdb, path: "Sources/SQLiteStore"),
        // Ethereum primitives (keccak-256, RLP, ABI, addresses, 256-bit numbers): payments now, advertisement later.
        .systemLibrary(name: "CSecp256k1", path: "Sources/CSecp256k1", pkgConfig: "libsecp256k1", providers: [.apt(["libsecp256k1-dev"])]),
        .target(
            name: "Ethereum",
            dependencies: [
                "CSecp256k1", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ] + nio,
            path: "Sources/Ethereum"),
        .target(name: "Gateway", dependencies: ["Shared"] + hummingbird + logging + lifecycle, path: "Sources/Gateway"),
        .target(name: "VMService", dependencies: ["Shared", "SQLiteStore"] + grdb + logging + lifecycle, path: "Sources/VMService"),
        // Linux calls of the zero-copy forwarder (splice, epoll), wrapped for Swift.
        .target(name: "CForwarding", path: "Sources/CForwarding"),
        .target(name: "ProxyService", dependencies: ["Shared", "SQLiteStore", "CForwarding"] + grpc + grdb + nio + logging + lifecycle, path: "Sources/ProxyService"),
        .target(
            name: "PaymentsService", dependencies: ["Shared", "SQLiteStore", "Ethereum"] + grdb + logging + lifecycle,
            path: "Sources/PaymentsService", resources: [.copy("Deployments/Resources")]),
        .target(name: "PortCheckService", dependencies: ["Shared"] + hummingbird + nio + logging + lifecycle, path: "Sources/PortCheckService"),
        .target(
            name: "ProviderCLI",
            dependencies: ["Shared"] + grpc + logging + nio + [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/ProviderCLI"
        ),
        executable("golem-provider", "ProviderCLI"),
        executable("golem-gateway", "Gateway"),
        executable("golem-vm", "VMService"),
        executable("golem-proxy", "ProxyService"),
        executable("golem-payments", "PaymentsService"),
        executable("golem-port-check", "PortCheckService"),

        // Starts a whole node (the real executables) in a scratch folder and hands back clients.
        .target(
            name: "ProviderTestSupport",
            dependencies: ["Shared"] + nio + [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/ProviderTestSupport"
        ),
        .testTarget(name: "SharedTests", dependencies: ["Shared"], path: "Tests/SharedTests"),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", "Shared", .product(name: "HummingbirdTesting", package: "hummingbird")],
            path: "Tests/GatewayTests"
        ),
        .testTarget(name: "EthereumTests", dependencies: ["Ethereum", "ProviderTestSupport"], path: "Tests/EthereumTests"),
        .testTarget(name: "PaymentsServiceTests", dependencies: ["PaymentsService", "Ethereum", "Shared", "ProviderTestSupport"] + logging, path: "Tests/PaymentsServiceTests"),
        .testTarget(name: "VMServiceTests", dependencies: ["VMService", "Shared"], path: "Tests/VMServiceTests"),
        .testTarget(name: "ProxyServiceTests", dependencies: ["ProxyService", "Shared", "ProviderTestSupport"] + nio, path: "Tests/ProxyServiceTests"),
        .testTarget(
            name: "PortCheckTests",
            dependencies: ["PortCheckService", "ProviderCLI", "ProviderTestSupport", "Shared"] + nio,
            path: "Tests/PortCheckTests"
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ProviderTestSupport", "Shared", "Ethereum"],
            path: "Tests/IntegrationTests"
        ),
    ]
)
