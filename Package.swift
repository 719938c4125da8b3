// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Hangar",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AMQPClient", targets: ["AMQPClient"]),
        .executable(name: "hangar-intake", targets: ["Intake"]),
        .executable(name: "hangar-scheduler", targets: ["Scheduler"]),
        .executable(name: "hangar-worker", targets: ["Worker"]),
        .executable(name: "hangar-recorder", targets: ["Recorder"]),
        .executable(name: "hangar-notifier", targets: ["Notifier"]),
        .executable(name: "hangar", targets: ["HangarCLI"]),
        .executable(name: "hangar-migrate-queues", targets: ["MigrateQueues"]),
        .executable(name: "amqp-bench", targets: ["AMQPBench"]),
        .executable(name: "pipeline-bench", targets: ["PipelineBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Reads the API document (Shared/Intake/openapi.yaml), which intake serves as JSON.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // Tracing only, exported over OTLP/HTTP: the OTLPHTTP trait alone keeps gRPC out of the build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // Settings: every executable reads its environment variables through it (HangarSettings).
        // No traits: the environment provider is in the core.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        // Intake's operations: types and route registration generated from openapi.yaml at build time.
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
    ],
    targets: [
        // MARK: Libraries (Shared/)

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
        // The product's vocabulary and the versioned message contracts between services.
        .target(
            name: "HangarContracts",
            path: "Shared/Contracts"
        ),
        // Typed publishing and consuming of contracts over AMQP, the topology, dead-lettering.
        .target(
            name: "HangarMessaging",
            dependencies: [
                "AMQPClient", "HangarContracts", "HangarStorage",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Shared/Messaging"
        ),
        // SQL storage through sql-kit: SQLite by default, PostgreSQL by URL; migrations.
        .target(
            name: "HangarStorage",
            dependencies: [
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Storage"
        ),
        // The catalog of every setting, read through swift-configuration, with one error type.
        .target(
            name: "HangarSettings",
            dependencies: [.product(name: "Configuration", package: "swift-configuration")],
            path: "Shared/Settings"
        ),
        // What every service's main needs: settings from the environment, logging and metrics bootstrap, /metrics.
        .target(
            name: "HangarRuntime",
            dependencies: [
                "AMQPClient", "HangarStorage", "HangarContracts", "HangarSettings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            path: "Shared/Runtime"
        ),
        // What the steps act on: the Provider protocol and the simulated provider.
        .target(
            name: "HangarProviders",
            dependencies: ["HangarContracts", .product(name: "Logging", package: "swift-log")],
            path: "Shared/Providers"
        ),
        // A small AWS client: SigV4 (swift-crypto), the EC2 and Auto Scaling Query APIs over
        // async-http-client, XML answers as typed results, typed errors.
        .target(
            name: "AWSClient",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/AWS"
        ),
        // The `aws` provider (kept apart so HangarProviders stays free of the HTTP client).
        .target(
            name: "HangarAWSProvider",
            dependencies: [
                "AWSClient", "HangarProviders", "HangarContracts",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/AWSProvider"
        ),
        // The worker's logic: runs step.execute commands through a provider.
        .target(
            name: "HangarExecution",
            dependencies: [
                "HangarSettings",
                "HangarMessaging", "HangarProviders", "HangarContracts",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Shared/Execution"
        ),
        // The scheduler's logic: the deployment state machine, timers, locks, quotas.
        .target(
            name: "HangarScheduling",
            dependencies: [
                "HangarSettings",
                "HangarMessaging", "HangarStorage", "HangarContracts", "HangarRuntime",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            path: "Shared/Scheduling"
        ),
        // The recorder's projection of events into the deployment history, and its queries.
        .target(
            name: "HangarHistory",
            dependencies: [
                "HangarMessaging", "HangarStorage", "HangarContracts",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/History"
        ),
        // libcurl (Debian: libcurl4-openssl-dev), for SMTP: smtp and smtps are built in.
        .systemLibrary(
            name: "CCurl",
            path: "Shared/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // The notifier's logic: step table, emails (MIME) and signed webhooks, the sent log, the senders.
        .target(
            name: "HangarNotification",
            dependencies: [
                "CCurl", "HangarMessaging", "HangarStorage", "HangarContracts", "AMQPClient", "HangarSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Notification"
        ),
        // The HTTP API v1 and console served by intake. The console's files (HTML, CSS, ES
        // modules) and the instance price table are resources: SwiftPM copies them next to the
        // executables as Hangar_HangarIntake.resources/{Console,Prices}, with the API document
        // openapi.yaml. async-http-client reads RabbitMQ's management API.
        .target(
            name: "HangarIntake",
            dependencies: [
                "AMQPClient", "HangarMessaging", "HangarStorage", "HangarHistory", "HangarContracts", "HangarProviders",
                "HangarRuntime", "HangarSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ],
            path: "Shared/Intake",
            resources: [.copy("Console"), .copy("Prices"), .copy("openapi.yaml")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),

        // MARK: Services (one small executable each)

        .executableTarget(
            name: "Intake", dependencies: ["HangarIntake", "HangarHistory", "HangarRuntime", "HangarSettings"], path: "Services/Intake"),
        .executableTarget(name: "Scheduler", dependencies: ["HangarScheduling", "HangarRuntime", "HangarSettings"], path: "Services/Scheduler"),
        .executableTarget(
            name: "Worker", dependencies: ["HangarExecution", "HangarRuntime", "HangarSettings", "HangarAWSProvider", "HangarProviders"],
            path: "Services/Worker"),
        .executableTarget(name: "Recorder", dependencies: ["HangarHistory", "HangarRuntime", "HangarSettings"], path: "Services/Recorder"),
        .executableTarget(name: "Notifier", dependencies: ["HangarNotification", "HangarRuntime", "HangarSettings"], path: "Services/Notifier"),
        // Changes the type of Hangar's queues (classic <-> quorum), keeping every message.
        .executableTarget(
            name: "MigrateQueues",
            dependencies: [
                "HangarMessaging", "HangarRuntime", "HangarSettings", "AMQPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/MigrateQueues"),
        // The `hangar` command line: the HTTP API from a terminal or a script.
        .executableTarget(
            name: "HangarCLI",
            dependencies: [
                "HangarContracts", "HangarSettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Services/CLI"
        ),

        // MARK: Test harness and benchmarks

        // Runs a whole Hangar as processes in its own vhost, for end-to-end tests and benchmarks.
        .target(
            name: "HangarHarness",
            dependencies: ["HangarContracts", "HangarHistory"],
            path: "Tests/Harness"
        ),
        .executableTarget(
            name: "PipelineBench",
            dependencies: [
                "HangarHarness", "HangarContracts", "HangarStorage", .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/PipelineBench"
        ),

        .executableTarget(
            name: "AMQPBench",
            dependencies: [
                "AMQPClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/AMQPBench"
        ),

        // MARK: Tests

        .testTarget(
            name: "AMQPClientTests",
            dependencies: [
                "AMQPClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/AMQPClientTests"
        ),
        .testTarget(
            name: "ExecutionTests",
            dependencies: ["HangarExecution", "HangarProviders", "HangarMessaging", "HangarContracts", "HangarStorage", "AMQPClient"],
            path: "Tests/ExecutionTests"
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: ["HangarMessaging"],
            path: "Tests/MessagingTests"
        ),
        .testTarget(
            name: "AWSClientTests",
            dependencies: ["AWSClient"],
            path: "Tests/AWSClientTests"
        ),
        .testTarget(
            name: "AWSProviderTests",
            dependencies: [
                "HangarAWSProvider", "AWSClient", "HangarProviders", "HangarContracts", "HangarHarness",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AWSProviderTests"
        ),
        .testTarget(
            name: "ContractsTests",
            dependencies: ["HangarContracts"],
            path: "Tests/ContractsTests"
        ),
        .testTarget(
            name: "HistoryTests",
            dependencies: [
                "HangarHistory", "HangarMessaging", "HangarContracts", "HangarStorage", "AMQPClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/HistoryTests"
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["HangarRuntime", "HangarSettings", .product(name: "Logging", package: "swift-log")],
            path: "Tests/RuntimeTests"
        ),
        .testTarget(
            name: "IntakeTests",
            dependencies: ["HangarIntake", "HangarContracts", "HangarSettings"],
            path: "Tests/IntakeTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "HangarHarness", "HangarContracts", "HangarHistory", "HangarStorage", "AWSClient",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/EndToEndTests"
        ),
        .testTarget(
            name: "NotifierTests",
            dependencies: [
                "HangarNotification", "HangarSettings", "HangarStorage", "HangarContracts", "HangarHarness",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/NotifierTests"
        ),
        .testTarget(
            name: "SchedulerTests",
            dependencies: [
                "HangarSettings",
                "HangarScheduling", "HangarStorage", "HangarContracts", "HangarMessaging", "AMQPClient",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SchedulerTests"
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["HangarStorage", "HangarRuntime", .product(name: "SQLKit", package: "sql-kit")],
            path: "Tests/StorageTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
