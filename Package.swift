// swift-tools-version: 6.1
// meshtop: build and watch microservices in Swift. Module layout and dependency directions: ARCHITECTURE.md.
import PackageDescription

let package = Package(
    name: "meshtop",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Randomness", targets: ["Randomness"]),
        .library(name: "Telemetry", targets: ["Telemetry"]),
        .library(name: "Resilience", targets: ["Resilience"]),
        .library(name: "ServiceMesh", targets: ["ServiceMesh"]),
        .library(name: "EventStore", targets: ["EventStore"]),
        .executable(name: "meshtop-bench", targets: ["MeshtopBench"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "DemoSystems", targets: ["DemoSystems"]),
        .library(name: "TerminalUI", targets: ["TerminalUI"]),
        .library(name: "NcursesBackend", targets: ["NcursesBackend"]),
        .library(name: "Dashboard", targets: ["Dashboard"]),
        .library(name: "HTTPEdge", targets: ["HTTPEdge"]),
        // Your own services on the dashboard: a live source for any Mesh and one call to open it.
        .library(name: "MeshtopKit", targets: ["MeshtopKit"]),
        // Your own services over HTTP, as `meshtop serve` serves its systems.
        .library(name: "MeshtopHTTP", targets: ["MeshtopHTTP"]),
        // The dashboard's source for a system served by `meshtop serve`, over HTTP.
        .library(name: "RemoteSource", targets: ["RemoteSource"]),
        // OpenTelemetry in and out: OTLP request bodies into a watched system's stores, meshtop's
        // spans and metrics as OTLP requests (no I/O), and both over HTTP.
        .library(name: "OTLP", targets: ["OTLP"]),
        .library(name: "OTLPHTTP", targets: ["OTLPHTTP"]),
        .executable(name: "meshtop", targets: ["meshtop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // The HTTP server of `meshtop serve`. Its default traits pull in swift-configuration and
        // full Foundation, which HTTPEdge does not use: off, for a shorter clean build.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // OTLP's protobuf messages. Only the runtime: the generated types are committed
        // (scripts/generate-otlp-proto.sh), so no build compiles the generator plugin.
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // The one seeded generator (xoshiro256**) and splitmix64, with a stream per component. No dependencies.
        .target(name: "Randomness"),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        // Metrics and tracing backends, rolling windows, trace store, snapshot schema, exposition.
        .target(
            name: "Telemetry",
            dependencies: [
                "Randomness",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Circuit breaker, retry, rate limiter, bulkhead, timeout, pipeline. Knows no services.
        .target(
            name: "Resilience",
            dependencies: [
                "Randomness",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Services, transport, registry, discovery, sidecar, gateway, event bus, sagas; builds the snapshot.
        .target(
            name: "ServiceMesh",
            dependencies: [
                "Randomness",
                "Resilience",
                "Telemetry",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Streams with expected-version appends, global order, subscriptions with checkpoints,
        // aggregates and projections; in memory and on SQLite (GRDB). Knows no services.
        .target(
            name: "EventStore",
            dependencies: [
                "Randomness",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "EventStoreTests",
            dependencies: [
                "EventStore",
                "Randomness",
                "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "MeshtopBench",
            dependencies: [
                "Randomness",
                "Telemetry",
                "Resilience",
                "ServiceMesh",
                "Dashboard",
                "TerminalUI",
                "Simulation",
                "DemoSystems",
                "EventStore",
                // The floor of the event store's figures: raw SQLite through its C API.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                "HTTPEdge",
                "OTLP",
                "OTLPProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Benchmarks/meshtop-bench"
        ),
        // Helpers every test target shares (one bounded waitUntil), as swift-metrics ships MetricsTestKit.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "TelemetryTests",
            dependencies: [
                "Telemetry",
                "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ResilienceTests",
            dependencies: [
                "Randomness",
                "Resilience",
                "TestSupport",
                // Test doubles only: ManualClock and the in-process backends to observe what is reported.
                "Telemetry",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "ServiceMeshTests",
            dependencies: [
                "ServiceMesh",
                "Resilience",
                "Telemetry",
                "TestSupport",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        // Deterministic simulation: a one-thread executor, a virtual clock, the run loop. Depends on nothing.
        .target(name: "Simulation"),
        .testTarget(name: "SimulationTests", dependencies: ["Randomness", "Simulation"]),
        // Example systems (the storefront), traffic, scenarios, invariants, the headless report.
        .target(
            name: "DemoSystems",
            dependencies: [
                "Randomness",
                "Simulation",
                "ServiceMesh",
                "Resilience",
                "Telemetry",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DemoSystemsTests",
            dependencies: [
                "DemoSystems",
                "Randomness",
                "ServiceMesh",
                "Telemetry",
                "TestSupport",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        // Cells, buffer, layout, widgets, buffer diff. No ncurses, no I/O.
        .target(name: "TerminalUI"),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI"]),
        // ncursesw through a shim header (ARCHITECTURE.md, "ncurses from Swift 6": no pkgConfig, NCURSES_WIDECHAR in the shim).
        .systemLibrary(name: "CNcurses"),
        // The only importer of CNcurses: TerminalBackend over ncursesw.
        .target(name: "NcursesBackend", dependencies: ["TerminalUI", "CNcurses"]),
        .testTarget(name: "NcursesBackendTests", dependencies: ["NcursesBackend", "TerminalUI"]),
        // State, update, key map, views and the run loop. Reads the snapshot schema only, never ServiceMesh.
        .target(name: "Dashboard", dependencies: ["TerminalUI", "Telemetry"]),
        // Golden files in Tests/DashboardTests/Golden are read by path (#filePath), not as resources.
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "TerminalUI", "Telemetry"], exclude: ["Golden"]),
        // The HTTP API over a running system (hummingbird): /metrics, snapshot, traces, the SSE feed,
        // the control API behind a bearer token. Serves an `HTTPEdgeProvider`; knows no mesh.
        .target(
            name: "HTTPEdge",
            dependencies: [
                "Telemetry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "HTTPEdgeTests",
            dependencies: [
                "HTTPEdge",
                "Telemetry",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        // The façade for embedding: MeshSource (a live source for any Mesh) and MeshtopDashboard
        // (the dashboard on a terminal as a Service, restoring it on every exit path). No HTTP: a
        // program that only opens the dashboard builds no NIO, hummingbird or TLS.
        .target(
            name: "MeshtopKit",
            dependencies: [
                "ServiceMesh",
                "Dashboard",
                "NcursesBackend",
                "Telemetry",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A mesh on the HTTP edge: MeshEdgeProvider and MeshtopServer.service(mesh:listen:token:).
        .target(
            name: "MeshtopHTTP",
            dependencies: [
                "HTTPEdge",
                "ServiceMesh",
                "Telemetry",
            ]
        ),
        .testTarget(
            name: "MeshtopKitTests",
            dependencies: [
                "MeshtopKit",
                "MeshtopHTTP",
                "HTTPEdge",
                "ServiceMesh",
                "Dashboard",
                "Telemetry",
                "TestSupport",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        // DashboardSource over meshtop's HTTP API: the SSE feed for live data, GETs for traces,
        // POSTs for control. Pure parts (SSE parsing, backoff, status) apart from the client.
        .target(
            name: "RemoteSource",
            dependencies: [
                "Dashboard",
                "Telemetry",
                "Randomness",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "RemoteSourceTests",
            dependencies: [
                "RemoteSource",
                "Dashboard",
                "Telemetry",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // zlib, for gzip request bodies (OTLP/HTTP's Content-Encoding: gzip).
        .systemLibrary(name: "CZlib"),
        // Types protoc-gen-swift made from the official opentelemetry-proto files, committed.
        .target(
            name: "OTLPProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // OTLP without I/O: bodies (protobuf, JSON, gzip) decoded and checked, a WatchedSystem
        // that keeps what arrives and builds the snapshot, and the export requests of meshtop's
        // own spans and metrics.
        .target(
            name: "OTLP",
            dependencies: [
                "OTLPProto",
                "CZlib",
                "Telemetry",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "OTLPTests",
            dependencies: [
                "OTLP",
                "OTLPProto",
                "Telemetry",
                "Randomness",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // OTLP over HTTP: the receiver (`POST /v1/traces|metrics|logs`), a watched system on the
        // HTTP edge, and the exporter that posts meshtop's own telemetry to a collector.
        .target(
            name: "OTLPHTTP",
            dependencies: [
                "OTLP",
                "OTLPProto",
                "HTTPEdge",
                "Randomness",
                "Telemetry",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "OTLPHTTPTests",
            dependencies: [
                "OTLPHTTP",
                "OTLP",
                "OTLPProto",
                "HTTPEdge",
                "Telemetry",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The executable: commands and wiring; everything it validates lives in DemoSystems.
        .executableTarget(
            name: "meshtop",
            dependencies: [
                "DemoSystems",
                "Dashboard",
                "HTTPEdge",
                "MeshtopHTTP",
                "MeshtopKit",
                "NcursesBackend",
                "RemoteSource",
                "OTLP",
                "OTLPHTTP",
                "ServiceMesh",
                "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/meshtop"
        ),
    ],
    swiftLanguageModes: [.v6]
)
