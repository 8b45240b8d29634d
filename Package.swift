// swift-tools-version:6.1
import PackageDescription

/// Every target of ours builds in Swift 6 language mode (strict concurrency).
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6), .enableUpcomingFeature("MemberImportVisibility")]
/// The worker's per-message modules (validation, the rule engine, the maintenance planner) in
/// release builds without the run-time exclusivity checks on their per-device state: under
/// callgrind `swift_beginAccess` and its bookkeeping took a quarter of the rules stage (rules 5,039
/// → 3,552 instructions a message, planner 2,937 → 2,311). Debug builds, and so every test run,
/// keep the checks, and the compiler's static checks stay on. (Domain gained nothing: left alone.)
let hotPath: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "EquipWatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "equipwatch", targets: ["EquipWatchCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Per-stage cost benchmarks (Benchmarks/StageCost): wall time and allocations per message.
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C library from Debian's libmosquitto-dev.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // The vocabulary every layer speaks; depends on nothing.
        .target(name: "Domain", swiftSettings: strict),
        // Source text: YAML with located `file:line:column` errors.
        .target(name: "Source", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // Pure cores: they take text and values, never read files or sockets.
        .target(
            name: "DeviceCatalog",
            dependencies: ["Domain", "Source", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(name: "Ingest", dependencies: ["Domain", "DeviceCatalog"], swiftSettings: hotPath),
        .target(
            name: "Rules",
            dependencies: ["Domain", "Source", "DeviceCatalog", "Ingest", .product(name: "Yams", package: "Yams")],
            swiftSettings: hotPath
        ),
        .target(name: "Inspection", dependencies: ["Domain", "Source", "DeviceCatalog"], swiftSettings: strict),
        .target(name: "Maintenance", dependencies: ["Domain", "DeviceCatalog", "Ingest", "Rules", "Inspection"], swiftSettings: hotPath),
        .target(
            name: "Risk",
            dependencies: ["Domain", "Source", "DeviceCatalog", "Ingest", "Inspection", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "Settings",
            dependencies: ["Domain", "Source", "DeviceCatalog", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // I/O edges.
        .target(
            name: "SourceFiles",
            dependencies: ["Domain", "Source", "DeviceCatalog", "Rules", "Risk", "Settings", "Inspection"],
            swiftSettings: strict
        ),
        // The store's vocabulary: the records it keeps and answers with, the filters and cursors
        // of its reads, the batch the worker commits. No engine: any store speaks these.
        .target(name: "Records", dependencies: ["Domain"], swiftSettings: strict),
        // Records in, table / JSON / CSV out, times in the display zone: what the CLI prints and
        // the API serves, rendered once for both.
        .target(name: "Presentation", dependencies: ["Domain", "Records"], swiftSettings: strict),
        .target(
            name: "Storage",
            dependencies: [
                "Domain", "Records",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // The PostgreSQL engine (postgres-nio): the same store interface on PostgreSQL 15+ or a
        // PostgreSQL-compatible database, for a city that outgrows one machine (docs/postgres.md).
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Domain", "Records",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The services the API and the CLI use, and the engine beneath them too: domain-aware store
        // operations written once (alarms, maintenance, inspections, registry sync), reports, and
        // the loaded catalog (types, rules, risk, planning) that a reload replaces as a whole.
        .target(
            name: "Services",
            dependencies: [
                "Domain", "Records", "Presentation", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules", "Inspection",
                "Maintenance", "Risk", "Settings",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "MQTT",
            dependencies: ["CMosquitto", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "Pipeline",
            dependencies: [
                "Domain", "Records", "Storage", "Services", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules", "MQTT", "Settings",
                "Maintenance", "Risk", "Inspection",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Cluster mode (docs/cluster.md): a node's leases, heartbeat and balance through the store,
        // its engine over the partitions it holds, the cluster-wide services while it leads.
        .target(
            name: "Cluster",
            dependencies: [
                "Domain", "Records", "Services", "Pipeline", "MQTT", "Settings", "Ingest", "Rules", "Risk", "Inspection", "DeviceCatalog",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Replay",
            dependencies: ["Domain", "Records", "DeviceCatalog", "Ingest", "Rules"],
            swiftSettings: strict
        ),
        .target(
            name: "Simulation",
            dependencies: ["Domain", "DeviceCatalog", "Ingest", "MQTT", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "BrokerProcess",
            swiftSettings: strict
        ),
        .target(
            name: "Bench",
            dependencies: [
                "BrokerProcess",
                "Domain", "Records", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules", "Storage", "Services", "MQTT", "Pipeline",
                "Settings", "Simulation", "Maintenance", "Risk", "HTTPAPI", "Inspection",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The web console's files (HTML, CSS, JavaScript modules), compiled into the binary: no
        // CDN, no npm, nothing to lose next to the executable.
        .target(
            name: "WebConsole",
            resources: [
                .embedInCode("Web/index.html"), .embedInCode("Web/style.css"), .embedInCode("Web/app.js"),
                .embedInCode("Web/api.js"), .embedInCode("Web/i18n.js"), .embedInCode("Web/pages.js"),
                .embedInCode("Web/device.js"), .embedInCode("Web/charts.js"), .embedInCode("Web/dom.js"),
                .embedInCode("Web/people.js"), .embedInCode("Web/work.js"),
            ],
            swiftSettings: strict
        ),
        // The HTTP API (SPEC §7) on Hummingbird: thin handlers over the same queries and store
        // operations as the CLI. Kept out of the core tests so those build fast.
        .target(
            name: "HTTPAPI",
            dependencies: [
                "Inspection", "WebConsole", "DeviceCatalog", "Maintenance",
                "Domain", "Records", "Presentation", "Services", "Settings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            // The OpenAPI document, compiled into the binary (no resource bundle to lose).
            resources: [.embedInCode("Resources/openapi.yaml")],
            swiftSettings: strict
        ),
        // The commands as a library, so their output can be tested in-process.
        .target(
            name: "Commands",
            dependencies: [
                "HTTPAPI",
                "Domain", "Records", "Presentation", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules", "Storage", "PostgresStorage", "Services",
                "MQTT", "Pipeline", "Cluster", "Settings", "Simulation", "Bench", "Replay", "Maintenance", "Risk", "Inspection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // `swift package benchmark`: the worker's stages measured one by one, wall time and
        // allocations per message (docs/design.md). Not part of the shipped binary.
        .target(
            name: "StageWorkload",
            dependencies: ["Domain", "Records", "DeviceCatalog", "SourceFiles", "Ingest", "Rules", "Maintenance", "Storage", "Simulation"],
            path: "Benchmarks/StageWorkload",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "StageCost",
            dependencies: ["StageWorkload", .product(name: "Benchmark", package: "package-benchmark")],
            path: "Benchmarks/StageCost",
            swiftSettings: strict,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // The same stages' instructions per message under callgrind (scripts/stage-cost.sh).
        .executableTarget(
            name: "StageInstructions",
            dependencies: ["StageWorkload"],
            path: "Benchmarks/StageInstructions",
            swiftSettings: strict
        ),
        // The shipped binary: a thin `main` over the Commands library.
        .executableTarget(
            name: "EquipWatchCLI",
            dependencies: ["Commands"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Domain", "Records", "Storage", "PostgresStorage", "Services", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "APITests",
            dependencies: ["HTTPAPI", "TestSupport", "Domain", "Records", "Presentation", "Storage", "Services", "Pipeline", "DeviceCatalog", "Commands",
                           "Simulation", "MQTT",
                           "Inspection", "BrokerProcess", "SourceFiles",
                           .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CoreTests",
            dependencies: ["Domain", "Source", "SourceFiles", "DeviceCatalog", "Ingest", "Rules", "Settings", "Inspection", "Maintenance", "Risk", "Simulation",
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Test helpers (a test environment on a real broker and store, feed recorders, fixtures):
        // a target of their own, never linked into the shipped binary.
        .target(
            name: "TestSupport",
            dependencies: ["Domain", "Records", "SourceFiles", "DeviceCatalog", "Ingest", "Storage", "PostgresStorage", "Services", "MQTT", "Pipeline",
                           "Settings", "Rules", "BrokerProcess", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        // Three nodes of `equipwatch run` on one PostgreSQL and one broker (their own step in
        // scripts/test.sh: processes killed and restarted, timed against the lease timeout).
        .testTarget(
            name: "ClusterTests",
            dependencies: ["TestSupport", "BrokerProcess", "Cluster", "Domain", "Records", "MQTT", "Services", "DeviceCatalog", "Settings"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["TestSupport", "Commands", "Bench", "BrokerProcess", "Domain", "Records", "Presentation", "Source", "SourceFiles", "DeviceCatalog",
                           "Ingest", "Storage", "Services", "MQTT", "Pipeline", "Settings", "Simulation", "Rules", "Replay", "Maintenance", "Risk",
                           "Inspection", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
    ]
)
