// swift-tools-version: 6.1
// Your own services on meshtop's dashboard: a program that depends on meshtop as a library.
// Build and run from here: `swift run quotes-dashboard` (q quits).
import PackageDescription

let package = Package(
    name: "embedding",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "meshtop", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "quotes-dashboard",
            dependencies: [
                .product(name: "MeshtopKit", package: "meshtop"),
                .product(name: "ServiceMesh", package: "meshtop"),
                .product(name: "Telemetry", package: "meshtop"),
            ],
            path: "Sources/QuotesDashboard"
        ),
    ],
    swiftLanguageModes: [.v6]
)
