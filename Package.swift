// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Hangar",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AMQPClient", targets: ["AMQPClient"]),
        .executable(name: "amqp-bench", targets: ["AMQPBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // The C library rabbitmq-c (Debian: librabbitmq-dev).
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // An async AMQP 0-9-1 client over rabbitmq-c: confirms, consumers, topology, reconnect.
        .target(
            name: "AMQPClient",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/AMQPClient"
        ),
        .executableTarget(
            name: "AMQPBench",
            dependencies: [
                "AMQPClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/AMQPBench"
        ),
        .testTarget(
            name: "AMQPClientTests",
            dependencies: [
                "AMQPClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/AMQPClientTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
