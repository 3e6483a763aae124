// swift-tools-version: 6.1
// meshtop: build and watch microservices in Swift. Module layout and dependency directions: DESIGN.md.
import PackageDescription

let package = Package(
    name: "meshtop",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Telemetry", targets: ["Telemetry"]),
        .library(name: "Resilience", targets: ["Resilience"]),
        .executable(name: "meshtop-bench", targets: ["MeshtopBench"]),
        // --- democli: DemoSystems and the meshtop executable ---
        .library(name: "DemoSystems", targets: ["DemoSystems"]),
        .executable(name: "meshtop", targets: ["meshtop"]),
        // --- end democli ---
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // --- democli ---
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // --- end democli ---
    ],
    targets: [
        // Metrics and tracing backends, rolling windows, trace store, snapshot schema, exposition.
        .target(
            name: "Telemetry",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Circuit breaker, retry, rate limiter, bulkhead, timeout, pipeline. Knows no services.
        .target(
            name: "Resilience",
            dependencies: [
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .executableTarget(
            name: "MeshtopBench",
            dependencies: [
                "Telemetry",
                "Resilience",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            path: "Benchmarks/meshtop-bench"
        ),
        .testTarget(
            name: "TelemetryTests",
            dependencies: [
                "Telemetry",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "ResilienceTests",
            dependencies: [
                "Resilience",
                // Test doubles only: ManualClock and the in-process backends to observe what is reported.
                "Telemetry",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // --- democli: DemoSystems, the meshtop executable and their tests ---
        // Example systems, traffic, scenarios, invariants, the headless report. ServiceMesh joins
        // the dependencies when the storefront is plugged in.
        .target(
            name: "DemoSystems",
            dependencies: ["Telemetry"]
        ),
        // The executable: argument parsing only; everything it validates lives in DemoSystems.
        .executableTarget(
            name: "meshtop",
            dependencies: [
                "DemoSystems",
                "Telemetry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/meshtop"
        ),
        .testTarget(
            name: "DemoSystemsTests",
            dependencies: ["DemoSystems", "Telemetry"]
        ),
        // --- end democli ---
    ],
    swiftLanguageModes: [.v6]
)
