// swift-tools-version:6.1
// Developer micro-benchmarks, in a package of their own so that users of the library never
// resolve benchmark-only dependencies. Run from this folder: `swift package benchmark`.
import PackageDescription

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
            dependencies: [.product(name: "MailvaultCore", package: "main")],
            path: "Benchmarks/PoWReport"
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "MailvaultCore", package: "main"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
