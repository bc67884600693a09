// swift-tools-version:6.1
// Developer micro-benchmarks, in a package of their own so that users of the library never
// resolve benchmark-only dependencies. Run from this folder: `swift package benchmark`.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, so the root package is known by whatever the
// checkout's folder is called ("main", "mailvault", ...).
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "MailvaultBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        // Plain timing loops for the PoW engine, no benchmark framework: compare-openssl runs
        // it next to `openssl speed` and prints the ratios.
        .executableTarget(
            name: "PoWReport",
            dependencies: [.product(name: "MailvaultCore", package: root)],
            path: "Benchmarks/PoWReport"
        ),
        // The archive's report: durable ingest against a plain C LMDB loop and SQLite with
        // nwaku's schema, topic queries against status-go's scan, bytes on disk, zstd ratios.
        .executableTarget(
            name: "StoreReport",
            dependencies: [
                .product(name: "MailvaultStore", package: root),
                .product(name: "MailvaultCore", package: root),
                "StoreBaselines",
            ],
            path: "Benchmarks/StoreReport"
        ),
        // Federation's range questions over a month of envelopes: keySummary, splitKeys and keys
        // against a scan of the range, and the sync buckets' bytes per envelope.
        .executableTarget(
            name: "RangeReport",
            dependencies: [
                .product(name: "MailvaultBench", package: root),
                .product(name: "MailvaultStore", package: root),
                .product(name: "MailvaultCore", package: root),
                "StoreBaselines",
            ],
            path: "Benchmarks/RangeReport"
        ),
        // The in-process half of the server benchmark (Benchmarks/server-bench runs wrk for the
        // HTTP half against `mailvault serve`).
        .executableTarget(
            name: "ServerReport",
            dependencies: [
                .product(name: "MailvaultStore", package: root),
                .product(name: "MailvaultCore", package: root),
                .product(name: "MailvaultBench", package: root),
                .product(name: "MailvaultAPI", package: root),
            ],
            path: "Benchmarks/ServerReport"
        ),
        // Bytes on disk per envelope for a payload size and a number of topics (issue 19).
        .executableTarget(
            name: "BytesReport",
            dependencies: [
                .product(name: "MailvaultBench", package: root),
                .product(name: "MailvaultStore", package: root),
                .product(name: "MailvaultCore", package: root),
            ],
            path: "Benchmarks/BytesReport"
        ),
        // The import benchmark's C loop from a file, and the file (Benchmarks/import-bench).
        .executableTarget(
            name: "ImportBaseline",
            dependencies: [
                .product(name: "MailvaultBench", package: root),
                .product(name: "MailvaultStore", package: root),
                .product(name: "MailvaultCore", package: root),
                "StoreBaselines",
            ],
            path: "Benchmarks/ImportBaseline"
        ),
        // The in-process half of the sync benchmark (Benchmarks/sync-bench runs the processes):
        // two stores that differ by d envelopes, Negentropy between them with every byte counted.
        .executableTarget(
            name: "SyncReport",
            dependencies: [
                .product(name: "MailvaultStore", package: root),
                .product(name: "MailvaultCore", package: root),
                .product(name: "MailvaultBench", package: root),
                .product(name: "MailvaultSync", package: root),
                .product(name: "MailvaultFederation", package: root),
            ],
            path: "Benchmarks/SyncReport"
        ),
        // The push benchmark's load generator and clock (Benchmarks/push-bench runs the node, a
        // gorush-compatible receiver and wrk).
        .executableTarget(
            name: "PushReport",
            dependencies: [
                .product(name: "MailvaultAccountability", package: root),
                .product(name: "MailvaultCore", package: root),
            ],
            path: "Benchmarks/PushReport"
        ),
        // The baselines in C: what a plain LMDB loop, SQLite and status-go's layout cost.
        .target(
            name: "StoreBaselines",
            path: "Benchmarks/StoreBaselines",
            linkerSettings: [.linkedLibrary("lmdb"), .linkedLibrary("sqlite3")]
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "MailvaultCore", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
