// swift-tools-version:6.0
import PackageDescription

// Executables import these directly; declaring them keeps incremental builds in step.
let cliDependencies: [Target.Dependency] = [
    "SafetyCLI", "SafetyIO", "SafetyCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
]

// Release builds of the record path skip the runtime's dynamic exclusivity checks (a table
// lookup per class-property access in every XML callback and CSV row: ~8% of an XML ingest's
// instructions). Debug builds, which `make test` runs, keep them, so an overlapping access is
// still caught by the tests.
let recordPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "SafetyPipeline",
    products: [
        .executable(name: "safety-ingest", targets: ["safety-ingest"]),
        .executable(name: "safety-package", targets: ["safety-package"]),
        .executable(name: "safety-indicators", targets: ["safety-indicators"]),
        .executable(name: "safety-merge", targets: ["safety-merge"]),
        .executable(name: "safety-report", targets: ["safety-report"]),
        .executable(name: "safety-publish", targets: ["safety-publish"]),
        .executable(name: "safety-fuzz", targets: ["safety-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // System libraries, used directly: module map and shim only.
        .systemLibrary(name: "CZlibSystem", path: "Sources/CZlibSystem"),
        .systemLibrary(name: "CLibXML2", path: "Sources/CLibXML2", pkgConfig: "libxml-2.0",
                       providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        // The pure core: standard library only.
        .target(name: "SafetyCore", path: "Sources/SafetyCore", swiftSettings: recordPath),

        // Streaming I/O: bytes in, records out, files written whole.
        .target(name: "SafetyIO",
                dependencies: ["SafetyCore", "CZlibSystem", "CLibXML2",
                               .product(name: "Yams", package: "Yams")],
                path: "Sources/SafetyIO", swiftSettings: recordPath),

        // Outputs people read and systems load: bulletin templates, workbook, HTML report, SQLite.
        .target(name: "SafetyReports",
                dependencies: ["SafetyCore", "SafetyIO", "CSQLite",
                               .product(name: "Mustache", package: "swift-mustache"),
                               .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                path: "Sources/SafetyReports"),

        // Shared command-line options and the single exit path.
        .target(name: "SafetyCLI",
                dependencies: ["SafetyIO", "SafetyCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/SafetyCLI"),

        // Thin executables.
        .executableTarget(name: "safety-ingest",
                          dependencies: cliDependencies,
                          path: "Sources/safety-ingest"),
        .executableTarget(name: "safety-package",
                          dependencies: cliDependencies,
                          path: "Sources/safety-package"),
        .executableTarget(name: "safety-indicators",
                          dependencies: cliDependencies,
                          path: "Sources/safety-indicators"),
        .executableTarget(name: "safety-merge",
                          dependencies: cliDependencies,
                          path: "Sources/safety-merge"),
        .executableTarget(name: "safety-publish",
                          dependencies: cliDependencies,
                          path: "Sources/safety-publish"),
        // libFuzzer harness: `make fuzz` builds it with -sanitize=fuzzer and -DFUZZING.
        .executableTarget(name: "safety-fuzz",
                          dependencies: ["SafetyIO"],
                          path: "Sources/safety-fuzz"),
        // `make conformance`: the CSV reader against the public csv-spectrum suite (outside the repository).
        .executableTarget(name: "csv-conformance",
                          dependencies: ["SafetyIO"],
                          path: "Sources/csv-conformance"),
        .executableTarget(name: "safety-report",
                          dependencies: cliDependencies + ["SafetyReports"],
                          path: "Sources/safety-report"),

        // Tests.
        .testTarget(name: "SafetyCoreTests", dependencies: ["SafetyCore"], path: "Tests/SafetyCoreTests"),
        .testTarget(name: "SafetyIOTests", dependencies: ["SafetyIO", "SafetyCore", "CZlibSystem"], path: "Tests/SafetyIOTests"),
        .testTarget(name: "SafetyReportsTests", dependencies: ["SafetyReports", "SafetyIO", "SafetyCore"],
                    path: "Tests/SafetyReportsTests"),
        .testTarget(name: "EndToEndTests", dependencies: ["SafetyIO", "SafetyCore", "SafetyReports"], path: "Tests/EndToEndTests",
                    exclude: ["Golden"]),  // golden bulletins, read by path
    ],
    swiftLanguageModes: [.v6]
)
