// swift-tools-version:6.2
import PackageDescription

/// Upcoming language features applied to every target from one list,
/// the way swift-nio and swift-configuration do it.
let upcomingFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "ExportCollector",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "export-collector", targets: ["export-collector"]),
    ],
    traits: [
        // `swift build --traits ISAL`: Intel ISA-L's inflate (Debian
        // libisal-dev) instead of zlib's; zlib stays the default and the
        // reference (scripts/bench/inflate_compare.py measures both).
        .trait(name: "ISAL", description: "Inflate with Intel ISA-L (libisal-dev) instead of zlib"),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // System libraries with typed shims for what Swift cannot call directly
        // (variadic curl functions, zlib's inflateInit2 macro).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(name: "CISAL", providers: [.apt(["libisal-dev"])]),
        // glibc's mallopt, for the executable's allocator settings.
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // A lock ThreadSanitizer can see (pthread mutex), in place of Synchronization.Mutex.
        .target(name: "Locking"),
        // The ZIP reader: no networking, no curl.
        .target(
            name: "ZipIndex",
            dependencies: [
                "CZlib",
                "Locking",
                .target(name: "CISAL", condition: .when(traits: ["ISAL"])),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // SigV4 signing and presigning; no networking, no curl.
        .target(
            name: "AWSSigning",
            dependencies: ["Locking", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // libcurl wrapper; transfers arrive with the AWS plumbing issue.
        .target(name: "HTTPTransport", dependencies: ["CCurl", "Locking"]),
        // The credential provider chain (environment, shared files, STS, web
        // identity, container, IMDS) on the transport above.
        .target(name: "AWSCredentials", dependencies: ["AWSSigning", "HTTPTransport"]),
        // s3:// URIs, addressing, GetObject with resume, HeadObject, ListObjectsV2.
        .target(
            name: "S3",
            dependencies: [
                "AWSCredentials", "AWSSigning", "HTTPTransport", "CZlib", "Locking",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Ordered JSON values: a writer for manifests people diff, a parser
        // that keeps key order and reports where a document is malformed.
        .target(name: "OrderedJSON"),
        // Amazon GameLift Streams' REST-JSON API: sessions, pagination, errors,
        // the process-wide request rate limit.
        .target(
            name: "GameLiftStreams",
            dependencies: ["AWSCredentials", "AWSSigning", "HTTPTransport", "OrderedJSON", "Locking"]
        ),
        .target(
            name: "Collector",
            dependencies: [
                "Locking",
                "OrderedJSON",
                "GameLiftStreams",
                "ZipIndex",
                "HTTPTransport",
                "AWSCredentials",
                "AWSSigning",
                "S3",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "export-collector",
            dependencies: [
                "CMalloc",
                "Collector",
                "GameLiftStreams",
                "S3",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(
            name: "ZipIndexTests",
            dependencies: ["ZipIndex", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "AWSSigningTests", dependencies: ["AWSSigning"]),
        .testTarget(name: "AWSCredentialsTests", dependencies: ["AWSCredentials", "AWSSigning", "HTTPTransport"]),
        .testTarget(
            name: "HTTPTransportTests",
            dependencies: ["HTTPTransport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "GameLiftStreamsTests",
            dependencies: ["GameLiftStreams", "OrderedJSON", "AWSCredentials", "AWSSigning", "HTTPTransport"]
        ),
        .testTarget(
            name: "CollectorTests",
            dependencies: ["Collector", "GameLiftStreams", "OrderedJSON", "ZipIndex", "S3", "HTTPTransport", .product(name: "Crypto", package: "swift-crypto")]
        ),
    ]
)

// Fuzz targets (Fuzz/, run by scripts/fuzz): declared only when EC_FUZZ is
// set, because they link libFuzzer and build only with --sanitize=fuzzer;
// ordinary builds and tests never see them.
if Context.environment["EC_FUZZ"] != nil {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("fuzz-zip-verify", ["ZipIndex"]),
        ("fuzz-zip-listing", ["ZipIndex"]),
        ("fuzz-pipeline-config", ["Collector", "OrderedJSON"]),
        ("fuzz-gamelift-json", ["GameLiftStreams", "OrderedJSON", "HTTPTransport"]),
        ("fuzz-aws-xml", ["AWSCredentials", "S3", "HTTPTransport"]),
    ]
    for target in fuzzTargets {
        package.targets.append(.executableTarget(name: target.name, dependencies: target.dependencies,
                                                 path: "Fuzz/\(target.name)"))
    }
}

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + upcomingFeatures
}
