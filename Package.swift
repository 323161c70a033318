// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "hookstream",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hookstream", targets: ["hookstream"]),
        .library(name: "JSONata", targets: ["JSONata"]),
        .library(name: "JSONSchema", targets: ["JSONSchema"]),
    ],
    dependencies: [
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The JSON value type shared by every module: ordered objects, a strict byte parser,
        // JavaScript-compatible number output.
        .target(
            name: "JSONValue",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: strict
        ),
        .target(name: "JSONata", dependencies: ["JSONValue"], swiftSettings: strict),
        // PostgreSQL change capture, the pure part: pgoutput messages from bytes, column values
        // to JSON, committed transactions of row changes, the change payload.
        .target(name: "PGOutput", dependencies: ["JSONValue"], swiftSettings: strict),
        .target(name: "JSONSchema", dependencies: ["JSONValue"], swiftSettings: strict),
        .target(
            name: "HookstreamCore",
            dependencies: [
                "JSONValue",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "HookstreamStore",
            dependencies: [
                "HookstreamCore", "JSONValue",
                // gzip for the event archive (zlib underneath).
                .product(name: "CompressNIO", package: "compress-nio"),
                // The embedded database, and PostgreSQL for several nodes on one database.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // PostgreSQL change capture, the I/O shell: connections to captured databases, the
        // peek → store → advance loop.
        .target(
            name: "HookstreamCDC",
            dependencies: [
                "HookstreamCore", "HookstreamStore", "PGOutput", "JSONValue",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Delivery workers and the destination providers they send through.
        .target(
            name: "HookstreamDelivery",
            dependencies: [
                "HookstreamCore", "HookstreamStore", "JSONata", "JSONValue",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // S3's Content-MD5.
                .product(name: "Crypto", package: "swift-crypto"),
                // RS256 for Pub/Sub's service account JWTs.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The SMTP client's STARTTLS and smtps.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "HookstreamServer",
            dependencies: [
                "HookstreamCore", "HookstreamStore", "HookstreamDelivery", "HookstreamCDC", "PGOutput", "JSONSchema", "JSONata",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The OpenAPI document is data, compiled into the binary (no bundle to ship).
            resources: [.embedInCode("OpenAPI/openapi.json")],
            swiftSettings: strict
        ),
        .target(
            name: "HookstreamClient",
            dependencies: [
                "JSONValue",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "hookstream",
            dependencies: [
                "HookstreamServer", "HookstreamStore", "HookstreamClient", "HookstreamDelivery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `hookstream listen` follows a live feed.
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Test support shared by every integration test: an in-process server on a free port,
        // the real executable as a child process, and a plain HTTP client.
        .target(
            name: "HookstreamTesting",
            dependencies: [
                "HookstreamServer", "HookstreamStore", "HookstreamCore", "JSONValue",
                // Its guarded queries, for test writers that outlive a database restart.
                "HookstreamCDC",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // The WebSocket client the real-time tests talk to the hub with.
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                // Stopping in-process servers gracefully (GracefulStop).
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                // The PostgreSQL test server's databases (change capture, the PostgreSQL store).
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // `bench/run transforms`: evaluations per second of the compiled benchmark expressions.
        .executableTarget(
            name: "JSONataBenchmark",
            dependencies: ["JSONata", "JSONValue"],
            path: "bench/JSONataBenchmark",
            swiftSettings: strict
        ),
        // `bench/run websocket`: the hub's subscribers, counting what reaches each.
        .executableTarget(
            name: "WebSocketFanout",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/WebSocketFanout",
            swiftSettings: strict
        ),
        .testTarget(name: "JSONValueTests", dependencies: ["JSONValue"]),
        .testTarget(name: "JSONataTests", dependencies: ["JSONata", "JSONValue"], exclude: ["KNOWN_FAILURES.md", "conformance-floor.txt"]),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema", "JSONValue"], exclude: ["optional-floor.json"]),
        .testTarget(
            name: "HookstreamServerTests",
            dependencies: [
                "HookstreamTesting", "HookstreamServer", "HookstreamCore", "HookstreamDelivery", "HookstreamStore", "JSONValue",
                .product(name: "Crypto", package: "swift-crypto"),
                // The Pub/Sub tests' throwaway service account key and their token endpoint's check.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // The store's state machines, and the store conformance suite every backend runs.
        .testTarget(
            name: "HookstreamStoreTests",
            dependencies: [
                "HookstreamStore", "HookstreamCore", "JSONValue",
                // The PostgreSQL test server the conformance suite's second backend runs on.
                "HookstreamTesting", .product(name: "Logging", package: "swift-log"),
                // A database at an older schema, built migration by migration (RecordSearchMigrationTests).
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "HookstreamDeliveryTests",
            dependencies: [
                "HookstreamDelivery", "HookstreamCore", "HookstreamStore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The loopback receiver the outbound client's rebinding test sends to.
                "HookstreamTesting",
                // The service account JWT test's throwaway RSA key.
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        // Byte fixtures, plus the same decoding against a real PostgreSQL's pgoutput.
        .testTarget(
            name: "PGOutputTests",
            dependencies: ["PGOutput", "JSONValue", "HookstreamTesting", "HookstreamCore", .product(name: "PostgresNIO", package: "postgres-nio")],
            exclude: ["Fixtures"]),
        // The capture loop against the PostgreSQL test server, storing into a real store.
        .testTarget(
            name: "HookstreamCDCTests",
            dependencies: [
                "HookstreamCDC", "HookstreamTesting", "HookstreamStore", "HookstreamCore", "PGOutput", "JSONValue",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(name: "HookstreamCoreTests", dependencies: ["HookstreamCore", "JSONValue"], exclude: ["Fixtures"]),
    ]
)
