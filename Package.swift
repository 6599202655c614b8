// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

// The classifier's numeric loops (featurising, training, scoring) run 5–10× slower unoptimised, and the tests train
// and evaluate real models: debug builds compile this one module with -O as release builds do (still with
// -enable-testing, overflow checks and preconditions; only `assert` is compiled out).
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Sieve",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sieve", targets: ["sieve"]),
        .executable(name: "sieve-bench", targets: ["SieveBench"]),
        .executable(name: "sieve-fuzz", targets: ["SieveFuzz"]),
        .library(name: "SieveCore", targets: ["SieveCore"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "Net", targets: ["Net"]),
        .library(name: "Crawler", targets: ["Crawler"]),
        .library(name: "Classifier", targets: ["Classifier"]),
        .library(name: "Incidents", targets: ["Incidents"]),
        .library(name: "Publisher", targets: ["Publisher"]),
        .library(name: "Operations", targets: ["Operations"]),
        .library(name: "Observability", targets: ["Observability"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        // C shims over the system libraries.
        .target(
            name: "CCurl",
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("z")]
        ),
        .target(
            name: "CICU",
            linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icui18n"), .linkedLibrary("icudata")]
        ),
        .target(
            name: "CSieveSQLite",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        // Tesseract OCR (loaded with dlopen on first use: see sieve_ocr.c) and Leptonica (image decoding): their
        // headers stay inside the shim.
        .target(
            name: "COCR",
            linkerSettings: [.linkedLibrary("lept"), .linkedLibrary("dl")]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),

        .target(
            name: "SieveCore",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        .target(
            name: "Store",
            dependencies: [
                "SieveCore", "CSieveSQLite", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // What every stage that reads from or writes to the web uses: HTTP (libcurl), charsets (ICU), XML and HTML
        // (libxml2), feed formats.
        .target(
            name: "Net",
            dependencies: ["SieveCore", "CCurl", "CLibXML2", "CICU"],
            swiftSettings: strict
        ),
        .target(
            name: "Crawler",
            dependencies: [
                "SieveCore", "Net", "Store", "CLibXML2", "CICU", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Classifier",
            dependencies: ["SieveCore", "CICU"],
            swiftSettings: strict + optimizedInDebug
        ),
        .target(
            name: "Incidents",
            dependencies: ["SieveCore", "Classifier", "Net", "CLibXML2", "Imaging"],
            swiftSettings: strict
        ),
        .target(
            name: "Publisher",
            dependencies: [
                "SieveCore", "Store", "Net", "CLibXML2", .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Pictures: decoding with limits, perceptual hashes, OCR.
        .target(name: "Imaging", dependencies: ["COCR"], swiftSettings: strict),
        // Township boundaries (read from the national open data at run time) and the situational map drawn as SVG.
        .target(name: "Maps", dependencies: ["SieveCore"], swiftSettings: strict),
        // Tiplines: a forwarded message (text or picture) checked against what Sieve knows.
        .target(
            name: "Tipline",
            dependencies: ["SieveCore", "Store", "Classifier", "Incidents", "Imaging"],
            swiftSettings: strict
        ),
        .target(
            name: "Pipeline",
            dependencies: [
                "SieveCore", "Store", "Net", "Crawler", "Classifier", "Incidents", "Publisher", "Imaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // Health checks and Prometheus metrics: below both the web app and the services that use them.
        .target(
            name: "Observability",
            dependencies: [
                "Store", .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Operations",
            dependencies: [
                "SieveCore", "Store", "Net", "Classifier", "Pipeline", "Publisher", "Observability",
                .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Moderation",
            dependencies: [
                "SieveCore", "Store", "Net", "Classifier", "Publisher", "Observability", "Maps",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Drills: scenarios replayed through the real pipeline into an exercise store, and their scoring.
        .target(
            name: "Drill",
            dependencies: [
                "SieveCore", "Store", "Net", "Crawler", "Classifier", "Incidents", "Pipeline", "Publisher",
                .product(name: "TOMLKit", package: "TOMLKit"), .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sieve",
            dependencies: [
                "SieveCore", "Store", "Net", "Crawler", "Classifier", "Incidents", "Publisher", "Pipeline", "Moderation", "Operations",
                "Observability", "CCurl", "Imaging", "Tipline", "Drill", "Maps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Every parser that sees outside bytes, as one function each (fuzzing and the corpus-replay test).
        .target(
            name: "FuzzTargets",
            dependencies: [
                "SieveCore", "Net", "Crawler", "Classifier", "Incidents", "Publisher", "Store", "Moderation", "Imaging", "Maps",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // `make fuzz` builds it with -sanitize=fuzzer,address (libFuzzer supplies main); plainly built, a replay driver.
        .executableTarget(name: "SieveFuzz", dependencies: ["FuzzTargets"]),
        .executableTarget(
            name: "SieveBench",
            dependencies: ["Net", "Crawler", "Classifier", "SieveCore", "Imaging"],
            swiftSettings: strict
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "SieveCoreTests", dependencies: ["SieveCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "CrawlerTests", dependencies: ["Crawler", "Net", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "MapsTests", dependencies: ["Maps", "SieveCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ClassifierTests", dependencies: ["Classifier", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "IncidentsTests", dependencies: ["Incidents", "Store", "Classifier", "Pipeline", "Publisher", "TestSupport", "Imaging", "Crawler"],
            swiftSettings: strict),
        .testTarget(
            name: "PublisherTests",
            dependencies: [
                "Publisher", "Store", "Net", "Crawler", "SieveCore", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ], swiftSettings: strict),
        .testTarget(name: "TiplineTests", dependencies: ["Tipline", "Imaging", "Store", "Classifier", "Incidents", "SieveCore", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DrillTests",
            dependencies: ["Drill", "Store", "Publisher", "Classifier", "Incidents", "SieveCore", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "PipelineTests", dependencies: ["Pipeline", "Crawler", "Classifier", "SieveCore", "Store", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "ModerationTests",
            dependencies: [
                "Moderation", "Store", "SieveCore", "Publisher", "Operations", "TestSupport", "Net", "Imaging", "Maps",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OperationsTests",
            dependencies: [
                "Operations", "Observability", "Pipeline", "Store", "SieveCore", "Classifier", "Publisher", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
            ], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
