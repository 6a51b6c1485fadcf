// swift-tools-version:6.0
// Benchmark peer for export-collector: ZIPFoundation reading every entry with
// CRC-32 verification. Separate package so the product never depends on it.
// Build: swift build -c release --package-path Benchmarks/ZIPFoundationBench \
//          --scratch-path .build-zipfoundation
import PackageDescription

let package = Package(
    name: "ZIPFoundationBench",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
    ],
    targets: [
        .executableTarget(
            name: "zipfoundation-bench",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
    ]
)
